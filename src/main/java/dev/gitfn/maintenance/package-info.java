/**
 * Pack maintenance over the store: geometric compaction, the reachability bitmap,
 * cruft packs for unreachable objects, garbage collection after a grace period,
 * and the lease that lets one instance at a time compact a repository. Every change
 * to a pack list goes through the ref state's compare-and-swap, as a push does.
 */
package dev.gitfn.maintenance;
