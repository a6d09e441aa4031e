package dev.gitfn.cache;

import java.util.concurrent.atomic.LongAdder;

/**
 * What this instance's cache did since it started, counted without locks; the
 * metrics endpoint reads these, so the cache needs no metrics library.
 */
public final class CacheCounters {
    /** Opens that found the local copy current. */
    public final LongAdder hits = new LongAdder();
    /** Opens that had to bring the local copy in step with the store. */
    public final LongAdder misses = new LongAdder();
    public final LongAdder evictions = new LongAdder();
    /** Compare-and-swaps of a ref state lost to another writer and retried. */
    public final LongAdder casRetries = new LongAdder();
    /** Pushes whose ref state was swapped in, and the time from the first pack upload to the swap. */
    public final LongAdder pushCommits = new LongAdder();
    public final LongAdder pushCommitNanos = new LongAdder();
}
