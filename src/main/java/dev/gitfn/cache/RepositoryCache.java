package dev.gitfn.cache;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoExistsException;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.repo.RefState;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.repo.PackIntegrity;
import dev.gitfn.repo.ServerInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import org.eclipse.jgit.lib.BatchRefUpdate;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.jboss.logging.Logger;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Conditional;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * This instance's local copies of repositories, kept in step with the store.
 *
 * <p>Each served repository is a bare JGit repository under the cache folder.
 * Before every request {@link #open} revalidates it with one conditional read of
 * the ref state; when the state changed it downloads only the packs it lacks,
 * then moves the local refs, so a local reader never sees a ref whose objects
 * are missing. A cold instance with an empty cache builds the copy from the
 * store alone. Pushes go the other way through {@link #push}.
 */
@ApplicationScoped
public class RepositoryCache {
    private static final Logger LOG = Logger.getLogger(RepositoryCache.class);

    private final BlobStore store;
    private final Path cacheDir;
    private final String defaultBranch;
    private final long maxBytes;
    private final boolean createOnPush;
    private final Map<RepoName, Entry> entries = new ConcurrentHashMap<>();
    private final Iterable<ServerInfoListener> listeners;
    private final CacheCounters counters = new CacheCounters();
    private final java.time.Duration historyKeep;

    @jakarta.inject.Inject
    public RepositoryCache(BlobStore store, GitfnConfig config, Instance<ServerInfoListener> listeners) {
        this(store, config.cache().dir(), config, listeners);
    }

    /**
     * A cache in {@code dir}: a second instance in one JVM, as the tests that lay out
     * races between instances need.
     */
    public RepositoryCache(BlobStore store, Path dir, GitfnConfig config, Iterable<ServerInfoListener> listeners) {
        this.store = store;
        this.listeners = listeners;
        this.defaultBranch = config.defaultBranch();
        this.maxBytes = config.cache().maxBytes().asLongValue();
        this.createOnPush = config.createOnPush();
        this.historyKeep = config.history().keep();
        try {
            this.cacheDir = Files.createDirectories(dir.toAbsolutePath().normalize());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cache folder " + dir, e);
        }
    }

    /**
     * A lease on a repository as this instance serves it now: the local copy and
     * the state it mirrors. While any lease is open the copy is never evicted;
     * close it when the request is done.
     */
    public static final class CachedRepo implements AutoCloseable {
        private final Entry entry;
        private final RefState state;
        private final String etag;
        private final AtomicBoolean closed = new AtomicBoolean();

        /** Taken under the entry's sync lock, so state and version belong together. */
        private CachedRepo(Entry entry) {
            this.entry = entry;
            this.state = entry.state;
            this.etag = entry.frozen ? null : entry.etag;
        }

        public RepoName name() {
            return entry.name;
        }

        public Repository repository() {
            return entry.repository;
        }

        /** The store state the local copy mirrored when this lease was taken. */
        public RefState state() {
            return state;
        }

        /**
         * The store's version tag of {@link #state()}; null when a rename froze it, so a
         * change reads the state again (and is refused).
         */
        String etag() {
            return etag;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                entry.lastUsed = System.nanoTime();
                if (entry.leases.decrementAndGet() == 0) {
                    entry.dropReplacedPacksIfIdle();
                }
            }
        }
    }

    /** One repository's local copy, its locks and what eviction needs to know. */
    static final class Entry {
        final RepoName name;
        final Path dir;
        /** Held while the local copy is brought in step with the store (and while it is evicted). */
        final ReentrantLock syncLock = new ReentrantLock();
        /** Held for a whole push, so the packs a push adds locally are known to be its own. */
        final ReentrantLock pushLock = new ReentrantLock();
        /** Open {@link CachedRepo} leases; changed under {@link #syncLock} when taken. */
        final AtomicInteger leases = new AtomicInteger();
        volatile Repository repository;
        volatile RefState state;
        volatile String etag;
        /** The state key holds a rename under way: {@link #state} is served, never swapped against. */
        volatile boolean frozen;
        volatile long lastUsed = System.nanoTime();
        volatile long bytes;
        /** Set once the copy is deleted; a thread that still holds this entry must look it up again. */
        volatile boolean evicted;
        /**
         * Packs an earlier state listed and the current one does not (maintenance replaced
         * them): their files stay while any request holds a lease, since a clone may be
         * streaming one whole (JGit reuses a bitmapped pack as it is, and cannot move to
         * another pack halfway), and go once none does.
         */
        final Set<String> replaced = ConcurrentHashMap.newKeySet();

        Entry(RepoName name, Path dir) {
            this.name = name;
            this.dir = dir;
        }

        /** Deletes the replaced packs' files if no request holds a lease; never waits. */
        void dropReplacedPacksIfIdle() {
            if (replaced.isEmpty() || !syncLock.tryLock()) {
                return;
            }
            try {
                if (leases.get() == 0 && !evicted && repository != null && state != null
                        && dropReplacedPacks(dir.resolve("objects/pack"), replaced, state)) {
                    // JGit keeps the packs it found open: make it look at the folder again.
                    repository.getObjectDatabase().close();
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "cannot delete replaced packs of %s", name);
            } finally {
                syncLock.unlock();
            }
        }
    }

    /** What this cache did since it started. */
    /**
     * The bytes a repository takes in the store, as its quota counts them and its info shows
     * them: the packs its state lists and its LFS objects.
     */
    public long storedBytes(CachedRepo repo) throws IOException {
        return repo.state().storedBytes() + store.bytesUnder(StoreLayout.lfsObjectsFolderKey(repo.name()));
    }

    /** How long the server-side reflog keeps an update (gitfn.history.keep). */
    public java.time.Duration historyKeep() {
        return historyKeep;
    }

    public CacheCounters counters() {
        return counters;
    }

    private Entry entryFor(RepoName name) {
        return entries.computeIfAbsent(name, n -> new Entry(n, cacheDir.resolve(n.directory())));
    }

    /**
     * Brings the local copy in step with the store and leases it; throws
     * {@link RepoNotFoundException}. Two requests for a repository this instance
     * does not hold yet download it once: the second waits for the first.
     */
    public CachedRepo open(RepoName name) throws IOException {
        boolean grew = false;
        try {
            while (true) {
                Entry entry = entryFor(name);
                entry.syncLock.lock();
                try {
                    if (entry.evicted) {
                        continue;
                    }
                    Conditional read = store.getIfChanged(StoreLayout.stateKey(name), entry.etag);
                    switch (read.kind()) {
                        case MISSING -> {
                            forget(entry);
                            throw new RepoNotFoundException(name);
                        }
                        case CHANGED -> {
                            RefState state;
                            try {
                                state = RefState.readable(name, read.value().data());
                            } catch (RepoNotFoundException goneOrMoved) {
                                forget(entry);
                                throw goneOrMoved;
                            }
                            counters.misses.increment();
                            mirror(entry, state, read.value().etag());
                            // Frozen by a rename under way: served, but no swap may start from it.
                            entry.frozen = RefState.Renaming.of(read.value().data()).isPresent();
                            grew = true;
                        }
                        case UNCHANGED -> counters.hits.increment();
                    }
                    entry.leases.incrementAndGet();
                    entry.lastUsed = System.nanoTime();
                    return new CachedRepo(entry);
                } finally {
                    entry.syncLock.unlock();
                }
            }
        } finally {
            if (grew) {
                evictIfOverLimit();
            }
        }
    }

    /**
     * Leases a repository for a push, creating it first when {@code gitfn.create-on-push}
     * is on (then {@code created} runs: its owner and audit entry); throws
     * {@link RepoNotFoundException} otherwise. The lease is the caller's to close.
     */
    public CachedRepo openForPush(RepoName name, BlobStore.IoAction created) throws IOException {
        try {
            return open(name);
        } catch (RepoMovedException e) {
            throw e; // its old name is not free
        } catch (RepoNotFoundException e) {
            if (!createOnPush) {
                throw e;
            }
            try {
                create(name);
                created.run();
            } catch (RepoExistsException raced) {
                LOG.debugf("%s was created by a concurrent push", name);
            }
            return open(name);
        }
    }

    /** Creates an empty repository in the store; throws {@link RepoExistsException} if it exists. */
    public void create(RepoName name) throws IOException {
        claimName(name);
        try {
            store.putIfMatch(StoreLayout.stateKey(name), RefState.empty(defaultBranch).serialize(), null);
        } catch (PreconditionFailedException e) {
            throw new RepoExistsException(name);
        }
        LOG.infof("created repository %s", name);
        publishServerInfo(name);
    }

    /** When a repository was deleted (epoch seconds), if its state is a tombstone. */
    public java.util.Optional<Long> deletedAt(RepoName name) throws IOException {
        return store.get(StoreLayout.stateKey(name)).flatMap(v -> RefState.Tombstone.of(v.data()))
                .map(RefState.Tombstone::deletedAt);
    }

    /**
     * Deletes a repository for every client at once, keeping its data: the state becomes a
     * tombstone holding it (compare-and-swap, so a racing push is either in it or fails).
     * Throws {@link RepoNotFoundException} for a missing or already deleted repository.
     */
    public void delete(RepoName name) throws IOException {
        String key = StoreLayout.stateKey(name);
        for (int attempt = 0;; attempt++) {
            Versioned current = store.get(key).orElseThrow(() -> new RepoNotFoundException(name));
            RefState.writable(name, current.data()); // deleted already, or renamed: not here
            try {
                store.putIfMatch(key, new RefState.Tombstone(java.time.Instant.now().getEpochSecond(), current.data())
                        .serialize(), current.etag());
                break;
            } catch (PreconditionFailedException moved) {
                if (attempt > 16) {
                    throw new IOException("too much contention deleting " + name);
                }
            }
        }
        store.put(StoreLayout.deletedKey(name), new byte[0]);
        invalidate(name);
        LOG.infof("deleted repository %s (restorable)", name);
    }

    /**
     * Brings a deleted repository back whole if it was deleted at or after {@code notBefore}
     * (epoch seconds: the grace period). False if it is not deleted; throws
     * {@link IllegalStateException} when its grace has passed.
     */
    public boolean undelete(RepoName name, long notBefore) throws IOException {
        String key = StoreLayout.stateKey(name);
        Versioned current = store.get(key).orElseThrow(() -> new RepoNotFoundException(name));
        java.util.Optional<RefState.Tombstone> tomb = RefState.Tombstone.of(current.data());
        if (tomb.isEmpty()) {
            return false;
        }
        if (tomb.get().deletedAt() < notBefore) {
            throw new IllegalStateException("the grace period of " + name + " has passed");
        }
        store.putIfMatch(key, tomb.get().state(), current.etag()); // a racing restore: one wins
        store.delete(StoreLayout.deletedKey(name));
        publishServerInfo(name);
        LOG.infof("restored repository %s", name);
        return true;
    }

    /** Every deleted repository whose data is still in the store (within its grace or past it). */
    public List<RepoName> listDeleted() throws IOException {
        String suffix = ".git/" + StoreLayout.DELETED_FILE;
        List<RepoName> deleted = new ArrayList<>();
        for (String key : store.list("")) {
            if (key.endsWith(suffix)) {
                deleted.add(RepoName.parse(key.substring(0, key.length() - suffix.length())));
            }
        }
        deleted.sort(java.util.Comparator.comparing(RepoName::value));
        return deleted;
    }

    /**
     * Removes for good a repository deleted before {@code deletedBefore} (epoch seconds: its
     * grace has passed, so no restore can race this): packs, LFS objects, derived files, its
     * access record, then its state and name, so the name is free again. False when it is not
     * deleted (restored meanwhile) or still within its grace.
     */
    public boolean purge(RepoName name, long deletedBefore) throws IOException {
        String stateKey = StoreLayout.stateKey(name);
        java.util.Optional<Versioned> current = store.get(stateKey);
        if (current.isEmpty()) {
            store.delete(StoreLayout.deletedKey(name)); // a purge that stopped half-way
            return false;
        }
        java.util.Optional<RefState.Tombstone> tomb = RefState.Tombstone.of(current.get().data());
        if (tomb.isEmpty() || tomb.get().deletedAt() >= deletedBefore) {
            return false;
        }
        removeData(name);
        store.delete(StoreLayout.accessKey(name));
        store.delete(StoreLayout.deployKey(name));
        store.delete(StoreLayout.hooksKey(name));
        store.delete(stateKey);
        store.delete(StoreLayout.nameIndexKey(name));
        store.delete(StoreLayout.deletedKey(name)); // last: until it goes, the next run finishes the purge
        invalidate(name);
        LOG.infof("purged repository %s (deleted at %s, its grace has passed)", name,
                java.time.Instant.ofEpochSecond(tomb.get().deletedAt()));
        return true;
    }

    /**
     * Renames a repository, atomically for its clients. Its packs and LFS objects are copied
     * under the new name first (immutable, so a copy made while it still takes pushes stays
     * right); one compare-and-swap then freezes its state under the old name (reads go on,
     * a push is refused for that moment); one create-only write of that state under the new
     * name is the moment the new name serves every ref at once; {@code claimed} runs next
     * (the access record follows), and the old name keeps only a record of where it went,
     * which answers a redirect until maintenance frees it. Two renames, or a rename and a
     * create, racing for one name: the create-only write picks one, the others put their
     * state back and are refused. A rename that stopped half-way is finished by asking again.
     * Throws {@link RepoNotFoundException} and {@link RepoExistsException}.
     */
    public void rename(RepoName from, RepoName to, BlobStore.IoAction claimed) throws IOException {
        if (from.value().equalsIgnoreCase(to.value())) {
            // Both names are one folder on a case-insensitive file system, and one name index key.
            throw new RepoExistsException(to, from.value());
        }
        claimName(to);
        java.util.Optional<Versioned> target = store.get(StoreLayout.stateKey(to));
        String fromKey = StoreLayout.stateKey(from);
        // The bulk of the data first, while the old name still takes pushes: the freeze below
        // then waits only for the copies of what landed meanwhile.
        copyData(from, to);
        byte[] frozen = null;
        String frozenEtag = null;
        boolean resumed = false;
        for (int attempt = 1; frozen == null; attempt++) {
            Versioned current = store.get(fromKey).orElseThrow(() -> new RepoNotFoundException(from));
            java.util.Optional<RefState.Renaming> underWay = RefState.Renaming.of(current.data());
            if (underWay.isPresent() && underWay.get().to().equals(to)) {
                frozen = underWay.get().state(); // an earlier rename to the same name stopped half-way
                frozenEtag = current.etag();
                resumed = attempt == 1;
                break;
            }
            RefState.writable(from, current.data()); // deleted, renamed, or being renamed: refused
            if (target.isPresent()) {
                throw new RepoExistsException(to);
            }
            byte[] renaming = new RefState.Renaming(java.time.Instant.now().getEpochSecond(), to, current.data())
                    .serialize();
            try {
                frozenEtag = store.putIfMatch(fromKey, renaming, current.etag());
                frozen = current.data();
            } catch (PreconditionFailedException pushed) {
                // A push got in first (or the store lost its answer: the next read tells).
                if (attempt == PushSession.MAX_ATTEMPTS) {
                    throw new IOException("too much contention renaming " + from);
                }
                PushSession.backOff(attempt);
            }
        }
        // Frozen: what the state names is in the old folder (pushes store packs before they
        // swap), so one more pass copies the last of it.
        copyData(from, to);
        byte[] state = frozen;
        try {
            store.putIfMatch(StoreLayout.stateKey(to), state, null);
        } catch (PreconditionFailedException lost) {
            // Another rename or a create got the name, unless this is a rename finished again
            // that got that far before it stopped (two states alike are never taken as ours
            // otherwise: two empty repositories racing for one name must still have one winner).
            if (!resumed || !store.get(StoreLayout.stateKey(to)).map(v -> java.util.Arrays.equals(v.data(), state))
                    .orElse(false)) {
                store.putIfMatch(fromKey, state, frozenEtag); // back as it was: it serves and takes pushes again
                invalidate(from);
                throw new RepoExistsException(to);
            }
        }
        claimed.run();
        store.put(StoreLayout.deletedKey(from), new byte[0]); // out of the listing, as a deleted one is
        store.putIfMatch(fromKey, new RefState.Renamed(java.time.Instant.now().getEpochSecond(), to).serialize(),
                frozenEtag);
        invalidate(from);
        LOG.infof("renamed repository %s to %s", from, to);
        publishServerInfo(to);
        // An LFS upload to a URL handed out before the freeze may land after the first copy.
        copyData(from, to, List.of(StoreLayout.lfsFolderKey(from)));
    }

    /** Takes a name's index entry, as {@link #create} does; refused if a name differing only by case holds it. */
    private void claimName(RepoName name) throws IOException {
        String indexKey = StoreLayout.nameIndexKey(name);
        try {
            store.putIfMatch(indexKey, name.value().getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
        } catch (PreconditionFailedException e) {
            String existing = store.get(indexKey)
                    .map(v -> new String(v.data(), java.nio.charset.StandardCharsets.UTF_8)).orElse(name.value());
            if (!existing.equals(name.value())) {
                throw new RepoExistsException(name, existing);
            }
            // The same name: it exists, or an earlier create stopped before its state; the caller sees.
        }
    }

    /** Copies a repository's packs and LFS objects (immutable) to another name; those already there are kept. */
    private void copyData(RepoName from, RepoName to) throws IOException {
        copyData(from, to, List.of(StoreLayout.packFolderKey(from), StoreLayout.lfsFolderKey(from)));
    }

    private void copyData(RepoName from, RepoName to, List<String> prefixes) throws IOException {
        List<BlobStore.IoAction> copies = new ArrayList<>();
        for (String prefix : prefixes) {
            for (String key : store.list(prefix)) {
                String copy = to.directory() + key.substring(from.directory().length());
                if (!store.exists(copy)) {
                    copies.add(() -> {
                        try {
                            store.copy(key, copy);
                        } catch (java.nio.file.NoSuchFileException collected) {
                            // a retired pack whose grace ended meanwhile: no state needs it
                        }
                    });
                }
            }
        }
        BlobStore.inParallel(copies);
    }

    /**
     * Clears a renamed repository's old name: its copied data once {@code renamedAt <
     * dataBefore} (no instance still reads it), its record, access record and name once
     * {@code renamedAt < redirectBefore} (the redirect ends, the name is free). Empty when it
     * is not a renamed one's old name, else what was done.
     */
    public java.util.Optional<String> purgeRenamed(RepoName name, long dataBefore, long redirectBefore)
            throws IOException {
        String stateKey = StoreLayout.stateKey(name);
        java.util.Optional<RefState.Renamed> renamed = store.get(stateKey).flatMap(v -> RefState.Renamed.of(v.data()));
        if (renamed.isEmpty() || renamed.get().at() >= dataBefore) {
            return java.util.Optional.empty();
        }
        if (store.get(StoreLayout.stateKey(renamed.get().to())).isPresent()) {
            // The last LFS uploads to URLs handed out under the old name, before they go.
            copyData(name, renamed.get().to(), List.of(StoreLayout.lfsFolderKey(name)));
        }
        int removed = removeData(name);
        if (renamed.get().at() >= redirectBefore) {
            return removed == 0 ? java.util.Optional.empty()
                    : java.util.Optional.of("old data removed (renamed to " + renamed.get().to() + ")");
        }
        store.delete(StoreLayout.accessKey(name));
        store.delete(StoreLayout.deployKey(name));
        store.delete(StoreLayout.hooksKey(name));
        store.delete(stateKey);
        store.delete(StoreLayout.nameIndexKey(name));
        store.delete(StoreLayout.deletedKey(name));
        invalidate(name);
        LOG.infof("%s no longer redirects to %s: the name is free", name, renamed.get().to());
        return java.util.Optional.of("redirect ended (renamed to " + renamed.get().to() + "): the name is free");
    }

    /** Deletes every key in a repository's folder but its state and its deletion mark; returns how many. */
    private int removeData(RepoName name) throws IOException {
        int removed = 0;
        for (String key : store.list(name.directory() + "/")) {
            if (!key.equals(StoreLayout.stateKey(name)) && !key.equals(StoreLayout.deletedKey(name))) {
                store.delete(key);
                removed++;
            }
        }
        return removed;
    }

    /** Every repository in the store, sorted by name (deleted ones not). */
    public List<RepoName> list() throws IOException {
        String suffix = ".git/" + StoreLayout.STATE_FILE;
        String deletedSuffix = ".git/" + StoreLayout.DELETED_FILE;
        List<String> keys = store.list("");
        java.util.Set<String> deleted = new java.util.HashSet<>();
        for (String key : keys) {
            if (key.endsWith(deletedSuffix)) {
                deleted.add(key.substring(0, key.length() - deletedSuffix.length()));
            }
        }
        List<RepoName> names = new ArrayList<>();
        for (String key : keys) {
            if (key.endsWith(suffix) && !deleted.contains(key.substring(0, key.length() - suffix.length()))) {
                try {
                    names.add(RepoName.parse(key.substring(0, key.length() - suffix.length())));
                } catch (InvalidRepoNameException e) {
                    LOG.warnf("ignoring store folder with an invalid repository name: %s", key);
                }
            }
        }
        names.sort((a, b) -> a.value().compareTo(b.value()));
        return names;
    }

    /** Work done while holding a repository's push lock. */
    @FunctionalInterface
    public interface PushBody<T> {
        T run(PushSession session) throws IOException;
    }

    /**
     * Runs a push: takes the repository's push lock in this instance, brings the
     * local copy up to date, and hands the body a
     * {@link PushSession} whose {@code commit} publishes the result to the store.
     * Pushes from other instances are ordered by the store's compare-and-swap.
     */
    public <T> T push(RepoName name, PushBody<T> body) throws IOException {
        while (true) {
            Entry entry = entryFor(name);
            entry.pushLock.lock();
            try {
                if (entry.evicted) {
                    continue;
                }
                try (CachedRepo repo = open(name)) {
                    return body.run(new PushSession(this, store, repo, defaultBranch));
                } finally {
                    discardUnlistedPacks(entry);
                }
            } finally {
                entry.pushLock.unlock();
            }
        }
    }

    /**
     * Writes what {@code git update-server-info} writes ({@code objects/info/packs},
     * {@code info/refs}, {@code HEAD}) from the newest state, and tells the listeners (the
     * published area). Repeats if a concurrent push moved the state meanwhile, so the
     * last writer always leaves the files describing the newest state.
     */
    void publishServerInfo(RepoName name) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            try (CachedRepo repo = open(name)) {
                // Side by side: the store is never served as it is (the published area, which
                // is, keeps git's order itself), so these need no order among them.
                byte[] infoRefs = ServerInfo.infoRefs(repo.repository(), repo.state());
                BlobStore.inParallel(List.of(
                        () -> {
                            // First, so on this thread: the published area makes writes of its own.
                            for (ServerInfoListener listener : listeners) {
                                listener.serverInfoWritten(repo);
                            }
                        },
                        () -> store.put(StoreLayout.infoPacksKey(name), ServerInfo.infoPacks(repo.state())),
                        () -> store.put(StoreLayout.infoRefsKey(name), infoRefs),
                        () -> store.put(StoreLayout.headKey(name), ServerInfo.head(repo.state()))));
                if (store.getIfChanged(StoreLayout.stateKey(name), repo.etag).kind() == Conditional.Kind.UNCHANGED) {
                    return;
                }
            }
        }
        LOG.warnf("server info of %s may lag: the ref state kept changing", name);
    }

    /**
     * Rebuilds a repository's derived files (server info in the store, its published copy)
     * from its ref state: what {@code gitfn-store check --repair} does; never deletes anything.
     */
    public void repairServerInfo(RepoName name) throws IOException {
        publishServerInfo(name);
    }

    /** The dumb-HTTP {@code info/refs} text of a repository as served now. */
    public byte[] infoRefs(CachedRepo repo) throws IOException {
        return ServerInfo.infoRefs(repo.repository(), repo.state());
    }

    /** The dumb-HTTP {@code HEAD} file of a repository as served now. */
    public byte[] head(CachedRepo repo) {
        return ServerInfo.head(repo.state());
    }

    /** The dumb-HTTP {@code objects/info/packs} file of a repository as served now. */
    public byte[] infoPacks(CachedRepo repo) {
        return ServerInfo.infoPacks(repo.state());
    }

    /**
     * The local file of {@code pack} ({@code pack-<hash>}) with {@code ext} ({@code .pack}
     * or {@code .idx}), only if the ref state lists that pack: a pack some failed push left
     * in the cache is never served.
     */
    public java.util.Optional<Path> publishedPack(CachedRepo repo, String pack, String ext) {
        if (!repo.state().packs().contains(pack) || !(ext.equals(".pack") || ext.equals(".idx"))) {
            return java.util.Optional.empty();
        }
        Path file = packFile(repo, pack, ext);
        return Files.isRegularFile(file) ? java.util.Optional.of(file) : java.util.Optional.empty();
    }

    /** Marks the local copy as stale so the next {@link #open} re-reads the store. */
    void invalidate(RepoName name) {
        Entry entry = entries.get(name);
        if (entry != null) {
            entry.etag = null;
        }
    }

    /** Local pack names (without extension) whose index is complete. */
    static Set<String> localPacks(CachedRepo repo) throws IOException {
        Path packDir = repo.entry.dir.resolve("objects/pack");
        Set<String> packs = new HashSet<>();
        if (!Files.isDirectory(packDir)) {
            return packs;
        }
        try (Stream<Path> files = Files.list(packDir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("pack-") && f.endsWith(".pack"))
                    .map(f -> f.substring(0, f.length() - ".pack".length()))
                    .filter(p -> Files.isRegularFile(packDir.resolve(p + ".idx")))
                    .forEach(packs::add);
        }
        return packs;
    }

    /** The local file of {@code pack} with {@code ext} in the leased copy. */
    public static Path packFile(CachedRepo repo, String pack, String ext) {
        return repo.entry.dir.resolve("objects/pack/" + pack + ext);
    }

    /**
     * Quarantine: a pack no ref state lists (a push whose every update was refused, or
     * one cut short by a crash) leaves the cache, so its objects are never served, by
     * fetch or dumb HTTP, nor published by a later push. Called with no push running.
     */
    private void discardUnlistedPacks(Entry entry) {
        entry.syncLock.lock();
        try {
            if (entry.evicted || entry.repository == null || entry.state == null) {
                return;
            }
            Path packDir = entry.dir.resolve("objects/pack");
            List<String> listed = entry.state.packs();
            int discarded = 0;
            if (Files.isDirectory(packDir)) {
                try (Stream<Path> files = Files.list(packDir)) {
                    for (Path file : files.toList()) {
                        String f = file.getFileName().toString();
                        int dot = f.lastIndexOf('.');
                        String pack = dot > 0 ? f.substring(0, dot) : f;
                        if (f.startsWith("pack-") && dot > 0 && !listed.contains(pack)
                                && !entry.replaced.contains(pack)) {
                            Files.deleteIfExists(file);
                            discarded += f.endsWith(".pack") ? 1 : 0;
                        }
                    }
                }
            }
            if (discarded > 0) {
                // JGit keeps the packs it found open: make it look at the folder again.
                entry.repository.getObjectDatabase().close();
                LOG.infof("discarded %d unpublished pack(s) of %s", discarded, entry.name);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warnf(e, "cannot discard unpublished packs of %s", entry.name);
        } finally {
            entry.syncLock.unlock();
        }
    }

    /**
     * Makes the local copy equal {@code state}: packs first (each pack's bitmap and index
     * before the pack itself, so JGit finds them together), then refs, then HEAD; last,
     * the packs maintenance replaced leave the copy.
     */
    private void mirror(Entry entry, RefState state, String etag) throws IOException {
        boolean firstLoad = entry.repository == null;
        Repository repo = openLocal(entry);
        Path packDir = entry.dir.resolve("objects/pack");
        Files.createDirectories(packDir);
        int downloaded = 0;
        boolean reopen = false;
        for (String pack : state.packs()) {
            java.util.Optional<PackIntegrity> expected = state.integrityOf(pack);
            Path local = packDir.resolve(pack + ".pack");
            if (Files.isRegularFile(local) && expected.isPresent()
                    && (Files.size(local) != expected.get().packBytes()
                            || Files.size(packDir.resolve(pack + ".idx")) != expected.get().idxBytes())) {
                LOG.errorf("cached copy of %s of %s is damaged (not the recorded size): fetching it again", pack,
                        entry.name);
                Files.deleteIfExists(local);
            }
            boolean bitmap = expected.isPresent() && expected.get().hasBitmap();
            if (!Files.isRegularFile(local)) {
                if (bitmap) {
                    fetchPack(entry.name, pack, ".bitmap", packDir, expected);
                }
                fetchPack(entry.name, pack, ".idx", packDir, expected);
                fetchPack(entry.name, pack, ".pack", packDir, expected);
                downloaded++;
            } else if (bitmap && !Files.isRegularFile(packDir.resolve(pack + ".bitmap"))) {
                // A pack this copy holds gained a bitmap (maintenance rewrote the same objects).
                fetchPack(entry.name, pack, ".bitmap", packDir, expected);
                reopen = true;
            }
        }
        // JGit notices the new packs itself: a lookup that misses rescans the pack folder.
        moveRefs(repo, state);
        RefState previous = entry.state;
        entry.state = state;
        entry.etag = etag;
        if (previous != null) {
            for (String pack : previous.packs()) {
                if (!state.packs().contains(pack)) {
                    entry.replaced.add(pack);
                }
            }
            // Under the sync lock no lease can be taken; with none held nothing reads them.
            if (entry.leases.get() == 0 && dropReplacedPacks(packDir, entry.replaced, state)) {
                reopen = true;
            }
        }
        if (reopen) {
            // JGit keeps the packs it found open; requests reading a dropped one move to
            // the pack that replaced it (JGit's own answer to a concurrent git gc).
            repo.getObjectDatabase().close();
        }
        if (firstLoad) {
            // A copy left by an earlier process may hold packs no push committed. No push of
            // this process can be receiving yet: each takes its lease (this sync) first.
            discardUnlistedPacks(entry);
        }
        entry.bytes = sizeOf(packDir);
        if (downloaded > 0) {
            LOG.debugf("synced %s: %d new pack(s)", entry.name, downloaded);
        }
    }

    /**
     * Deletes the local files of {@code replaced} packs that {@code state} does not list (a
     * name listed again stays), and forgets them. Only maintenance unlists a pack, and only
     * once another listed pack holds its objects. Called with no lease held.
     */
    private static boolean dropReplacedPacks(Path packDir, Set<String> replaced, RefState state) throws IOException {
        boolean dropped = false;
        for (String pack : List.copyOf(replaced)) {
            if (!state.packs().contains(pack)) {
                for (String ext : List.of(".pack", ".idx", ".bitmap")) {
                    dropped |= Files.deleteIfExists(packDir.resolve(pack + ext));
                }
            }
            replaced.remove(pack);
        }
        return dropped;
    }

    /** Packs replaced by maintenance whose local files wait for the requests still reading them. */
    static Set<String> replacedPacks(CachedRepo repo) {
        return repo.entry.replaced;
    }

    /** A change of a repository's pack list: the next state, or null to change nothing. */
    @FunctionalInterface
    public interface PackChange {
        RefState apply(RefState current) throws IOException;
    }

    /** Work done right after a swap landed, before the dumb-HTTP files are rewritten. */
    @FunctionalInterface
    public interface AfterSwap {
        void run(RefState written) throws IOException;
    }

    /**
     * Changes a repository's state by compare-and-swap, as a push does, re-reading and
     * re-applying {@code change} whenever another instance's push or creation moved the
     * state meanwhile: a racing push is never overwritten. Then runs {@code afterSwap} and
     * rewrites the dumb-HTTP files. Returns the state written, or null when {@code change}
     * declined.
     */
    public RefState changeState(RepoName name, PackChange change, AfterSwap afterSwap) throws IOException {
        String key = StoreLayout.stateKey(name);
        for (int attempt = 1;; attempt++) {
            Versioned current = store.get(key).orElseThrow(() -> new RepoNotFoundException(name));
            RefState next = change.apply(RefState.writable(name, current.data()));
            if (next == null) {
                return null;
            }
            try {
                store.putIfMatch(key, next.serialize(), current.etag());
            } catch (PreconditionFailedException lost) {
                if (attempt == 32) {
                    throw new dev.gitfn.storage.StorageUnavailableException(
                            "the state of " + name + " kept changing; try again later", lost);
                }
                counters.casRetries.increment();
                PushSession.backOff(attempt);
                continue;
            }
            try {
                afterSwap.run(next);
                publishServerInfo(name);
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "the state of %s changed, but writing info/refs failed", name);
                invalidate(name);
            }
            return next;
        }
    }

    /**
     * Moves pack files this instance wrote ({@code pack} with {@code .bitmap}, {@code .idx},
     * {@code .pack} in {@code folder}) into the local copy, so it need not download what it
     * just uploaded. Only a pack the store's state {@code written} lists is taken in, and
     * only into a copy that is in step with an earlier state (it will mirror {@code written}
     * next, and find the pack there).
     */
    public void adoptPack(RepoName name, Path folder, String pack, RefState written) throws IOException {
        Entry entry = entries.get(name);
        if (entry == null || !written.packs().contains(pack)) {
            return;
        }
        // A push receiving now would take a local pack it did not send for its own: skip then.
        if (!entry.pushLock.tryLock()) {
            return;
        }
        entry.syncLock.lock();
        try {
            if (entry.evicted || entry.state == null) {
                return;
            }
            Path packDir = entry.dir.resolve("objects/pack");
            if (Files.isRegularFile(packDir.resolve(pack + ".pack"))) {
                return;
            }
            for (String ext : List.of(".bitmap", ".idx", ".pack")) {
                Path file = folder.resolve(pack + ext);
                if (Files.isRegularFile(file)) {
                    Files.move(file, packDir.resolve(pack + ext), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            }
            entry.bytes = sizeOf(packDir);
        } finally {
            entry.syncLock.unlock();
            entry.pushLock.unlock();
        }
    }

    /**
     * Downloads one pack file beside its final name, checks it against what its push
     * recorded, and only then puts it where JGit finds it: a damaged or missing copy in
     * the store never enters the cache, is logged, and is answered as a store failure
     * (503, try again), so the next request, once the store is right, recovers by itself.
     */
    private void fetchPack(RepoName name, String pack, String ext, Path packDir,
            java.util.Optional<PackIntegrity> expected) throws IOException {
        Path target = packDir.resolve(pack + ext);
        Path tmp = packDir.resolve(".fetch-" + UUID.randomUUID() + ext.replace('.', '-')); // not a name JGit reads
        try {
            store.download(StoreLayout.packKey(name, pack, ext), tmp);
            String wrong = expected.isPresent() ? expected.get().mismatch(tmp, ext) : null;
            if (wrong != null) {
                LOG.errorf("the store's %s%s of %s is damaged (%s): not serving it", pack, ext, name, wrong);
                throw new dev.gitfn.storage.StorageUnavailableException("the store holds a damaged pack of " + name
                        + "; try again later", null);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (java.nio.file.NoSuchFileException e) {
            LOG.errorf("the store lacks %s%s of %s, which its ref state lists", pack, ext, name);
            throw new dev.gitfn.storage.StorageUnavailableException("the store is missing a pack of " + name
                    + "; try again later", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void moveRefs(Repository repo, RefState state) throws IOException {
        List<ReceiveCommand> commands = new ArrayList<>();
        Map<String, ObjectId> wanted = state.refs();
        for (Ref ref : repo.getRefDatabase().getRefsByPrefix(Constants.R_REFS)) {
            if (!wanted.containsKey(ref.getName())) {
                commands.add(new ReceiveCommand(ref.getObjectId(), ObjectId.zeroId(), ref.getName()));
            }
        }
        wanted.forEach((name, id) -> {
            try {
                Ref local = repo.getRefDatabase().exactRef(name);
                ObjectId old = local == null ? ObjectId.zeroId() : local.getObjectId();
                if (!id.equals(old)) {
                    commands.add(new ReceiveCommand(old, id, name));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!commands.isEmpty()) {
            BatchRefUpdate batch = repo.getRefDatabase().newBatchUpdate();
            batch.setAllowNonFastForwards(true);
            batch.setAtomic(true);
            batch.addCommand(commands);
            try (RevWalk walk = new RevWalk(repo)) {
                batch.execute(walk, NullProgressMonitor.INSTANCE);
            }
            for (ReceiveCommand cmd : commands) {
                if (cmd.getResult() != ReceiveCommand.Result.OK) {
                    throw new IOException("cannot update cached ref " + cmd.getRefName() + ": " + cmd.getResult()
                            + (cmd.getMessage() == null ? "" : " " + cmd.getMessage()));
                }
            }
        }
        Ref head = repo.exactRef(Constants.HEAD);
        if (head == null || !head.isSymbolic() || !head.getTarget().getName().equals(state.head())) {
            RefUpdate.Result result = repo.updateRef(Constants.HEAD).link(state.head());
            if (result != RefUpdate.Result.NEW && result != RefUpdate.Result.FORCED
                    && result != RefUpdate.Result.NO_CHANGE) {
                throw new IOException("cannot point cached HEAD at " + state.head() + ": " + result);
            }
        }
    }

    private static Repository openLocal(Entry entry) throws IOException {
        if (entry.repository != null) {
            return entry.repository;
        }
        Repository repo = new FileRepositoryBuilder().setGitDir(entry.dir.toFile()).setBare().build();
        if (!Files.exists(entry.dir.resolve("config"))) {
            repo.create(true);
        }
        // Refs in a reftable, not one file per ref: no ref name is ever a file name in the
        // cache, so the cache's file system limits none (caches made before are converted).
        if (repo instanceof org.eclipse.jgit.internal.storage.file.FileRepository file
                && !(repo.getRefDatabase() instanceof org.eclipse.jgit.internal.storage.file.FileReftableDatabase)) {
            file.convertRefStorage("reftable", false, false);
        }
        StoredConfig config = repo.getConfig();
        // The cache must hold exactly the store's packs: never repack or gc it.
        config.setBoolean("receive", null, "autogc", false);
        config.setInt("gc", null, "auto", 0);
        // Refuse corrupt or malicious objects on receive.
        config.setBoolean("transfer", null, "fsckObjects", true);
        config.setBoolean("receive", null, "fsckObjects", true);
        // Partial clone (--filter) and the lazy fetches of single blobs that follow it. Which
        // wants are served is protocol.ReachableWants' rule, whatever the config says; caches
        // written before it kept allowAnySHA1InWant, which is dropped here.
        config.setBoolean("uploadpack", null, "allowFilter", true);
        config.unset("uploadpack", null, "allowAnySHA1InWant");
        // Protocol v2's wait-for-done, as git's server offers it: fetch --negotiate-only and push.negotiate.
        config.setBoolean("uploadpack", null, "advertiseWaitForDone", true);
        config.save();
        entry.repository = repo;
        return repo;
    }

    /**
     * Keeps the cache under {@code gitfn.cache.max-bytes}: deletes the least
     * recently used copies that no request holds and no push or sync is working
     * on. A copy in use is never deleted, so the cache may exceed the bound while
     * many repositories are served at once.
     */
    private synchronized void evictIfOverLimit() {
        long total = entries.values().stream().mapToLong(e -> e.bytes).sum();
        if (total <= maxBytes) {
            return;
        }
        List<Entry> byAge = new ArrayList<>(entries.values());
        byAge.sort(java.util.Comparator.comparingLong(e -> e.lastUsed));
        for (Entry entry : byAge) {
            if (total <= maxBytes) {
                return;
            }
            if (entry.leases.get() > 0 || !entry.syncLock.tryLock()) {
                continue;
            }
            try {
                if (entry.leases.get() > 0 || !entry.pushLock.tryLock()) {
                    continue;
                }
                try {
                    entry.evicted = true;
                    counters.evictions.increment();
                    if (entry.repository != null) {
                        entry.repository.close();
                    }
                    // Out of the way first: once the entry leaves the map a new request may
                    // build a fresh copy at the same path.
                    Path doomed = cacheDir.resolve(".evicted-" + UUID.randomUUID());
                    if (Files.exists(entry.dir)) {
                        Files.move(entry.dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                    }
                    entries.remove(entry.name, entry);
                    deleteTree(doomed);
                    total -= entry.bytes;
                    LOG.debugf("evicted %s from the cache (%d bytes)", entry.name, entry.bytes);
                } finally {
                    entry.pushLock.unlock();
                }
            } catch (IOException e) {
                LOG.warnf(e, "cannot delete evicted cache copy %s", entry.dir);
            } finally {
                entry.syncLock.unlock();
            }
        }
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Drops a repository that left the store; requests still using its copy finish on it. */
    private void forget(Entry entry) {
        entries.remove(entry.name);
    }

    @PreDestroy
    void close() {
        entries.values().forEach(e -> {
            if (e.repository != null) {
                e.repository.close();
            }
        });
    }
}
