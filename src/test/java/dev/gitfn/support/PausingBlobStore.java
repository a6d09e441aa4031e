package dev.gitfn.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

import dev.gitfn.storage.BlobStore;

/**
 * A store that stops one chosen operation (a write at its start, a read once it
 * has read) until the test lets it go, so a test can lay out an interleaving exactly ("A has read the state; B
 * commits; A swaps") instead of hoping a race happens.
 */
public final class PausingBlobStore implements BlobStore {
    private final BlobStore real;
    private volatile BiPredicate<String, String> pauseAt = (op, key) -> false;
    private volatile CountDownLatch reached = new CountDownLatch(1);
    private volatile CountDownLatch release = new CountDownLatch(0);

    public PausingBlobStore(BlobStore real) {
        this.real = real;
    }

    /** The next operation named {@code op} ("get", "putIfMatch", ...) on a key that {@code when} accepts will wait. */
    public void pauseNext(String op, java.util.function.Predicate<String> when) {
        reached = new CountDownLatch(1);
        release = new CountDownLatch(1);
        pauseAt = (o, k) -> o.equals(op) && when.test(k);
    }

    /** Waits until the paused operation has started. */
    public void awaitPaused() throws InterruptedException {
        if (!reached.await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("the operation to pause was never reached");
        }
    }

    /** Lets the paused operation go on. */
    public void resume() {
        release.countDown();
    }

    private void maybePause(String op, String key) throws IOException {
        BiPredicate<String, String> rule = pauseAt;
        if (rule.test(op, key)) {
            synchronized (this) {
                if (pauseAt != rule) {
                    return; // another thread took this pause
                }
                pauseAt = (o, k) -> false;
            }
            reached.countDown();
            try {
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IOException("test never resumed " + op + " " + key);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** A read pauses after it has read: what it returns is what the store held before the pause. */
    @Override
    public Optional<Versioned> get(String key) throws IOException {
        Optional<Versioned> value = real.get(key);
        maybePause("get", key);
        return value;
    }

    @Override
    public Conditional getIfChanged(String key, String knownEtag) throws IOException {
        maybePause("getIfChanged", key);
        return real.getIfChanged(key, knownEtag);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        maybePause("put", key);
        real.put(key, data);
    }

    @Override
    public String putIfMatch(String key, byte[] data, String expectedEtag) throws IOException {
        maybePause("putIfMatch", key);
        return real.putIfMatch(key, data, expectedEtag);
    }

    @Override
    public void upload(String key, Path source) throws IOException {
        maybePause("upload", key);
        real.upload(key, source);
    }

    @Override
    public void download(String key, Path target) throws IOException {
        maybePause("download", key);
        real.download(key, target);
    }

    @Override
    public boolean exists(String key) throws IOException {
        return real.exists(key);
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        return real.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        maybePause("delete", key);
        real.delete(key);
    }
}
