package dev.gitfn.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceiveCommand.Result;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.Commits;
import dev.gitfn.support.Configs;
import dev.gitfn.support.FaultyBlobStore;

/**
 * The push commit's guards in this JVM (so mutation testing sees them), with two
 * instances on one folder store laid out exactly: instance A has opened the repository
 * and read its ref state, instance B commits, then A commits. What A may still publish
 * is decided by the ref state in the store, never by A's stale copy.
 * (DeterministicRacesTest proves the same with git over HTTP.)
 */
class PushCommitGuardsTest {
    @TempDir
    Path dir;

    FsBlobStore store;
    RepositoryCache a;
    RepositoryCache b;
    final RepoName name = new RepoName("team/app");
    ObjectId base;

    @BeforeEach
    void setUp() throws Exception {
        store = new FsBlobStore(dir.resolve("store"));
        a = new RepositoryCache(store, dir.resolve("cache-a"), Configs.gitfn(Map.of()), List.of());
        b = new RepositoryCache(store, dir.resolve("cache-b"), Configs.gitfn(Map.of()), List.of());
        a.create(name);
        base = a.push(name, s -> {
            ObjectId c = commit(s, null, "base");
            assertEquals(Result.OK, update(s, "refs/heads/main", null, c).getResult());
            return c;
        });
    }

    private static ObjectId commit(PushSession session, ObjectId parent, String content) throws IOException {
        return Commits.insert(session, parent, content);
    }

    private static ReceiveCommand update(PushSession session, String ref, ObjectId from, ObjectId to)
            throws IOException {
        ReceiveCommand cmd = new ReceiveCommand(from == null ? ObjectId.zeroId() : from,
                to == null ? ObjectId.zeroId() : to, ref);
        session.commit(List.of(cmd), false);
        return cmd;
    }

    /** B pushes {@code to} onto {@code ref} (from {@code from}) while A waits; asserts B lands. */
    private ObjectId bPushes(String ref, ObjectId from, String content) throws IOException {
        return b.push(name, s -> {
            ObjectId c = content == null ? null : commit(s, from, content);
            assertEquals(Result.OK, update(s, ref, from, c).getResult());
            return c;
        });
    }

    private RefState stored() throws IOException {
        return RefState.parse(store.get(StoreLayout.stateKey(name)).orElseThrow().data());
    }

    @Test
    void theLoserOfTwoPushesToOneRefIsRefusedAndTheWinnerSurvives() throws Exception {
        ObjectId[] theirs = new ObjectId[1];
        ReceiveCommand mine = a.push(name, s -> {
            ObjectId c = commit(s, base, "A's change");
            theirs[0] = bPushes("refs/heads/main", base, "B's change");
            return update(s, "refs/heads/main", base, c);
        });
        assertEquals(Result.REJECTED_NONFASTFORWARD, mine.getResult());
        assertEquals(theirs[0], stored().refs().get("refs/heads/main"));
        assertEquals(2, stored().nextSeq() - 1, "two pushes logged: the base and B's");
        assertEquals(1, a.counters().casRetries.sum(), "A lost one swap and read the state again");
        assertEquals(1, a.counters().pushCommits.sum(), "only A's base push was committed");
    }

    private String storedText(String key) throws IOException {
        return new String(store.get(key).orElseThrow().data(), StandardCharsets.UTF_8);
    }

    @Test
    void aCommittedPushRewritesTheServerInfoFiles() throws Exception {
        ObjectId next = a.push(name, s -> {
            assertEquals(name, s.name());
            assertEquals("refs/heads/main", s.head());
            ObjectId c = commit(s, base, "published");
            update(s, "refs/heads/topic", null, c);
            return c;
        });
        assertTrue(storedText(StoreLayout.infoRefsKey(name)).contains(next.name() + "\trefs/heads/topic"),
                "info/refs names the new ref");
        assertEquals(stored().packs().size(), storedText(StoreLayout.infoPacksKey(name)).lines()
                .filter(l -> l.startsWith("P ")).count(), "objects/info/packs lists every pack");
        assertTrue((boolean) a.push(name, s -> s.moveHead("refs/heads/topic")));
        assertEquals("ref: refs/heads/topic\n", storedText(StoreLayout.headKey(name)), "HEAD follows the move");
    }

