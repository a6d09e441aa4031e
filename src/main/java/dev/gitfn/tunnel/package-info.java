/**
 * git's protocol over a WebSocket, flow-controlled both ways, for {@code git-remote-ws}.
 */
package dev.gitfn.tunnel;
