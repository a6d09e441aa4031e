package dev.gitfn.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.PushSession;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.Configs;
import dev.gitfn.support.PausingBlobStore;

/**
 * The maintenance guards in this JVM, on the folder store, with pushes made through
 * the cache's own push commit: what a compaction may change, and what collection
 * may delete. (MaintenanceTest proves the same with git over HTTP.)
 */
class MaintenanceGuardsTest {
    private static final Duration GRACE = Duration.ofHours(2);

    @TempDir
    Path dir;

    BlobStore store;
    GitfnConfig config;
    RepositoryCache cache;
    RepoName name = new RepoName("team/app");
    final MaintenanceTest.MovableClock clock = new MaintenanceTest.MovableClock();
    ObjectId tip;

    @BeforeEach
    void setUp() throws Exception {
        store = new FsBlobStore(dir.resolve("store"));
        config = Configs.gitfn(Map.of());
        cache = new RepositoryCache(store, dir.resolve("cache"), config, List.of());
        cache.create(name);
    }

    private Maintenance maintenance(BlobStore over, RepositoryCache on, int threshold) {
        return new Maintenance(over, on, dir.resolve("work"), MaintenanceTest.settings(threshold), List.of(), clock);
    }

    /** One push of one new commit (its own pack) on {@code ref}, through {@code via}. */
    private ObjectId push(RepositoryCache via, String ref, ObjectId parent, String content) throws Exception {
        return via.push(name, session -> {
            ObjectId commit = dev.gitfn.support.Commits.insert(session, parent, content);
            ObjectId old = session.repository().resolve(ref);
            ReceiveCommand cmd = new ReceiveCommand(old == null ? ObjectId.zeroId() : old, commit, ref);
            session.commit(List.of(cmd), false);
            assertEquals(ReceiveCommand.Result.OK, cmd.getResult());
            return commit;
        });
    }

