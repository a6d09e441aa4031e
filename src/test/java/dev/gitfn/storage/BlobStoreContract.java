package dev.gitfn.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitfn.storage.BlobStore.Conditional;
import dev.gitfn.storage.BlobStore.Versioned;

/**
 * What every {@link BlobStore} must do, written once; each backend's test
 * extends it and supplies the store. The concurrency cases are the storage
 * invariants of ARCHITECTURE.md: compare-and-swap loses no update and a create
 * has exactly one winner.
 */
abstract class BlobStoreContract {

    @TempDir
    Path tmp;

    BlobStore store;

    /** A fresh, empty store for one test. */
    abstract BlobStore newStore(Path scratch) throws Exception;

    /**
     * Whether this backend's compare-and-swap is atomic under contention. Only
     * such a backend can keep the storage invariants with concurrent writers; the
     * contention cases run only there (S3Proxy and S3Mock are not, see ARCHITECTURE.md).
     */
    boolean atomicCompareAndSwap() {
        return true;
    }

    @BeforeEach
    void open() throws Exception {
        store = newStore(tmp);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetAndMissing() throws Exception {
        assertTrue(store.get("r.git/missing").isEmpty());
        assertFalse(store.exists("r.git/HEAD"));
        store.put("r.git/HEAD", bytes("ref: refs/heads/main\n"));
        Versioned v = store.get("r.git/HEAD").orElseThrow();
        assertArrayEquals(bytes("ref: refs/heads/main\n"), v.data());
        assertTrue(store.exists("r.git/HEAD"));
        store.put("r.git/HEAD", bytes("ref: refs/heads/trunk\n"));
        assertNotEquals(v.etag(), store.get("r.git/HEAD").orElseThrow().etag());
    }

    @Test
    void conditionalRead() throws Exception {
        assertEquals(Conditional.Kind.MISSING, store.getIfChanged("a/state", null).kind());
        String etag = store.putIfMatch("a/state", bytes("one"), null);
        assertEquals(Conditional.Kind.UNCHANGED, store.getIfChanged("a/state", etag).kind());
        Conditional changed = store.getIfChanged("a/state", "stale-etag");
        assertEquals(Conditional.Kind.CHANGED, changed.kind());
        assertArrayEquals(bytes("one"), changed.value().data());
    }

    @Test
    void compareAndSwapRefusesStaleVersions() throws Exception {
        String first = store.putIfMatch("a/state", bytes("1"), null);
        assertThrows(PreconditionFailedException.class, () -> store.putIfMatch("a/state", bytes("x"), null));
        String second = store.putIfMatch("a/state", bytes("2"), first);
        assertThrows(PreconditionFailedException.class, () -> store.putIfMatch("a/state", bytes("3"), first));
        assertEquals(second, store.get("a/state").orElseThrow().etag());
        assertArrayEquals(bytes("2"), store.get("a/state").orElseThrow().data());
        assertThrows(PreconditionFailedException.class, () -> store.putIfMatch("a/other", bytes("x"), second));
    }

    @Test
    void concurrentCompareAndSwapLosesNoIncrement() throws Exception {
        assumeTrue(atomicCompareAndSwap(), "this server's conditional write is not atomic under contention");
        store.putIfMatch("counter", bytes("0"), null);
        int threads = 8;
        int increments = 25;
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < increments; i++) {
                        while (true) {
                            Versioned v = store.get("counter").orElseThrow();
                            int n = Integer.parseInt(new String(v.data(), StandardCharsets.UTF_8));
                            try {
                                store.putIfMatch("counter", bytes(Integer.toString(n + 1)), v.etag());
                                break;
                            } catch (PreconditionFailedException lost) {
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Integer.toString(threads * increments),
                new String(store.get("counter").orElseThrow().data(), StandardCharsets.UTF_8),
                "increments lost (conflicts seen: " + conflicts.get() + ")");
    }

    @Test
    void concurrentCreateHasOneWinner() throws Exception {
        assumeTrue(atomicCompareAndSwap(), "this server's conditional write is not atomic under contention");
        int threads = 8;
        AtomicInteger winners = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    try {
                        store.putIfMatch("created", bytes("by " + id), null);
                        winners.incrementAndGet();
                    } catch (PreconditionFailedException lost) {
                        // expected for all but one
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, winners.get());
    }

    @Test
    void uploadDownloadListDelete() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(big);
        Path source = Files.write(tmp.resolve("source.bin"), big);
        store.upload("t/app.git/objects/pack/pack-1.pack", source);
        store.put("t/app.git/HEAD", bytes("ref: refs/heads/main\n"));
        store.put("t/other.git/HEAD", bytes("ref: refs/heads/main\n"));

        Path target = tmp.resolve("downloaded/pack.bin");
        Files.createDirectories(target.getParent());
        store.download("t/app.git/objects/pack/pack-1.pack", target);
        assertArrayEquals(big, Files.readAllBytes(target));

        List<String> keys = new ArrayList<>(store.list("t/app.git/"));
        keys.sort(null);
        assertEquals(List.of("t/app.git/HEAD", "t/app.git/objects/pack/pack-1.pack"), keys);

        store.delete("t/app.git/HEAD");
        store.delete("t/app.git/HEAD");
        assertFalse(store.exists("t/app.git/HEAD"));
        assertThrows(java.io.IOException.class, () -> store.download("t/app.git/nope", target));
    }

    @Test
    void keysCannotEscapeTheStore() {
        for (String key : List.of("../x", "/abs", "a/../b", "a//b", "a/./b", "a\\b", "a\u0001b", "", "a/")) {
            assertThrows(IllegalArgumentException.class, () -> store.put(key, bytes("x")), key);
        }
    }
}