    @Test
    void aCommittedPushIsCountedWithItsTime() throws Exception {
        long started = System.nanoTime();
        a.push(name, s -> update(s, "refs/heads/main", base, commit(s, base, "counted")));
        long took = System.nanoTime() - started;
        assertEquals(2, a.counters().pushCommits.sum());
        long nanos = a.counters().pushCommitNanos.sum();
        assertTrue(nanos > 0 && nanos < took + Duration.ofSeconds(60).toNanos(), "commit time " + nanos);
        assertEquals(0, a.counters().casRetries.sum());
    }

    @Test
    void usageCountsThisPushsNewPacks() throws Exception {
        PushSession.Usage[] seen = new PushSession.Usage[2];
        a.push(name, s -> {
            seen[0] = s.usage();
            commit(s, base, "x".repeat(10_000));
            seen[1] = s.usage();
            return null;
        });
        assertEquals(seen[0].current(), seen[0].after(), "nothing new yet");
        assertEquals(seen[0].current(), seen[1].current());
        assertTrue(seen[1].after() > seen[1].current(), "the new pack adds bytes");
        assertEquals(stored().storedBytes(), seen[0].current());
        PushSession.Usage u = seen[1];
        assertFalse(u.over(null), "no quota");
        assertFalse(u.over(u.after()), "exactly at the quota");
        assertTrue(u.over(u.after() - 1));
        assertFalse(new PushSession.Usage(500, 500).over(10L), "a change that adds nothing passes any quota");
        assertEquals("quota exceeded: team/app would hold 30 bytes; it holds 20 of its quota of 25 bytes. Nothing was "
                + "changed; an admin can raise the quota (PATCH /api/repos/team/app {\"quotaBytes\":...}).",
                new PushSession.Usage(20, 30).exceeded(name, 25));
    }

    @Test
    void headMovesOnlyToABranchThatExists() throws Exception {
        a.push(name, s -> update(s, "refs/heads/dev", null, base));
        assertTrue((boolean) a.push(name, s -> s.moveHead("refs/heads/dev")));
        assertEquals("refs/heads/dev", stored().head());
        assertFalse((boolean) a.push(name, s -> s.moveHead("refs/heads/none")));
        assertEquals("refs/heads/dev", stored().head());
        // a swap lost to another writer is retried on the newer state
        AtomicInteger swaps = new AtomicInteger();
        FaultyBlobStore contended = new FaultyBlobStore(store);
        contended.contendedSwaps = key -> key.equals(StoreLayout.stateKey(name)) && swaps.incrementAndGet() <= 2;
        RepositoryCache c = new RepositoryCache(contended, dir.resolve("cache-head"), Configs.gitfn(Map.of()),
                List.of());
        assertTrue((boolean) c.push(name, s -> s.moveHead("refs/heads/main")));
        assertEquals(3, swaps.get());
        assertEquals("refs/heads/main", stored().head());
        contended.contendedSwaps = key -> key.equals(StoreLayout.stateKey(name));
        withoutBackOff(() -> assertThrows(IOException.class, () -> c.push(name, s -> s.moveHead("refs/heads/dev"))));
        assertEquals("refs/heads/main", stored().head());
        // the repository deleted under an open session
        assertThrows(dev.gitfn.repo.RepoNotFoundException.class, () -> a.push(name, s -> {
            store.delete(StoreLayout.stateKey(name));
            return s.moveHead("refs/heads/dev");
        }));
    }