    private void pushes(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            tip = push(cache, "refs/heads/main", tip, "push " + i);
        }
    }

    private RefState state() throws Exception {
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            return repo.state();
        }
    }

    private boolean inStore(String pack) throws Exception {
        return store.exists(StoreLayout.packKey(name, pack, ".pack"));
    }

    @Test
    void aFullCompactionReplacesEveryPackByOneWithABitmapAndRetiresTheRest() throws Exception {
        pushes(4);
        List<String> before = state().packs();
        Maintenance.Report report = maintenance(store, cache, 8).run(name, Maintenance.Mode.FULL);
        assertEquals("full", report.done());
        assertEquals(4, report.packsBefore());
        assertEquals(1, report.packsAfter());
        assertTrue(report.bitmap());
        assertEquals(4, report.waiting());
        assertEquals(12, report.objects(), "4 commits, 4 trees, 4 blobs");
        RefState after = state();
        assertEquals(Set.copyOf(before), after.retired().keySet());
        assertEquals(Set.of(clock.instant().getEpochSecond()), Set.copyOf(after.retired().values()));
        assertTrue(after.integrityOf(after.packs().get(0)).orElseThrow().hasBitmap());
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            byte[] pack = java.nio.file.Files.readAllBytes(RepositoryCache.packFile(repo, after.packs().get(0), ".pack"));
            assertEquals(after.packs().get(0), "pack-" + ObjectId.fromRaw(pack, pack.length - 20).name(),
                    "named by its checksum, as git names packs");
        }
        assertEquals(Map.of(), after.cruft(), "every object is reachable");
        assertEquals(tip, after.refs().get("refs/heads/main"));
        for (String pack : before) {
            assertTrue(inStore(pack), "kept for the grace period");
        }
        try (var left = java.nio.file.Files.list(dir.resolve("work"))) {
            assertEquals(List.of(), left.toList(), "the run's working folder is gone");
        }
    }

    @Test
    void collectionDeletesOnlyRetiredPacksPastTheGraceThatNoStateLists() throws Exception {
        pushes(7); // seven retired packs: the deleted six come back sorted, not in the record's order
        Maintenance maintenance = maintenance(store, cache, 8);
        maintenance.run(name, Maintenance.Mode.FULL);
        List<String> retired = new ArrayList<>(state().retired().keySet());
        retired.sort(null);
        clock.advance(GRACE.minusSeconds(1));
        assertEquals(List.of(), maintenance.collect(name), "one second early");
        String relisted = retired.get(0);
        cache.changeState(name, s -> s.withPacks(
                java.util.stream.Stream.concat(s.packs().stream(), java.util.stream.Stream.of(relisted)).toList(),
                s.integrity(), s.cruft(), s.retired()), written -> {
                });
        clock.advance(Duration.ofSeconds(1));
        assertEquals(retired.subList(1, 7), maintenance.collect(name));
        assertTrue(inStore(relisted), "listed: never deleted, however old its retirement");
        for (String deleted : retired.subList(1, 7)) {
            assertFalse(inStore(deleted), deleted);
        }
        assertEquals(Set.of(relisted), state().retired().keySet(), "the deleted ones leave the record");
        assertEquals(List.of(), maintenance.collect(name), "nothing twice");
    }

    @Test
    void anUnlistedPackIsRetiredWhenFirstSeenAndAPushThatListsItRevivesIt() throws Exception {
        pushes(1);
        String orphan = "pack-" + "ab".repeat(20);
        Path junk = java.nio.file.Files.writeString(dir.resolve("junk"), "x");
        store.upload(StoreLayout.packKey(name, orphan, ".pack"), junk);
        store.upload(StoreLayout.packKey(name, orphan, ".bitmap"), junk);
        Maintenance maintenance = maintenance(store, cache, 8);
        assertEquals(List.of(), maintenance.collect(name));
        assertEquals(Map.of(orphan, clock.instant().getEpochSecond()), state().retired());
        clock.advance(GRACE);
        assertEquals(List.of(orphan), maintenance.collect(name));
        assertFalse(store.exists(StoreLayout.packKey(name, orphan, ".bitmap")), "every file of the pack goes");
        assertEquals(Map.of(), state().retired());
    }

    @Test
    void aCompactionWhosePacksAnotherReplacedFirstStandsDown() throws Exception {
        pushes(3);
        PausingBlobStore pausing = new PausingBlobStore(store);
        RepositoryCache slow = new RepositoryCache(pausing, dir.resolve("cache-slow"), config, List.of());
        pausing.pauseNext("putIfMatch", key -> key.equals(name.directory() + "/gitfn-state"));
        CompletableFuture<Maintenance.Report> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return maintenance(pausing, slow, 8).run(name, Maintenance.Mode.FULL);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        pausing.awaitPaused();
        // The lease stops a second compaction; a push gets through and a geometric one is
        // simulated by replacing the packs directly.
        RefState replaced = cache.changeState(name, s -> s.withPacks(List.of(s.packs().get(0)), s.integrity(),
                s.cruft(), Map.of(s.packs().get(1), 1L, s.packs().get(2), 1L)), written -> {
                });
        pausing.resume();
        Maintenance.Report report = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(replaced.packs(), state().packs(), "its swap declined: the other change stands");
        assertEquals(1, report.packsAfter());
        assertTrue(report.done().startsWith("stood down"), report.done());
    }

    @Test
    void aPushRacingTheSwapKeepsItsPack() throws Exception {
        pushes(2);
        PausingBlobStore pausing = new PausingBlobStore(store);
        RepositoryCache slow = new RepositoryCache(pausing, dir.resolve("cache-slow"), config, List.of());
        pausing.pauseNext("putIfMatch", key -> key.equals(name.directory() + "/gitfn-state"));
        CompletableFuture<Maintenance.Report> compaction = CompletableFuture.supplyAsync(() -> {
            try {
                return maintenance(pausing, slow, 8).run(name, Maintenance.Mode.FULL);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        pausing.awaitPaused();
        pushes(1);
        String pushed = state().packs().get(state().packs().size() - 1);
        pausing.resume();
        compaction.get(60, TimeUnit.SECONDS);
        RefState after = state();
        assertEquals(tip, after.refs().get("refs/heads/main"));
        assertEquals(2, after.packs().size(), after.toString());
        assertTrue(after.packs().contains(pushed), "the racing push's pack stays listed");
        assertFalse(after.retired().containsKey(pushed));
    }

    /** Drops the ref state's history, as the passing of its window does. */
    private void forgetHistory() throws Exception {
        BlobStore.Versioned current = store.get(dev.gitfn.repo.StoreLayout.stateKey(name)).orElseThrow();
        store.putIfMatch(dev.gitfn.repo.StoreLayout.stateKey(name),
                RefState.parse(current.data()).logged(List.of(), Long.MAX_VALUE).serialize(), current.etag());
    }

    @Test
    void whatTheHistoryCanRestoreIsNeverCollected() throws Exception {
        pushes(1);
        ObjectId side = push(cache, "refs/heads/side", tip, "side only");
        cache.push(name, session -> {
            session.commit(List.of(new ReceiveCommand(side, ObjectId.zeroId(), "refs/heads/side")), false);
            return null;
        });
        Maintenance maintenance = maintenance(store, cache, 8);
        maintenance.run(name, Maintenance.Mode.FULL);
        clock.advance(GRACE.plusSeconds(1));
        maintenance.run(name, Maintenance.Mode.FULL);
        RefState after = state();
        assertEquals(Map.of(), after.cruft(), "the history names it: reachable, not cruft");
        assertTrue(after.packs().stream().anyMatch(p -> {
            try {
                return idsOf(p).contains(side);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }), "the deleted branch's commit is still in a listed pack");
        assertEquals(PushSession.Restored.DONE, cache.push(name,
                session -> session.restore("refs/heads/side", side, dev.gitfn.cache.Pusher.UNKNOWN)));
        assertEquals(side, state().refs().get("refs/heads/side"));
        assertEquals(PushSession.Restored.NOT_IN_HISTORY, cache.push(name,
                session -> session.restore("refs/heads/side", ObjectId.fromString("3".repeat(40)),
                        dev.gitfn.cache.Pusher.UNKNOWN)));
    }

    @Test
    void unreachableObjectsGoToCruftAndOnlyAGracePeriodLaterAway() throws Exception {
        pushes(1);
        ObjectId side = push(cache, "refs/heads/side", tip, "side only");
        cache.push(name, session -> {
            ReceiveCommand delete = new ReceiveCommand(side, ObjectId.zeroId(), "refs/heads/side");
            session.commit(List.of(delete), false);
            return null;
        });
        forgetHistory(); // as once gitfn.history.keep has passed: the history no longer names it
        Maintenance maintenance = maintenance(store, cache, 8);
        maintenance.run(name, Maintenance.Mode.FULL);
        RefState after = state();
        assertEquals(1, after.cruft().size());
        assertEquals(clock.instant().getEpochSecond(), after.cruft().values().iterator().next());
        String cruft = after.cruft().keySet().iterator().next();
        assertEquals(Set.of(side), idsOf(cruft).stream().filter(id -> id.equals(side)).collect(
                java.util.stream.Collectors.toSet()));

        clock.advance(GRACE.minusSeconds(1));
        assertEquals("nothing to compact", maintenance.run(name, Maintenance.Mode.AUTO).done(), "still young");
        assertTrue(state().cruft().containsKey(cruft));
        assertEquals("full", maintenance.run(name, Maintenance.Mode.FULL).done());
        assertTrue(state().cruft().containsKey(cruft), "a full run keeps young cruft as it is");
        assertTrue(idsOf(cruft).contains(side));
        clock.advance(Duration.ofSeconds(1));
        assertEquals("full", maintenance.run(name, Maintenance.Mode.AUTO).done(), "an expired cruft pack");
        assertEquals(Map.of(), state().cruft());
        assertFalse(state().packs().contains(cruft));
        assertTrue(state().retired().containsKey(cruft));
    }

    private static String large(RefState state) {
        return state.packs().stream().filter(p -> state.integrityOf(p).orElseThrow().hasBitmap()).findFirst()
                .orElseThrow();
    }

    private Set<ObjectId> idsOf(String pack) throws Exception {
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            return PackRewriter.idsIn(RepositoryCache.packFile(repo, pack, ".idx"));
        }
    }

    @Test
    void dueWhenThePacksPassTheThresholdOrTheLargestLacksABitmap() throws Exception {
        byte[] noise = new byte[60_000];
        new java.util.Random(1).nextBytes(noise);
        tip = push(cache, "refs/heads/main", null, java.util.HexFormat.of().formatHex(noise));
        Maintenance maintenance = maintenance(store, cache, 3);
        assertTrue(maintenance.due(state()), "the first push's pack has no bitmap");
        maintenance.run(name, Maintenance.Mode.FULL);
        assertFalse(maintenance.due(state()));
        pushes(1);
        assertFalse(maintenance.due(state()), "2 packs, below 3, the largest with its bitmap");
        pushes(1);
        assertTrue(maintenance.due(state()), "3 packs");
        assertEquals("geometric", maintenance.run(name, Maintenance.Mode.AUTO).done());
        assertEquals(2, state().packs().size());
        assertTrue(state().packs().contains(large(state())), "the large pack stays as it is");
        assertNull(cache.changeState(name, s -> null, written -> {
        }), "a change that declines writes nothing");
    }

    @Test
    void aPushOverTheThresholdCompactsInTheBackgroundAndNoneWhenTurnedOff() throws Exception {
        pushes(3);
        maintenance(store, cache, 0).serverInfoWritten(cache.open(name));
        Thread.sleep(200);
        assertEquals(3, state().packs().size(), "threshold 0: only on demand");
        Maintenance background = maintenance(store, cache, 3);
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            background.serverInfoWritten(repo); // one push's notice is enough
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (state().packs().size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, state().packs().size(), "compacted by itself");
        background.stop();
    }

    @Test
    void aHeldLeaseMakesARunBusyAndRunAllReportsEveryRepository() throws Exception {
        pushes(2);
        RepoName other = new RepoName("team/other");
        cache.create(other);
        store.put(StoreLayout.leaseKey(name), ("holder x\nuntil " + clock.instant().plusSeconds(60).toEpochMilli() + "\n")
                .getBytes(StandardCharsets.UTF_8));
        List<Maintenance.Report> reports = maintenance(store, cache, 8).runAll(Maintenance.Mode.AUTO);
        assertEquals(List.of("team/app", "team/other"), reports.stream().map(Maintenance.Report::repo).toList());
        assertTrue(reports.get(0).done().startsWith("busy"), reports.get(0).toString());
        assertEquals(2, state().packs().size(), "nothing changed under another holder's lease");
        assertEquals("nothing to compact", reports.get(1).done());
    }

    @Test
    void deletedPacksAreToldToTheListeners() throws Exception {
        pushes(2);
        List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.gitfn.cache.ServerInfoListener listener = new dev.gitfn.cache.ServerInfoListener() {
            @Override
            public void serverInfoWritten(RepositoryCache.CachedRepo repo) {
            }

            @Override
            public void packsDeleted(RepoName repo, java.util.Collection<String> packs) {
                told.addAll(packs);
            }
        };
        Maintenance maintenance = new Maintenance(store, cache, dir.resolve("work"), MaintenanceTest.settings(8),
                List.of(listener), clock);
        maintenance.run(name, Maintenance.Mode.FULL);
        List<String> retired = new ArrayList<>(state().retired().keySet());
        clock.advance(GRACE);
        List<String> deleted = maintenance.collect(name);
        assertEquals(Set.copyOf(retired), Set.copyOf(deleted));
        assertEquals(Set.copyOf(deleted), Set.copyOf(told), "the published area drops what the store dropped");
    }

    @Test
    void theInstanceThatCompactsServesItsOutputWithoutDownloadingIt() throws Exception {
        pushes(3);
        dev.gitfn.support.FaultyBlobStore counting = new dev.gitfn.support.FaultyBlobStore(store);
        List<String> downloads = java.util.Collections.synchronizedList(new ArrayList<>());
        counting.failDownloads = key -> downloads.add(key) && false;
        RepositoryCache local = new RepositoryCache(counting, dir.resolve("cache-local"), config, List.of());
        try (RepositoryCache.CachedRepo loaded = local.open(name)) {
            assertEquals(3, loaded.state().packs().size());
        }
        downloads.clear();
        assertEquals("full", maintenance(counting, local, 8).run(name, Maintenance.Mode.FULL).done());
        try (RepositoryCache.CachedRepo after = local.open(name)) {
            String merged = after.state().packs().get(0);
            assertTrue(java.nio.file.Files.isRegularFile(RepositoryCache.packFile(after, merged, ".pack")));
            assertEquals(tip, after.repository().resolve("refs/heads/main"));
        }
        assertEquals(List.of(), downloads, "the merged pack moved into this instance's cache");
    }

    @Test
    void runAllPurgesADeletedRepositoryOnlyAfterItsGraceAndEndsARenamesRedirect() throws Exception {
        clock.now = java.time.Instant.now(); // deletions and renames are stamped with the real time
        RepoName gone = new RepoName("team/gone");
        cache.create(gone);
        cache.delete(gone);
        RepoName old = new RepoName("team/old");
        cache.create(old);
        cache.rename(old, new RepoName("team/new"), () -> {
        });
        Maintenance maintenance = maintenance(store, cache, 8);
        List<String> early = maintenance.runAll(Maintenance.Mode.AUTO).stream().map(r -> r.repo() + ": " + r.done())
                .toList();
        assertFalse(early.stream().anyMatch(r -> r.startsWith("team/gone") || r.startsWith("team/old")),
                early.toString());
        assertTrue(cache.listDeleted().contains(gone));

        clock.advance(Duration.ofDays(8));
        List<String> week = maintenance.runAll(Maintenance.Mode.AUTO).stream().map(r -> r.repo() + ": " + r.done())
                .toList();
        assertTrue(week.contains("team/gone: purged: deleted more than PT168H ago"), week.toString());
        assertFalse(cache.listDeleted().contains(gone));
        assertTrue(store.get(StoreLayout.stateKey(old)).isPresent(), "the old name still redirects");

        clock.advance(Duration.ofDays(23));
        List<String> month = maintenance.runAll(Maintenance.Mode.AUTO).stream().map(r -> r.repo() + ": " + r.done())
                .toList();
        assertTrue(month.contains("team/old: redirect ended (renamed to team/new): the name is free"), month.toString());
        assertFalse(store.get(StoreLayout.stateKey(old)).isPresent());
    }
}
