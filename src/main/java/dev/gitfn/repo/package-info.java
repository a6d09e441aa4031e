/**
 * The repository format, shared by every layer above the store: validated names,
 * the ref state (the one authoritative object of a repository), where each file lives
 * in the store (including the case-folded name index), what a pack's integrity record
 * holds, and the dumb-HTTP files derived from the ref state. It reads and writes
 * nothing itself; the cache and the auth directory do, through these rules.
 */
package dev.gitfn.repo;
