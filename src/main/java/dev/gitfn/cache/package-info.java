/**
 * Repositories as this instance serves them: validated names, the ref state,
 * the local mirror synced from the store (packs checked against what their push
 * recorded), the push commit by one compare-and-swap, and the dumb-HTTP files.
 */
package dev.gitfn.cache;
