package dev.gitfn.cache;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.repo.RefState;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.repo.PackIntegrity;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceiveCommand.Result;
import org.jboss.logging.Logger;

import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * One push in progress. The protocol layer receives the pack into the local
 * copy, then calls {@link #commit}, which publishes the push to the store in
 * the order the storage invariants demand: new packs first, then one
 * compare-and-swap of the ref state, then the dumb-HTTP files.
 */
public final class PushSession {
    private static final Logger LOG = Logger.getLogger(PushSession.class);
    /** Lost compare-and-swaps tolerated before the push gives up (each re-checks every ref). */
    static final int MAX_ATTEMPTS = 32;

    private final RepositoryCache cache;
    private final BlobStore store;
    private final CachedRepo repo;
    private final String defaultBranch;

    PushSession(RepositoryCache cache, BlobStore store, CachedRepo repo, String defaultBranch) {
        this.cache = cache;
        this.store = store;
        this.repo = repo;
        this.defaultBranch = defaultBranch;
    }

    public RepoName name() {
        return repo.name();
    }

    /** The branch HEAD names now. */
    public String head() {
        return repo.state().head();
    }

    /** The local copy the pack is received into. */
    public Repository repository() {
        return repo.repository();
    }

    /**
     * Publishes the accepted commands. Each command must still find its ref at
     * its old id in the store: one whose ref moved meanwhile (another instance's
     * push) is rejected as non-fast-forward, the others are retried on top of the
     * newer state. With {@code atomic}, one rejection rejects all. Every command
     * leaves with a result; an {@link IOException} means the store could not be
     * written and nothing was published.
     */
    public void commit(List<ReceiveCommand> commands, boolean atomic) throws IOException {
        commit(commands, atomic, Pusher.UNKNOWN);
    }

    /** {@link #commit(List, boolean)}, recording {@code pusher} in the repository's history. */
    public void commit(List<ReceiveCommand> commands, boolean atomic, Pusher pusher) throws IOException {
        RepoName name = repo.name();
        long started = System.nanoTime();
        long startedAt = java.time.Instant.now().getEpochSecond();
        List<String> newPacks = newPacks();
        Map<String, PackIntegrity> integrity = new LinkedHashMap<>();
        List<BlobStore.IoAction> uploads = new ArrayList<>();
        for (String pack : newPacks) {
            integrity.put(pack, PackIntegrity.of(RepositoryCache.packFile(repo, pack, ".pack"),
                    RepositoryCache.packFile(repo, pack, ".idx")));
            uploads.addAll(uploadsOf(pack));
        }
        // Side by side: nothing names them until the swap below.
        BlobStore.inParallel(uploads);

        String stateKey = StoreLayout.stateKey(name);
        byte[] attempted = null;
        // The first attempt swaps against the state this request was opened with (read a
        // moment ago): no read of its own unless another push got there first.
        RefState base = repo.state();
        String etag = repo.etag();
        for (int attempt = 1;; attempt++) {
            if (attempt > 1 || etag == null) {
                Versioned current = store.get(stateKey).orElseThrow(() -> new RepoNotFoundException(name));
                if (attempted != null && Arrays.equals(attempted, current.data())) {
                    // The last swap did land and only its answer was lost (a timeout, or RGW's
                    // 500 on a busy key): the push is done.
                    ReceiveCommand.filter(commands, Result.NOT_ATTEMPTED).forEach(cmd -> cmd.setResult(Result.OK));
                    cache.counters().pushCommits.increment();
                    cache.counters().pushCommitNanos.add(System.nanoTime() - started);
                    break;
                }
                base = RefState.writable(name, current.data());
                etag = current.etag();
            }
            for (ReceiveCommand cmd : ReceiveCommand.filter(commands, Result.NOT_ATTEMPTED)) {
                ObjectId now = base.refs().get(cmd.getRefName());
                ObjectId expected = cmd.getOldId().equals(ObjectId.zeroId()) ? null : cmd.getOldId();
                if (!Objects.equals(now, expected)) {
                    cmd.setResult(Result.REJECTED_NONFASTFORWARD);
                }
            }
            rejectFolderConflicts(base, ReceiveCommand.filter(commands, Result.NOT_ATTEMPTED));
            if (atomic && commands.stream().anyMatch(c -> c.getResult() != Result.NOT_ATTEMPTED)) {
                ReceiveCommand.abort(commands);
                return;
            }
            List<ReceiveCommand> pending = ReceiveCommand.filter(commands, Result.NOT_ATTEMPTED);
            if (pending.isEmpty()) {
                return;
            }
            RefState next = withHeadOnABranch(base.apply(updatesOf(pending), newPacks, integrity), pending)
                    .logged(history(base, pending, pusher), startedAt - cache.historyKeep().toSeconds());
            attempted = next.serialize();
            try {
                store.putIfMatch(stateKey, attempted, etag);
                pending.forEach(cmd -> cmd.setResult(Result.OK));
                reuploadRevived(base, newPacks, startedAt);
                cache.counters().pushCommits.increment();
                cache.counters().pushCommitNanos.add(System.nanoTime() - started);
                break;
            } catch (PreconditionFailedException lost) {
                if (attempt == MAX_ATTEMPTS) {
                    pending.forEach(cmd -> cmd.setResult(Result.LOCK_FAILURE));
                    return;
                }
                cache.counters().casRetries.increment();
                backOff(attempt);
            }
        }

        try {
            cache.publishServerInfo(name);
        } catch (IOException | RuntimeException e) {
            // The push is durable: the ref state is the truth, and the next push rewrites these files.
            LOG.errorf(e, "push to %s accepted, but writing info/refs failed", name);
            cache.invalidate(name);
        }
    }

    /**
     * The bytes the repository takes in the store now ({@code current}: packs and LFS objects)
     * and would take with this push's new packs ({@code after}), as the quota counts them.
     */
    public record Usage(long current, long after) {
        /** Whether a change this large is refused: past the quota, and adding bytes (a deletion never is). */
        public boolean over(Long quota) {
            return quota != null && after > quota && after != current;
        }

        /** What git (or git-lfs) prints when {@link #over} refuses a change. */
        public String exceeded(RepoName name, long quota) {
            return "quota exceeded: " + name + " would hold " + after + " bytes; it holds " + current
                    + " of its quota of " + quota + " bytes. Nothing was changed; an admin can raise the quota "
                    + "(PATCH /api/repos/" + name + " {\"quotaBytes\":...}).";
        }
    }

    public Usage usage() throws IOException {
        long current = cache.storedBytes(repo);
        long added = 0;
        for (String pack : newPacks()) {
            added += java.nio.file.Files.size(RepositoryCache.packFile(repo, pack, ".pack"))
                    + java.nio.file.Files.size(RepositoryCache.packFile(repo, pack, ".idx"));
        }
        return new Usage(current, current + added);
    }

    /**
     * Points HEAD at {@code branch} (a full ref name) by compare-and-swap, then rewrites the
     * server-info files (and the published copy) so every path serves it; false if the
     * branch does not exist.
     */
    public boolean moveHead(String branch) throws IOException {
        String key = StoreLayout.stateKey(repo.name());
        for (int attempt = 1;; attempt++) {
            Versioned current = store.get(key).orElseThrow(() -> new RepoNotFoundException(repo.name()));
            RefState state = RefState.writable(repo.name(), current.data());
            if (!state.refs().containsKey(branch)) {
                return false;
            }
            try {
                store.putIfMatch(key, state.withHead(branch).serialize(), current.etag());
                break;
            } catch (PreconditionFailedException moved) {
                if (attempt == MAX_ATTEMPTS) {
                    throw new IOException("too much contention moving HEAD of " + repo.name());
                }
                backOff(attempt);
            }
        }
        cache.publishServerInfo(repo.name());
        return true;
    }

    /** How a restore from the history ended. */
    public enum Restored {
        /** The ref points at the id again (one compare-and-swap, recorded in the history). */
        DONE,
        /** The id is not in this ref's history. */
        NOT_IN_HISTORY,
        /** Some object the id reaches is gone from the repository. */
        OBJECTS_GONE,
        /** The ref moved after the request read it. */
        MOVED
    }

    /**
     * Puts {@code ref} back at {@code to}, an id its history names (a deleted branch
     * included): a push without a pack, so the same compare-and-swap, history entry and
     * server-info files as any push. Refused if anything {@code to} reaches is missing, or
     * if the ref moved since this session read the state.
     */
    public Restored restore(String ref, ObjectId to, Pusher pusher) throws IOException {
        RefState state = repo.state();
        boolean named = state.log().stream().anyMatch(u -> u.ref().equals(ref)
                && (u.oldId().equals(to) || u.newId().equals(to)));
        if (!named || to.equals(ObjectId.zeroId())) {
            return Restored.NOT_IN_HISTORY;
        }
        if (!complete(to, state)) {
            return Restored.OBJECTS_GONE;
        }
        ObjectId current = state.refs().get(ref);
        if (to.equals(current)) {
            return Restored.DONE;
        }
        ReceiveCommand cmd = new ReceiveCommand(current == null ? ObjectId.zeroId() : current, to, ref);
        commit(List.of(cmd), true, pusher);
        return switch (cmd.getResult()) {
            case OK -> Restored.DONE;
            case REJECTED_NONFASTFORWARD, LOCK_FAILURE -> Restored.MOVED;
            default -> throw new IOException("restore of " + ref + " failed: " + cmd.getResult() + " "
                    + cmd.getMessage());
        };
    }

    /** Whether every object {@code id} reaches is in the local copy (walked down to what the refs reach). */
    private boolean complete(ObjectId id, RefState state) {
        try (org.eclipse.jgit.revwalk.ObjectWalk walk = new org.eclipse.jgit.revwalk.ObjectWalk(repo.repository())) {
            walk.markStart(walk.parseAny(id));
            for (ObjectId tip : state.refs().values()) {
                try {
                    walk.markUninteresting(walk.parseAny(tip));
                } catch (IOException missingTip) {
                    // a ref whose objects are damaged: no help, walk without it
                }
            }
            while (walk.next() != null) {
                // commits
            }
            for (var object = walk.nextObject(); object != null; object = walk.nextObject()) {
                walk.getObjectReader().open(object); // throws MissingObjectException when gone
            }
            return true;
        } catch (IOException gone) {
            return false;
        }
    }

    /**
     * A new pack whose name maintenance had retired before this push began (a failed push
     * of the same objects, retried) is uploaded once more after the swap lists it: the
     * garbage collector may have deleted the old copy just as this push uploaded its own.
     * (One retired since this push began is this push's own upload, seen by a collection
     * while unlisted: deleted only a grace period later, long after this swap revived it.)
     * Best effort: the swap has landed, and a pack maintenance has replaced meanwhile is
     * no longer needed.
     */
    private void reuploadRevived(RefState base, List<String> newPacks, long startedAt) {
        for (String pack : newPacks) {
            Long retiredAt = base.retired().get(pack);
            if (retiredAt == null || retiredAt >= startedAt - CLOCK_SKEW_SECONDS) {
                continue;
            }
            try {
                BlobStore.inParallel(uploadsOf(pack));
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "push to %s landed, but uploading its revived pack %s again failed", repo.name(), pack);
            }
        }
    }

    /** The uploads of one local pack's files (index and pack) to their store keys. */
    private List<BlobStore.IoAction> uploadsOf(String pack) {
        return List.of(
                () -> store.upload(StoreLayout.packKey(repo.name(), pack, ".idx"),
                        RepositoryCache.packFile(repo, pack, ".idx")),
                () -> store.upload(StoreLayout.packKey(repo.name(), pack, ".pack"),
                        RepositoryCache.packFile(repo, pack, ".pack")));
    }

    /**
     * Every local pack the store does not list, sorted: this push's (the cache discards any
     * other after each push and on first load, so nothing a refused push sent is published).
     */
    private List<String> newPacks() throws IOException {
        List<String> packs = new ArrayList<>(RepositoryCache.localPacks(repo));
        packs.removeAll(repo.state().packs());
        packs.removeAll(RepositoryCache.replacedPacks(repo)); // an older state's, kept for its readers
        packs.sort(null);
        return packs;
    }

    /** The history's entries for {@code pending}, applied to {@code base}: one per ref, one sequence number. */
    private static List<RefState.Update> history(RefState base, List<ReceiveCommand> pending, Pusher pusher) {
        long seq = base.nextSeq();
        long now = java.time.Instant.now().getEpochSecond();
        List<RefState.Update> entries = new ArrayList<>();
        for (ReceiveCommand cmd : pending) {
            ObjectId old = base.refs().getOrDefault(cmd.getRefName(), ObjectId.zeroId());
            ObjectId next = cmd.getType() == ReceiveCommand.Type.DELETE ? ObjectId.zeroId() : cmd.getNewId();
            entries.add(new RefState.Update(seq, now, pusher.transport(), pusher.who(), pusher.tokenId(),
                    cmd.getRefName(), old, next));
        }
        return entries;
    }

    /** Instances' clocks may differ by this much when comparing a retirement time with a push's start. */
    private static final long CLOCK_SKEW_SECONDS = 60;

    /**
     * Refs are paths: {@code refs/heads/a} and {@code refs/heads/a/b} cannot both
     * exist. git refuses such a create ("cannot lock ref"); so does this.
     */
    private static void rejectFolderConflicts(RefState base, List<ReceiveCommand> pending) {
        Set<String> after = new TreeSet<>(base.refs().keySet());
        updatesOf(pending).forEach((ref, id) -> {
            if (id == null) {
                after.remove(ref);
            } else {
                after.add(ref);
            }
        });
        for (ReceiveCommand cmd : pending) {
            if (cmd.getType() != ReceiveCommand.Type.CREATE) {
                continue;
            }
            String ref = cmd.getRefName();
            for (String other : after) {
                if (other.startsWith(ref + "/") || ref.startsWith(other + "/")) {
                    cmd.setResult(Result.REJECTED_OTHER_REASON,
                            "cannot lock ref '" + ref + "': '" + other + "' exists");
                    break;
                }
            }
        }
    }

    private static Map<String, ObjectId> updatesOf(List<ReceiveCommand> commands) {
        Map<String, ObjectId> updates = new LinkedHashMap<>();
        for (ReceiveCommand cmd : commands) {
            updates.put(cmd.getRefName(), cmd.getType() == ReceiveCommand.Type.DELETE ? null : cmd.getNewId());
        }
        return updates;
    }

    /**
     * A new repository's HEAD names the default branch; when the first push
     * creates other branches only, HEAD moves to one of them (as hosted git
     * services do), so a clone checks something out.
     */
    private RefState withHeadOnABranch(RefState state, List<ReceiveCommand> pending) {
        if (state.refs().containsKey(state.head())) {
            return state;
        }
        String preferred = Constants.R_HEADS + defaultBranch;
        if (state.refs().containsKey(preferred)) {
            return state.withHead(preferred);
        }
        return pending.stream()
                .filter(c -> c.getType() == ReceiveCommand.Type.CREATE && c.getRefName().startsWith(Constants.R_HEADS))
                .map(ReceiveCommand::getRefName)
                .sorted()
                .findFirst()
                .map(state::withHead)
                .orElse(state);
    }

    /** Tests that make every swap lose set this to 0, so 32 attempts take no seconds. */
    static volatile int backOffMillisPerAttempt = 5;

    static void backOff(int attempt) throws IOException {
        long unit = backOffMillisPerAttempt;
        long millis = Math.min(40 * unit, unit * attempt)
                + ThreadLocalRandom.current().nextLong(2 * unit * attempt + 1);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while retrying a ref update", e);
        }
    }
}