    @Test
    void aRefIsRestoredOnlyToAnIdItsHistoryNames() throws Exception {
        ObjectId second = a.push(name, s -> {
            ObjectId c = commit(s, base, "second");
            update(s, "refs/heads/main", base, c);
            return c;
        });
        Pusher admin = new Pusher("root", null, "api");
        assertEquals(PushSession.Restored.DONE, a.push(name, s -> s.restore("refs/heads/main", base, admin)));
        assertEquals(base, stored().refs().get("refs/heads/main"));
        RefState.Update undo = stored().log().get(stored().log().size() - 1);
        assertEquals(second, undo.oldId());
        assertEquals(base, undo.newId());
        assertEquals("root", undo.who());
        int logged = stored().log().size();
        assertEquals(PushSession.Restored.DONE, a.push(name, s -> s.restore("refs/heads/main", base, admin)),
                "already there");
        assertEquals(logged, stored().log().size(), "nothing to log");
        assertEquals(PushSession.Restored.NOT_IN_HISTORY, a.push(name, s -> s.restore("refs/heads/other", second,
                admin)), "another ref's history");
        assertEquals(PushSession.Restored.NOT_IN_HISTORY, a.push(name, s -> s.restore("refs/heads/main",
                ObjectId.zeroId(), admin)));
        assertEquals(PushSession.Restored.NOT_IN_HISTORY, a.push(name, s -> s.restore("refs/heads/main",
                ObjectId.fromString("0123456789012345678901234567890123456789"), admin)));
        // a deleted branch comes back
        a.push(name, s -> update(s, "refs/heads/main", base, null));
        assertEquals(PushSession.Restored.DONE, a.push(name, s -> s.restore("refs/heads/main", second, admin)));
        assertEquals(second, stored().refs().get("refs/heads/main"));
        // an id the history names whose objects are gone (never uploaded here)
        ObjectId lost = ObjectId.fromString("0123456789012345678901234567890123456789");
        var current = store.get(StoreLayout.stateKey(name)).orElseThrow();
        RefState forged = stored().logged(List.of(new RefState.Update(stored().nextSeq(), 0, "api", "root", null,
                "refs/heads/main", second, lost)), 0);
        store.putIfMatch(StoreLayout.stateKey(name), forged.serialize(), current.etag());
        assertEquals(PushSession.Restored.OBJECTS_GONE, a.push(name, s -> s.restore("refs/heads/main", lost, admin)));
        assertEquals(second, stored().refs().get("refs/heads/main"));
        // the ref moved after the session read it
        assertEquals(PushSession.Restored.MOVED, a.push(name, s -> {
            bPushes("refs/heads/main", second, "B's change");
            return s.restore("refs/heads/main", base, admin);
        }));
        assertFalse(base.equals(stored().refs().get("refs/heads/main")));
    }


    @Test
    void pushesToDifferentBranchesBothLand() throws Exception {
        ObjectId[] theirs = new ObjectId[1];
        ObjectId[] ours = new ObjectId[1];
        ReceiveCommand mine = a.push(name, s -> {
            ours[0] = commit(s, base, "A's topic");
            theirs[0] = bPushes("refs/heads/main", base, "B's change");
            return update(s, "refs/heads/topic", null, ours[0]);
        });
        assertEquals(Result.OK, mine.getResult());
        assertEquals(theirs[0], stored().refs().get("refs/heads/main"));
        assertEquals(ours[0], stored().refs().get("refs/heads/topic"));
        // A's state was built on B's, not on what A read: the pack list keeps B's pack too
        assertEquals(3, stored().packs().size());
        try (RepositoryCache.CachedRepo fresh = new RepositoryCache(store, dir.resolve("cache-c"),
                Configs.gitfn(Map.of()), List.of()).open(name)) {
            assertTrue(fresh.repository().getObjectDatabase().has(theirs[0]));
            assertTrue(fresh.repository().getObjectDatabase().has(ours[0]));
        }
    }

    @Test
    void twoCreatesOfOneRefHaveOneWinner() throws Exception {
        ObjectId[] theirs = new ObjectId[1];
        ReceiveCommand mine = a.push(name, s -> {
            ObjectId c = commit(s, base, "A's new");
            theirs[0] = bPushes("refs/heads/new", null, "B's new");
            return update(s, "refs/heads/new", null, c);
        });
        assertEquals(Result.REJECTED_NONFASTFORWARD, mine.getResult());
        assertEquals(theirs[0], stored().refs().get("refs/heads/new"));
    }

    @Test
    void aPushOntoADeletedRefIsRefusedAndTheDeletionStands() throws Exception {
        bPushes("refs/heads/topic", null, "topic");
        ObjectId topic = stored().refs().get("refs/heads/topic");
        ReceiveCommand mine = a.push(name, s -> {
            ObjectId c = commit(s, topic, "A's topic change");
            bPushes("refs/heads/topic", topic, null); // B deletes it
            return update(s, "refs/heads/topic", topic, c);
        });
        assertEquals(Result.REJECTED_NONFASTFORWARD, mine.getResult());
        assertFalse(stored().refs().containsKey("refs/heads/topic"));
    }

