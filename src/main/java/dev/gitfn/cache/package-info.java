/**
 * Repositories as this instance serves them: the local mirror synced from the
 * store (packs checked against what their push recorded), the push commit by
 * one compare-and-swap, and writing the dumb-HTTP files into the store.
 */
package dev.gitfn.cache;
