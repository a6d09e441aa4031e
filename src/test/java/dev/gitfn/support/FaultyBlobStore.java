package dev.gitfn.support;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.PreconditionFailedException;
import dev.gitfn.storage.StorageUnavailableException;

/**
 * The real store with faults switched on by a test: an operation whose key
 * matches the predicate fails as an unreachable S3 would, after the SDK's
 * retries gave up. Everything else goes through untouched.
 */
public final class FaultyBlobStore implements BlobStore {
    private final BlobStore real;
    public volatile Predicate<String> failUploads = k -> false;
    public volatile Predicate<String> failPuts = k -> false;
    public volatile Predicate<String> failSwaps = k -> false;
    public volatile Predicate<String> failReads = k -> false;
    public volatile Predicate<String> failDownloads = k -> false;
    /** Swaps that another writer always wins: refused, nothing written. */
    public volatile Predicate<String> contendedSwaps = k -> false;
    /** Swaps that land while their answer is lost: the retry sees its own write as a concurrent one. */
    public volatile Predicate<String> lostSwapAnswers = k -> false;

    public FaultyBlobStore(BlobStore real) {
        this.real = real;
    }

    public void heal() {
        failUploads = k -> false;
        failPuts = k -> false;
        failSwaps = k -> false;
        failReads = k -> false;
        failDownloads = k -> false;
        contendedSwaps = k -> false;
        lostSwapAnswers = k -> false;
    }

    private static void maybeFail(Predicate<String> rule, String key) throws IOException {
        if (rule.test(key)) {
            throw new StorageUnavailableException("injected fault: S3 unreachable for " + key, null);
        }
    }

    @Override
    public Optional<Versioned> get(String key) throws IOException {
        maybeFail(failReads, key);
        return real.get(key);
    }

    @Override
    public Conditional getIfChanged(String key, String knownEtag) throws IOException {
        maybeFail(failReads, key);
        return real.getIfChanged(key, knownEtag);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        maybeFail(failPuts, key);
        real.put(key, data);
    }

    @Override
    public String putIfMatch(String key, byte[] data, String expectedEtag) throws IOException {
        maybeFail(failSwaps, key);
        if (contendedSwaps.test(key)) {
            throw new PreconditionFailedException(key);
        }
        String etag = real.putIfMatch(key, data, expectedEtag);
        if (lostSwapAnswers.test(key)) {
            throw new PreconditionFailedException(key);
        }
        return etag;
    }

    @Override
    public void upload(String key, Path source) throws IOException {
        maybeFail(failUploads, key);
        real.upload(key, source);
    }

    @Override
    public void download(String key, Path target) throws IOException {
        maybeFail(failDownloads, key);
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
        real.delete(key);
    }
}
