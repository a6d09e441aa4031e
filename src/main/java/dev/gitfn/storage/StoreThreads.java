package dev.gitfn.storage;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for store calls that must not hold their caller: non-blocking reads of a
 * store whose reads block (the folder store), and the writes a push makes side by
 * side. Small, bounded, daemon.
 */
final class StoreThreads {
    static final ExecutorService POOL;

    static {
        AtomicInteger ids = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "gitfn-store-" + ids.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        POOL = pool;
    }

    private StoreThreads() {
    }
}
