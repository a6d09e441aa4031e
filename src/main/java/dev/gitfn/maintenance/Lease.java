package dev.gitfn.maintenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * A lease on one repository's maintenance, held in the store: {@code holder <id>} and
 * {@code until <epoch millis>}, taken and given back by compare-and-swap, so of many
 * instances one at a time compacts a repository. One that crashed holding it blocks
 * the next only until it expires. The lease saves work; correctness comes from the
 * ref state's compare-and-swap, which refuses a compaction whose packs changed.
 */
final class Lease implements AutoCloseable {
    private final BlobStore store;
    private final String key;
    private final String holder;
    private String etag;

    private Lease(BlobStore store, String key, String holder, String etag) {
        this.store = store;
        this.key = key;
        this.holder = holder;
        this.etag = etag;
    }

    /** Takes the lease for {@code length}, or empty when another holder's has not expired. */
    static Optional<Lease> acquire(BlobStore store, String key, String holder, Duration length, Clock clock)
            throws IOException {
        Optional<Versioned> current = store.get(key);
        if (current.isPresent() && !expired(current.get().data(), clock)) {
            return Optional.empty();
        }
        byte[] mine = ("holder " + holder + "\nuntil " + clock.instant().plus(length).toEpochMilli() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        try {
            String etag = store.putIfMatch(key, mine, current.map(Versioned::etag).orElse(null));
            return Optional.of(new Lease(store, key, holder, etag));
        } catch (PreconditionFailedException raced) {
            return Optional.empty(); // another instance took it first
        }
    }

    /** Whether a stored lease has expired (an unreadable one counts as expired: it protects nothing). */
    static boolean expired(byte[] lease, Clock clock) {
        for (String line : new String(lease, StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("until ")) {
                try {
                    return Long.parseLong(line.substring(6)) <= clock.millis();
                } catch (NumberFormatException e) {
                    return true;
                }
            }
        }
        return true;
    }

    String holder() {
        return holder;
    }

    /** Gives the lease back (marks it expired), unless someone took it over after it expired. */
    @Override
    public void close() throws IOException {
        try {
            etag = store.putIfMatch(key, "holder none\nuntil 0\n".getBytes(StandardCharsets.UTF_8), etag);
        } catch (PreconditionFailedException takenOver) {
            // Ours expired and another instance holds it now: it is theirs to give back.
        }
    }
}