    @Test
    void anAtomicPushWithOneRefusedRefChangesNothing() throws Exception {
        List<ReceiveCommand> mine = a.push(name, s -> {
            ObjectId c = commit(s, base, "A's change");
            bPushes("refs/heads/main", base, "B's change");
            List<ReceiveCommand> cmds = List.of(new ReceiveCommand(base, c, "refs/heads/main"),
                    new ReceiveCommand(ObjectId.zeroId(), c, "refs/heads/other"));
            s.commit(cmds, true);
            return cmds;
        });
        assertEquals(Result.REJECTED_NONFASTFORWARD, mine.get(0).getResult());
        assertEquals(Result.REJECTED_OTHER_REASON, mine.get(1).getResult());
        assertFalse(stored().refs().containsKey("refs/heads/other"));

        // not atomic: the ref nobody else touched lands
        List<ReceiveCommand> again = a.push(name, s -> {
            ObjectId c = commit(s, base, "A's second");
            bPushes("refs/heads/main", stored().refs().get("refs/heads/main"), "B's second");
            List<ReceiveCommand> cmds = List.of(new ReceiveCommand(base, c, "refs/heads/main"),
                    new ReceiveCommand(ObjectId.zeroId(), c, "refs/heads/other"));
            s.commit(cmds, false);
            return cmds;
        });
        assertEquals(Result.REJECTED_NONFASTFORWARD, again.get(0).getResult());
        assertEquals(Result.OK, again.get(1).getResult());
        assertTrue(stored().refs().containsKey("refs/heads/other"));
    }

    @Test
    void aRefCannotBeBothAFileAndAFolder() throws Exception {
        ReceiveCommand nested = a.push(name, s -> update(s, "refs/heads/main/sub", null, base));
        assertEquals(Result.REJECTED_OTHER_REASON, nested.getResult());
        assertEquals("cannot lock ref 'refs/heads/main/sub': 'refs/heads/main' exists", nested.getMessage());
        a.push(name, s -> update(s, "refs/heads/dir/leaf", null, base));
        ReceiveCommand parent = a.push(name, s -> update(s, "refs/heads/dir", null, base));
        assertEquals(Result.REJECTED_OTHER_REASON, parent.getResult());
        assertEquals("cannot lock ref 'refs/heads/dir': 'refs/heads/dir/leaf' exists", parent.getMessage());
        // a deletion in the same push frees the name
        List<ReceiveCommand> both = a.push(name, s -> {
            List<ReceiveCommand> cmds = List.of(new ReceiveCommand(base, ObjectId.zeroId(), "refs/heads/dir/leaf"),
                    new ReceiveCommand(ObjectId.zeroId(), base, "refs/heads/dir"));
            s.commit(cmds, true);
            return cmds;
        });
        assertEquals(List.of(Result.OK, Result.OK), both.stream().map(ReceiveCommand::getResult).toList());
        assertFalse(stored().refs().containsKey("refs/heads/dir/leaf"));
        // a similar prefix is no folder
        assertEquals(Result.OK, a.push(name, s -> update(s, "refs/heads/mainline", null, base)).getResult());
    }

    @Test
    void theFirstPushOfAnEmptyRepositoryPointsHeadAtItsBranch() throws Exception {
        RepoName empty = new RepoName("team/empty");
        a.create(empty);
        a.push(empty, s -> update(s, "refs/heads/trunk", null, commit(s, null, "first")));
        assertEquals("refs/heads/trunk", RefState.parse(store.get(StoreLayout.stateKey(empty)).orElseThrow().data()).head());
        // the default branch wins when the first push has it, and tags never become HEAD
        RepoName other = new RepoName("team/other");
        a.create(other);
        a.push(other, s -> {
            ObjectId c = commit(s, null, "first");
            s.commit(List.of(new ReceiveCommand(ObjectId.zeroId(), c, "refs/tags/v1"),
                    new ReceiveCommand(ObjectId.zeroId(), c, "refs/heads/aaa"),
                    new ReceiveCommand(ObjectId.zeroId(), c, "refs/heads/main")), false);
            return c;
        });
        assertEquals("refs/heads/main", RefState.parse(store.get(StoreLayout.stateKey(other)).orElseThrow().data()).head());
        // without the default branch, the first branch created (never a tag) becomes HEAD
        RepoName tagged = new RepoName("team/tagged");
        a.create(tagged);
        a.push(tagged, s -> {
            ObjectId c = commit(s, null, "first");
            s.commit(List.of(new ReceiveCommand(ObjectId.zeroId(), c, "refs/tags/a-tag"),
                    new ReceiveCommand(ObjectId.zeroId(), c, "refs/heads/trunk")), false);
            return c;
        });
        assertEquals("refs/heads/trunk", RefState.parse(store.get(StoreLayout.stateKey(tagged)).orElseThrow().data())
                .head());
        // a first push of tags only leaves HEAD unborn, on the default branch
        RepoName tagsOnly = new RepoName("team/tags-only");
        a.create(tagsOnly);
        a.push(tagsOnly, s -> update(s, "refs/tags/v1", null, commit(s, null, "first")));
        assertEquals("refs/heads/main", RefState.parse(store.get(StoreLayout.stateKey(tagsOnly)).orElseThrow()
                .data()).head());
        // once HEAD names a branch that exists, later pushes leave it
        a.push(name, s -> update(s, "refs/heads/aaa", null, base));
        assertEquals("refs/heads/main", stored().head());
    }

