package dev.gitfn.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * Users and per-repository access, kept in the store beside the repositories
 * (under {@code .gitfn/}, a name no repository can have) so that every
 * stateless instance sees the same and a change needs no redeploy. Reads are
 * trusted for {@code gitfn.auth.cache-ttl}, then revalidated with one
 * conditional GET; writes are compare-and-swap, so concurrent admins never
 * lose each other's changes.
 */
@ApplicationScoped
public class AuthDirectory {
    private static final int MAX_ATTEMPTS = 16;
    /** Names are chosen by clients (any user name in a Basic header): the cache must not grow with them. */
    private static final int MAX_CACHED = 10_000;

    private final BlobStore store;
    private final ObjectMapper json;
    private final long ttlNanos;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /**
     * A document as last read, with its version, the record parsed from it (kept, so that
     * no request parses JSON the instance has parsed before) and when it was checked.
     */
    private record Cached(Versioned value, Object parsed, long checkedAt) {
    }

    /** The store the records live in (for the LFS ticket key beside them). */
    BlobStore store() {
        return store;
    }

    public AuthDirectory(BlobStore store, ObjectMapper json, GitfnConfig config) {
        this.store = store;
        this.json = json;
        this.ttlNanos = config.auth().cacheTtl().toNanos();
    }

    public Optional<UserRecord> user(String name) throws IOException {
        return Awaits.await(userAsync(name));
    }

