/**
 * git's smart protocol on JGit: advertisement, upload-pack, receive-pack with
 * the store commit, and the limits on what a request may make the server do.
 */
package dev.gitfn.protocol;
