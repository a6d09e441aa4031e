package dev.gitfn.lfs;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.auth.Tokens;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * Git LFS file locks of one repository: one record in its folder, changed only by
 * compare-and-swap, so of two clients locking one path through two instances exactly one
 * gets the lock. Copied by a rename, removed by a purge, with the repository's LFS objects.
 */
@ApplicationScoped
public class LfsLocks {
    private static final int MAX_ATTEMPTS = 16;
    /** More locks than a repository may hold: a bound on the record, not a policy. */
    public static final int MAX_LOCKS = 10_000;
    /** The holder of a lock taken while authentication is off (everyone is the same nobody then). */
    public static final String ANONYMOUS = "anonymous";

    private final BlobStore store;
    private final ObjectMapper json;

    public LfsLocks(BlobStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /** One lock, as the LFS API shows it. */
    public record Lock(String id, String path, Owner owner, String locked_at) {
    }

    public record Owner(String name) {
    }

    /** The record: every lock of the repository. */
    public record Locks(List<Lock> locks) {
        @JsonCreator
        public Locks {
            locks = locks == null ? List.of() : List.copyOf(locks);
        }
    }

    /** How a lock request ended: the lock made, or the one already on the path. */
    public record Outcome(Lock lock, boolean created) {
    }

    public List<Lock> all(RepoName repo) throws IOException {
        return read(repo).map(v -> parse(v.data())).orElse(new Locks(List.of())).locks();
    }

    /** Locks {@code path} for {@code owner}, unless someone holds it (then that lock, not created). */
    public Outcome lock(RepoName repo, String path, String owner) throws IOException {
        String key = StoreLayout.lfsLocksKey(repo);
        String id = Tokens.newId();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = read(repo);
            List<Lock> locks = current.map(v -> parse(v.data()).locks()).orElse(List.of());
            Optional<Lock> held = locks.stream().filter(l -> l.path().equals(path)).findFirst();
            if (held.isPresent()) {
                // Ours when the last write did land and only its answer was lost (RGW's 500 on a busy key).
                return new Outcome(held.get(), held.get().id().equals(id));
            }
            if (locks.size() >= MAX_LOCKS) {
                throw new IllegalStateException("this repository holds " + MAX_LOCKS + " locks already");
            }
            Lock made = new Lock(id, path, new Owner(owner), Instant.now().toString());
            List<Lock> next = new ArrayList<>(locks);
            next.add(made);
            try {
                store.putIfMatch(key, json.writeValueAsBytes(new Locks(next)), current.map(Versioned::etag).orElse(null));
                return new Outcome(made, true);
            } catch (PreconditionFailedException raced) {
                // another lock or unlock got there first: look again
            }
        }
        throw new IOException("too much contention on " + key);
    }

    /** Removes lock {@code id} if {@code allowed} says so of it; the lock removed, or empty if none has that id. */
    public Optional<Lock> unlock(RepoName repo, String id, java.util.function.Predicate<Lock> allowed)
            throws IOException {
        String key = StoreLayout.lfsLocksKey(repo);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = read(repo);
            List<Lock> locks = current.map(v -> parse(v.data()).locks()).orElse(List.of());
            Optional<Lock> found = locks.stream().filter(l -> l.id().equals(id)).findFirst();
            if (found.isEmpty()) {
                return Optional.empty();
            }
            if (!allowed.test(found.get())) {
                throw new SecurityException("lock " + id + " on " + found.get().path() + " is held by "
                        + found.get().owner().name() + ": only they, or a manager of the repository with force, unlock it");
            }
            List<Lock> next = locks.stream().filter(l -> !l.id().equals(id)).toList();
            try {
                store.putIfMatch(key, json.writeValueAsBytes(new Locks(next)), current.get().etag());
                return found;
            } catch (PreconditionFailedException raced) {
                // changed meanwhile: look again
            }
        }
        throw new IOException("too much contention on " + key);
    }

    private Optional<Versioned> read(RepoName repo) throws IOException {
        return store.get(StoreLayout.lfsLocksKey(repo));
    }

    private Locks parse(byte[] data) {
        try {
            return json.readValue(data, Locks.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("unreadable LFS locks record: " + e.getMessage(), e);
        }
    }
}