    /** The user of that name, if any, read without blocking a thread. */
    public Uni<Optional<UserRecord>> userAsync(String name) {
        if (!UserRecord.validName(name)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return readAsync(userKey(name), UserRecord.class);
    }

    public RepoAccess access(RepoName repo) throws IOException {
        return Awaits.await(accessAsync(repo));
    }

    /** A repository's access record ({@link RepoAccess#NONE} without one), read without blocking a thread. */
    public Uni<RepoAccess> accessAsync(RepoName repo) {
        return readAsync(accessKey(repo), RepoAccess.class).map(v -> v.orElse(RepoAccess.NONE));
    }

    /** Creates a user; false if the name is taken. */
    public boolean createUser(UserRecord user) throws IOException {
        if (!UserRecord.validName(user.name())) {
            throw new IllegalArgumentException("invalid user name");
        }
        try {
            store.putIfMatch(userKey(user.name()), json.writeValueAsBytes(user), null);
            cache.remove(userKey(user.name()));
            return true;
        } catch (PreconditionFailedException e) {
            return false;
        }
    }

    public void deleteUser(String name) throws IOException {
        if (!UserRecord.validName(name)) {
            return;
        }
        Optional<UserRecord> gone = store.get(userKey(name)).map(v -> parse(v, UserRecord.class));
        store.delete(userKey(name));
        for (UserRecord.KeyRecord key : gone.map(UserRecord::keys).orElse(java.util.List.of())) {
            store.delete(StoreLayout.sshKeyKey(SshPublicKey.parse(key.key()).sha256Hex()));
        }
        cache.remove(userKey(name));
    }

    /** Changes a user by compare-and-swap; empty if the user does not exist. */
    public Optional<UserRecord> updateUser(String name, UnaryOperator<UserRecord> change) throws IOException {
        if (!UserRecord.validName(name)) {
            return Optional.empty();
        }
        return update(userKey(name), UserRecord.class, current -> current.map(change));
    }

    /** A token just made: the secret, shown once, and what the store keeps of it. */
    public record IssuedToken(String token, UserRecord.TokenRecord record) {
    }

    /**
     * Gives {@code user} a new token; empty if there is no such user. The caller has checked
     * the request ({@link Tokens#problem}).
     */
    public Optional<IssuedToken> issueToken(String user, String name, java.util.Set<Scope> scopes,
            java.time.Instant expiresAt) throws IOException {
        String token = Tokens.newToken();
        UserRecord.TokenRecord record = new UserRecord.TokenRecord(Tokens.newId(), Tokens.hash(token),
                java.time.Instant.now().toString(), name, Scope.names(scopes),
                expiresAt == null ? null : expiresAt.toString(), null);
        return updateUser(user, u -> u.withTokens(append(u.tokens(), record)))
                .map(u -> new IssuedToken(token, record));
    }

    /** Revokes one of {@code user}'s tokens; false if the user has no such token (or does not exist). */
    public boolean revokeToken(String user, String id) throws IOException {
        boolean[] found = {false};
        updateUser(user, u -> {
            found[0] = u.tokens().stream().anyMatch(t -> t.id().equals(id));
            return u.withTokens(u.tokens().stream().filter(t -> !t.id().equals(id)).toList());
        });
        return found[0];
    }

    /** Who an SSH key's index names as its owner (a pointer: the owner's record must still list the key). */
    public Uni<Optional<String>> sshKeyOwnerAsync(SshPublicKey key) {
        return sshKeyIndexAsync(key).map(v -> v.map(KeyOwner::user));
    }

    /** An SSH key's index entry: the user, or the repository whose deploy key it is. */
    public Uni<Optional<KeyOwner>> sshKeyIndexAsync(SshPublicKey key) {
        return readAsync(StoreLayout.sshKeyKey(key.sha256Hex()), KeyOwner.class);
    }

    /** The body of an SSH key's index entry: a user's key, or ({@code deployRepo}) a repository's deploy key. */
    public record KeyOwner(String user, String deployRepo) {
        KeyOwner(String user) {
            this(user, null);
        }
    }

    /**
     * Who holds a key its index entry names now ("user alice", "the deploy key of team/app"),
     * or empty when the entry is stale (its holder's record no longer lists the key).
     */
    private Optional<String> keyHolder(KeyOwner owner, SshPublicKey key) throws IOException {
        if (owner.deployRepo() != null) {
            RepoName repo = RepoName.parse(owner.deployRepo());
            return deploy(repo).keys().stream().anyMatch(k -> k.fingerprint().equals(key.fingerprint()))
                    ? Optional.of("the deploy key of " + repo) : Optional.empty();
        }
        return user(owner.user()).filter(u -> u.keys().stream().anyMatch(k -> k.fingerprint().equals(key.fingerprint())))
                .map(u -> "user " + u.name());
    }

    /**
     * Points a key's index entry at {@code owner}: create-only, or over a stale entry by
     * compare-and-swap; throws {@link IllegalStateException} naming the holder when someone
     * else holds the key. False when {@code owner} holds it already.
     */
    private boolean claimKey(SshPublicKey key, KeyOwner owner, String holderWanted) throws IOException {
        String indexKey = StoreLayout.sshKeyKey(key.sha256Hex());
        byte[] index = json.writeValueAsBytes(owner);
        for (int attempt = 0; ; attempt++) {
            Optional<Versioned> current = store.get(indexKey);
            if (current.isPresent()) {
                Optional<String> holder = keyHolder(parse(current.get(), KeyOwner.class), key);
                if (holder.isPresent() && !holder.get().equals(holderWanted)) {
                    throw new IllegalStateException(holder.get().startsWith("user ") && owner.user() != null
                            ? "this key already belongs to another user" : "this key is already " + holder.get());
                }
                if (holder.isPresent()) {
                    return false;
                }
            }
            try {
                store.putIfMatch(indexKey, index, current.map(Versioned::etag).orElse(null));
                cache.remove(indexKey);
                return true;
            } catch (PreconditionFailedException e) {
                if (attempt >= MAX_ATTEMPTS) {
                    throw new IOException("too much contention on " + indexKey);
                }
            }
        }
    }

    /** A repository's deploy tokens and keys (none without a record), read without blocking a thread. */
    public Uni<DeployCredentials> deployAsync(RepoName repo) {
        return readAsync(StoreLayout.deployKey(repo), DeployCredentials.class)
                .map(v -> v.orElse(DeployCredentials.NONE));
    }

    public DeployCredentials deploy(RepoName repo) throws IOException {
        return Awaits.await(deployAsync(repo));
    }

    /** Issues a deploy token for {@code repo} alone (shown once; the store keeps its hash). */
    public IssuedToken issueDeployToken(RepoName repo, String name, java.util.Set<Scope> scopes,
            java.time.Instant expiresAt) throws IOException {
        String token = Tokens.newDeployToken();
        UserRecord.TokenRecord record = new UserRecord.TokenRecord(Tokens.newId(), Tokens.hash(token),
                java.time.Instant.now().toString(), name, Scope.names(scopes),
                expiresAt == null ? null : expiresAt.toString(), null);
        updateDeploy(repo, d -> d.withTokens(append(d.tokens(), record)));
        return new IssuedToken(token, record);
    }

    /** Revokes one of a repository's deploy tokens; false if it has no such token. */
    public boolean revokeDeployToken(RepoName repo, String id) throws IOException {
        boolean[] found = {false};
        updateDeploy(repo, d -> {
            found[0] = d.tokens().stream().anyMatch(t -> t.id().equals(id));
            return d.withTokens(d.tokens().stream().filter(t -> !t.id().equals(id)).toList());
        });
        return found[0];
    }

    /**
     * Adds a deploy key to a repository: claims the key's index entry first (a key is one
     * user's, or one repository's deploy key), then lists it in the repository's record.
     *
     * @throws IllegalStateException when a user or another repository holds the key
     */
    public DeployCredentials.DeployKey addDeployKey(RepoName repo, SshPublicKey key, String title, boolean write)
            throws IOException {
        claimKey(key, new KeyOwner(null, repo.value()), "the deploy key of " + repo);
        DeployCredentials.DeployKey record = new DeployCredentials.DeployKey(key.sha256Hex().substring(0, 16),
                key.line(), key.fingerprint(), title, write, java.time.Instant.now().toString());
        DeployCredentials updated = updateDeploy(repo, d -> d.keys().stream()
                .anyMatch(k -> k.fingerprint().equals(key.fingerprint())) ? d : d.withKeys(append(d.keys(), record)));
        return updated.keys().stream().filter(k -> k.fingerprint().equals(key.fingerprint())).findFirst()
                .orElse(record);
    }

    /** Removes a deploy key by its id; false if the repository has no such key. */
    public boolean removeDeployKey(RepoName repo, String id) throws IOException {
        DeployCredentials.DeployKey[] removed = {null};
        updateDeploy(repo, d -> {
            removed[0] = d.keys().stream().filter(k -> k.id().equals(id)).findFirst().orElse(null);
            return d.withKeys(d.keys().stream().filter(k -> !k.id().equals(id)).toList());
        });
        if (removed[0] == null) {
            return false;
        }
        String pointer = StoreLayout.sshKeyKey(SshPublicKey.parse(removed[0].key()).sha256Hex());
        store.delete(pointer); // the record no longer lists it, so it signs nothing in; the pointer goes too
        cache.remove(pointer);
        return true;
    }

    private DeployCredentials updateDeploy(RepoName repo, UnaryOperator<DeployCredentials> change) throws IOException {
        return update(StoreLayout.deployKey(repo), DeployCredentials.class,
                current -> Optional.of(change.apply(current.orElse(DeployCredentials.NONE)))).orElseThrow();
    }

    /**
     * Adds an SSH key to a user: first claims the key's index entry (create-only, so two
     * users cannot both own one key; an entry whose user no longer lists the key is stale and
     * taken over), then adds it to the user's record by compare-and-swap.
     *
     * @return the user as changed; empty if there is no such user
     * @throws IllegalStateException when another user owns the key
     */
    public Optional<UserRecord> addSshKey(String name, SshPublicKey key, UserRecord.KeyRecord record)
            throws IOException {
        if (user(name).isEmpty()) {
            return Optional.empty();
        }
        if (!claimKey(key, new KeyOwner(name), "user " + name)) {
            return user(name); // already this user's: adding it again changes nothing
        }
        return updateUser(name, u -> u.keys().stream().anyMatch(k -> k.fingerprint().equals(key.fingerprint())) ? u
                : u.withKeys(append(u.keys(), record)));
    }

    /** Removes an SSH key from a user by its id; false if the user has no such key. */
    public boolean removeSshKey(String name, String id) throws IOException {
        UserRecord.KeyRecord[] removed = {null};
        updateUser(name, u -> {
            removed[0] = u.keys().stream().filter(k -> k.id().equals(id)).findFirst().orElse(null);
            return u.withKeys(u.keys().stream().filter(k -> !k.id().equals(id)).toList());
        });
        if (removed[0] == null) {
            return false;
        }
        // The record no longer lists it, so it signs no one in; the pointer goes too.
        String pointer = StoreLayout.sshKeyKey(SshPublicKey.parse(removed[0].key()).sha256Hex());
        store.delete(pointer);
        cache.remove(pointer);
        return true;
    }

    private static <T> java.util.List<T> append(java.util.List<T> list, T item) {
        java.util.List<T> copy = new java.util.ArrayList<>(list);
        copy.add(item);
        return copy;
    }

    /**
     * Gives {@code to} the access record, deploy credentials and webhooks {@code from} has in the store
     * now (none: none), for a rename; this instance trusts them at once, the others within the
     * cache's TTL.
     */
    public void copyRecords(RepoName from, RepoName to) throws IOException {
        copyRecord(accessKey(from), accessKey(to));
        copyRecord(StoreLayout.deployKey(from), StoreLayout.deployKey(to));
        copyRecord(StoreLayout.hooksKey(from), StoreLayout.hooksKey(to)); // the hooks, and how far each was told
        // Its deploy keys now sign in for the new name (each key's index names its repository).
        for (DeployCredentials.DeployKey key : deploy(to).keys()) {
            String pointer = StoreLayout.sshKeyKey(SshPublicKey.parse(key.key()).sha256Hex());
            store.put(pointer, json.writeValueAsBytes(new KeyOwner(null, to.value())));
            cache.remove(pointer);
        }
    }

    private void copyRecord(String fromKey, String toKey) throws IOException {
        Optional<Versioned> record = store.get(fromKey);
        if (record.isPresent()) {
            store.put(toKey, record.get().data());
        } else {
            store.delete(toKey);
        }
        cache.remove(toKey);
    }

    /** Changes a repository's access record by compare-and-swap. */
    public RepoAccess updateAccess(RepoName repo, UnaryOperator<RepoAccess> change) throws IOException {
        return update(accessKey(repo), RepoAccess.class,
                current -> Optional.of(change.apply(current.orElse(RepoAccess.NONE)))).orElseThrow();
    }

    private <T> Optional<T> update(String key, Class<T> type,
            Function<Optional<T>, Optional<T>> change) throws IOException {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.get(key);
            Optional<T> next = change.apply(current.map(v -> parse(v, type)));
            if (next.isEmpty()) {
                return next;
            }
            try {
                store.putIfMatch(key, json.writeValueAsBytes(next.get()), current.map(Versioned::etag).orElse(null));
                cache.remove(key);
                return next;
            } catch (PreconditionFailedException e) {
                // Another admin changed it meanwhile: apply the change to their version.
            }
        }
        throw new IOException("too much contention on " + key);
    }