    @Test
    void everyLandedUpdateIsLoggedWithItsPusher() throws Exception {
        ObjectId next = a.push(name, s -> {
            ObjectId c = commit(s, base, "logged");
            ReceiveCommand cmd = new ReceiveCommand(base, c, "refs/heads/main");
            s.commit(List.of(cmd), false, new Pusher("alice", "tok1", "ssh"));
            return c;
        });
        RefState.Update last = stored().log().get(stored().log().size() - 1);
        assertEquals("refs/heads/main", last.ref());
        assertEquals(base, last.oldId());
        assertEquals(next, last.newId());
        assertEquals("alice", last.who());
        assertEquals("tok1", last.tokenId());
        assertEquals("ssh", last.transport());
        assertEquals(last.seq(), stored().nextSeq() - 1);
    }

    @Test
    void aSwapWhoseAnswerWasLostIsNotAppliedTwice() throws Exception {
        AtomicInteger swaps = new AtomicInteger();
        FaultyBlobStore lossy = new FaultyBlobStore(store);
        lossy.lostSwapAnswers = key -> key.equals(StoreLayout.stateKey(name)) && swaps.getAndIncrement() == 0;
        RepositoryCache c = new RepositoryCache(lossy, dir.resolve("cache-lossy"), Configs.gitfn(Map.of()),
                List.of());
        ReceiveCommand cmd = c.push(name, s -> update(s, "refs/heads/main", base, commit(s, base, "once")));
        assertEquals(Result.OK, cmd.getResult());
        assertEquals(1, swaps.get(), "recognised as landed: no second swap");
        assertEquals(cmd.getNewId(), stored().refs().get("refs/heads/main"));
        assertEquals(2, stored().log().size(), "logged once");
        assertEquals(1, c.counters().pushCommits.sum(), "counted as a commit");
        assertTrue(c.counters().pushCommitNanos.sum() > 0);
    }

    @Test
    void aStoreThatNeverTakesTheSwapEndsInALockFailureAndChangesNothing() throws Exception {
        AtomicInteger swaps = new AtomicInteger();
        FaultyBlobStore contended = new FaultyBlobStore(store);
        contended.contendedSwaps = key -> key.equals(StoreLayout.stateKey(name)) && swaps.incrementAndGet() > 0;
        RepositoryCache c = new RepositoryCache(contended, dir.resolve("cache-contended"), Configs.gitfn(Map.of()),
                List.of());
        RefState before = stored();
        ReceiveCommand[] cmds = new ReceiveCommand[1];
        withoutBackOff(() -> cmds[0] = c.push(name, s -> update(s, "refs/heads/main", base, commit(s, base, "never"))));
        ReceiveCommand cmd = cmds[0];
        assertEquals(Result.LOCK_FAILURE, cmd.getResult());
        assertEquals(PushSession.MAX_ATTEMPTS, swaps.get());
        assertEquals(before.refs(), stored().refs());
    }

    @Test
    void aPushToADeletedRepositoryChangesNothing() throws Exception {
        assertThrows(dev.gitfn.repo.RepoNotFoundException.class, () -> a.push(name, s -> {
            ObjectId c = commit(s, base, "too late");
            store.delete(StoreLayout.stateKey(name));
            return update(s, "refs/heads/main", base, c);
        }));
        assertNull(store.get(StoreLayout.stateKey(name)).orElse(null));
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} with the retries' sleeps at zero: the attempts are counted, not timed. */
    private static void withoutBackOff(Step step) throws Exception {
        int unit = PushSession.backOffMillisPerAttempt;
        PushSession.backOffMillisPerAttempt = 0;
        try {
            step.run();
        } finally {
            PushSession.backOffMillisPerAttempt = unit;
        }
    }

    /** The name of the one pack in {@code session}'s local copy that the store's state does not list yet. */
    private String unlistedPack(PushSession session) throws IOException {
        List<String> listed = stored().packs();
        List<String> local = ((org.eclipse.jgit.internal.storage.file.ObjectDirectory) session.repository()
                .getObjectDatabase()).getPacks().stream()
                .map(p -> p.getPackFile().getName().replaceFirst("\\.pack$", ""))
                .filter(p -> !listed.contains(p)).toList();
        assertEquals(1, local.size(), "one new pack: " + local);
        return local.get(0);
    }

