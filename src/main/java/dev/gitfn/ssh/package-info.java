/**
 * git over SSH (Apache MINA SSHD) for long-running installations: users' public keys from
 * the auth records, one host key for the whole fleet, only git's two commands, each admitted
 * by the one admission step and served by the same protocol layer as smart HTTP.
 */
package dev.gitfn.ssh;
