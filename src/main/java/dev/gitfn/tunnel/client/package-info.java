/**
 * {@code git-remote-ws}: the git remote helper (JDK only) that carries git's
 * protocol over one WebSocket.
 */
package dev.gitfn.tunnel.client;
