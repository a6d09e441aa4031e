package dev.gitfn.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Durable object storage as gitfn needs it, and nothing more: small versioned
 * blobs changed by compare-and-swap, large immutable blobs moved as files, and
 * listing by prefix. It knows nothing of git; keys are slash-separated paths
 * such as {@code team/app.git/objects/pack/pack-1234.pack}.
 *
 * <p>Every implementation keeps the invariants of ARCHITECTURE.md: a write is
 * visible whole or not at all, and {@link #putIfMatch} is atomic across every
 * process that shares the store.
 */
public interface BlobStore {

    /** A small blob's content together with the version tag it was read at. */
    record Versioned(byte[] data, String etag) {
    }

    /** Reads a small blob whole; empty when the key does not exist. */
    Optional<Versioned> get(String key) throws IOException;

    /**
     * Conditional read: answers {@link Conditional#unchanged()} when the blob's
     * version is still {@code knownEtag}, so a cache can revalidate cheaply.
     */
    Conditional getIfChanged(String key, String knownEtag) throws IOException;

    /**
     * {@link #getIfChanged} without blocking the caller, for admission on the event
     * loop. S3 answers on the SDK's own threads; the default runs the blocking read on
     * a small pool of the store's own, never on the event loop or the request workers.
     * Failures complete the stage with the {@link IOException} the blocking call throws.
     */
    default CompletionStage<Conditional> getIfChangedAsync(String key, String knownEtag) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return getIfChanged(key, knownEtag);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, StoreThreads.POOL);
    }

    /** Writes a small blob unconditionally (for derived files such as {@code info/refs}). */
    void put(String key, byte[] data) throws IOException;

    /**
     * Compare-and-swap. Writes {@code data} only if the blob's current version is
     * {@code expectedEtag}, or, when {@code expectedEtag} is null, only if the key
     * does not exist yet.
     *
     * @return the new version tag
     * @throws PreconditionFailedException when the blob changed (or exists) meanwhile
     */
    String putIfMatch(String key, byte[] data, String expectedEtag) throws IOException;

    /** Uploads a file as an immutable blob; streamed, never held in memory. */
    void upload(String key, Path source) throws IOException;

    /**
     * The bytes every object under {@code prefix} takes (a repository's LFS objects, for its
     * quota); the default asks each object's size, S3 reads them from its listing.
     */
    default long bytesUnder(String prefix) throws IOException {
        long total = 0;
        for (String key : list(prefix)) {
            total += size(key).orElse(0);
        }
        return total;
    }

    /**
     * Copies an immutable blob to another key of this store (a rename's packs and LFS
     * objects); the store copies it itself where it can, else it passes through a temporary
     * file, never memory.
     */
    default void copy(String from, String to) throws IOException {
        Path tmp = java.nio.file.Files.createTempFile("gitfn-copy", ".tmp");
        try {
            download(from, tmp);
            upload(to, tmp);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    /**
     * Runs store writes side by side (a push's pack files, its derived files) and waits
     * for all of them: one round trip of waiting instead of one per write. The first runs
     * on the calling thread, the others on the store's threads, so a pool thread never
     * waits for another and nesting cannot starve the pool. The first failure is thrown
     * once every write has ended.
     */
    static void inParallel(List<IoAction> writes) throws IOException {
        if (writes.isEmpty()) {
            return;
        }
        List<CompletableFuture<Void>> running = new java.util.ArrayList<>();
        for (IoAction write : writes.subList(1, writes.size())) {
            running.add(CompletableFuture.runAsync(() -> {
                try {
                    write.run();
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, StoreThreads.POOL));
        }
        Throwable failure = null;
        try {
            writes.get(0).run();
        } catch (IOException | RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<Void> write : running) {
            try {
                write.join();
            } catch (CompletionException e) {
                failure = failure == null ? e.getCause() : failure;
            }
        }
        if (failure instanceof IOException io) {
            throw io;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure != null) {
            throw new IOException(failure);
        }
    }

    /** One blocking store call. */
    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    /** Downloads a blob into {@code target} (replaced atomically); streamed. */
    void download(String key, Path target) throws IOException;

    /** Whether a key exists. */
    boolean exists(String key) throws IOException;

    /** A blob's size in bytes, or empty when it does not exist. */
    default java.util.OptionalLong size(String key) throws IOException {
        throw new UnsupportedOperationException("this store does not report sizes");
    }

    /**
     * URLs that let a client read or write one key directly, without passing its bytes
     * through gitfn (S3's presigned URLs); empty for stores that cannot (the folder store).
     */
    default java.util.Optional<Presigner> presigner() {
        return java.util.Optional.empty();
    }

    /** Short-lived URLs for one key each; nothing else is reachable through them. */
    interface Presigner {
        /** A URL to GET the key, valid for {@code ttl}. */
        java.net.URI download(String key, java.time.Duration ttl);

        /**
         * A URL to PUT exactly {@code size} bytes at the key, valid for {@code ttl}, with the
         * headers the client must send (the store may refuse bytes whose SHA-256 differs).
         */
        Upload upload(String key, long size, String sha256Hex, java.time.Duration ttl);

        record Upload(java.net.URI url, java.util.Map<String, String> headers) {
        }
    }

    /** Every key that starts with {@code prefix}, in no particular order. */
    List<String> list(String prefix) throws IOException;

    /** Removes a key; removing a missing key is not an error. */
    void delete(String key) throws IOException;

    /** Result of {@link #getIfChanged}. */
    record Conditional(Kind kind, Versioned value) {
        public enum Kind { UNCHANGED, CHANGED, MISSING }

        public static Conditional unchanged() {
            return new Conditional(Kind.UNCHANGED, null);
        }

        public static Conditional missing() {
            return new Conditional(Kind.MISSING, null);
        }

        public static Conditional changed(Versioned value) {
            return new Conditional(Kind.CHANGED, value);
        }
    }
}
