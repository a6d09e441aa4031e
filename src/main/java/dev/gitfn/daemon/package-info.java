/**
 * git's daemon protocol ({@code git://}) for public mirrors: anonymous, read-only, admitted
 * by the one admission step on the event loop (the request line is read without a thread),
 * served by the same protocol layer as every other transport.
 */
package dev.gitfn.daemon;