    /**
     * A record as this instance trusts it now: from memory within the TTL, else
     * revalidated with one conditional read that blocks no thread. Each key holds one
     * type of record, parsed once per version.
     */
    private <T> Uni<Optional<T>> readAsync(String key, Class<T> type) {
        long now = System.nanoTime();
        Cached known = cache.get(key);
        if (known != null && now - known.checkedAt() < ttlNanos) {
            return Uni.createFrom().item(Optional.ofNullable(type.cast(known.parsed())));
        }
        String knownEtag = known != null && known.value() != null ? known.value().etag() : null;
        return Uni.createFrom().completionStage(() -> store.getIfChangedAsync(key, knownEtag)).map(c -> {
            Cached fresh = switch (c.kind()) {
                case UNCHANGED -> new Cached(known.value(), known.parsed(), now);
                case CHANGED -> new Cached(c.value(), parse(c.value(), type), now);
                case MISSING -> new Cached(null, null, now);
            };
            if (cache.size() >= MAX_CACHED) {
                cache.clear(); // crude, but bounded; entries are cheap to read again
            }
            cache.put(key, fresh);
            return Optional.ofNullable(type.cast(fresh.parsed()));
        });
    }

    private <T> T parse(Versioned v, Class<T> type) {
        try {
            return json.readValue(v.data(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable auth record: " + e.getMessage(), e);
        }
    }

    static String userKey(String name) {
        return StoreLayout.userKey(name);
    }

    static String accessKey(RepoName repo) {
        return StoreLayout.accessKey(repo);
    }
}