    /** Writes the store's state again with {@code pack} retired at {@code retiredAt} (as maintenance would). */
    private void retireInStore(String pack, long retiredAt) throws IOException {
        var current = store.get(StoreLayout.stateKey(name)).orElseThrow();
        RefState s = stored();
        RefState retired = s.withPacks(s.packs(), s.integrity(), s.cruft(), Map.of(pack, retiredAt));
        store.putIfMatch(StoreLayout.stateKey(name), retired.serialize(), current.etag());
    }

    /**
     * How many times a push uploads its pack when the store's state says maintenance retired
     * that very name {@code retiredSecondsAgo} before the push (a failed push of the same objects).
     */
    private int uploadsOfARevivedPack(long retiredSecondsAgo) throws Exception {
        FaultyBlobStore counting = new FaultyBlobStore(store);
        AtomicInteger uploads = new AtomicInteger();
        String[] pack = new String[1];
        counting.failUploads = key -> {
            if (pack[0] != null && key.equals(StoreLayout.packKey(name, pack[0], ".pack"))) {
                uploads.incrementAndGet();
            }
            return false;
        };
        RepositoryCache c = new RepositoryCache(counting, dir.resolve("cache-revived"), Configs.gitfn(Map.of()),
                List.of());
        ReceiveCommand cmd = c.push(name, s -> {
            ObjectId next = commit(s, base, "retried");
            pack[0] = unlistedPack(s);
            retireInStore(pack[0], java.time.Instant.now().getEpochSecond() - retiredSecondsAgo);
            return update(s, "refs/heads/main", base, next);
        });
        assertEquals(Result.OK, cmd.getResult());
        assertTrue(stored().packs().contains(pack[0]), "listed again");
        assertFalse(stored().retired().containsKey(pack[0]), "no longer retired");
        assertTrue(store.exists(StoreLayout.packKey(name, pack[0], ".pack")));
        return uploads.get();
    }

    @Test
    void aPackRetiredBeforeThePushBeganIsUploadedAgainAfterTheSwap() throws Exception {
        // the collector may have deleted the old copy just as this push uploaded its own
        assertEquals(2, uploadsOfARevivedPack(3600));
    }

    @Test
    void aPackRetiredSinceThePushBeganIsUploadedOnce() throws Exception {
        // retired within the clock-skew margin: this push's own upload, seen unlisted by a collection
        assertEquals(1, uploadsOfARevivedPack(30));
    }

    @Test
    void aPushCreatingTheDefaultBranchPointsADanglingHeadAtIt() throws Exception {
        a.push(name, s -> update(s, "refs/heads/dev", null, base));
        assertTrue((boolean) a.push(name, s -> s.moveHead("refs/heads/dev")));
        a.push(name, s -> update(s, "refs/heads/main", base, null));
        a.push(name, s -> update(s, "refs/heads/dev", base, null));
        assertEquals("refs/heads/dev", stored().head(), "HEAD names a branch that is gone");
        a.push(name, s -> {
            s.commit(List.of(new ReceiveCommand(ObjectId.zeroId(), base, "refs/heads/aaa"),
                    new ReceiveCommand(ObjectId.zeroId(), base, "refs/heads/main")), false);
            return null;
        });
        assertEquals("refs/heads/main", stored().head(), "the default branch, not the first created");
    }

    @Test
    void aPushWhoseServerInfoWriteFailsStillLandsAndTheStateIsReadAgain() throws Exception {
        FaultyBlobStore flaky = new FaultyBlobStore(store);
        RepositoryCache c = new RepositoryCache(flaky, dir.resolve("cache-flaky"), Configs.gitfn(Map.of()), List.of());
        flaky.failPuts = key -> key.equals(StoreLayout.infoRefsKey(name));
        ReceiveCommand cmd = c.push(name, s -> update(s, "refs/heads/main", base, commit(s, base, "landed")));
        assertEquals(Result.OK, cmd.getResult(), "the ref state is the truth; info/refs is derived");
        assertEquals(cmd.getNewId(), stored().refs().get("refs/heads/main"));
        flaky.heal();
        long misses = c.counters().misses.sum();
        try (RepositoryCache.CachedRepo repo = c.open(name)) {
            assertEquals(cmd.getNewId(), repo.repository().resolve("refs/heads/main"));
        }
        assertEquals(misses + 1, c.counters().misses.sum(), "this instance reads the state again, not its own copy");
    }
}
