/**
 * The store: blobs, compare-and-swap and listing, nothing of git; a folder and
 * S3 (and S3-compatible servers) implement it.
 */
package dev.gitfn.storage;
