package dev.gitfn.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.ObjectWalk;
import org.eclipse.jgit.revwalk.RevObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.StorageUnavailableException;
import dev.gitfn.support.FaultyBlobStore;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.PausingBlobStore;
import dev.gitfn.support.TestDirs;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Compaction and garbage collection against the server's own store, with real git
 * pushing and cloning: nothing a push acknowledged is lost, whatever interleaves,
 * and nothing listed is ever deleted. Time is a clock the test moves.
 */
@QuarkusTest
class MaintenanceTest {
    private static final Duration GRACE = Duration.ofHours(2);

    @TestHTTPResource("/")
    URL base;

    @Inject
    BlobStore store;

    @Inject
    RepositoryCache cache;

    @Inject
    GitfnConfig config;

    BlobStore real;
    Path work;
    Git git;
    RepoName name;
    String url;
    Path src;
    MovableClock clock;

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.parse("2026-12-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    static GitfnConfig.Maintenance settings(int threshold) {
        return new GitfnConfig.Maintenance() {
            @Override
            public int packThreshold() {
                return threshold;
            }

            @Override
            public int geometricFactor() {
                return 2;
            }

            @Override
            public Duration grace() {
                return GRACE;
            }

            @Override
            public Duration lease() {
                return Duration.ofMinutes(15);
            }
        };
    }

    @BeforeEach
    void setUp() {
        real = ClientProxy.unwrap(store);
        work = TestDirs.fresh("maintenance");
        git = new Git(work.resolve("home"));
        name = new RepoName(TestDirs.repoName("maint/app-" + System.nanoTime()));
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name.value()));
        url = base + name.directory();
        src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main");
        clock = new MovableClock();
    }

    private Maintenance maintenance(BlobStore over, RepositoryCache on) {
        return new Maintenance(over, on, work.resolve("maint-work"), settings(8), List.of(), clock);
    }

    /** A second instance's cache, reaching the store through {@code over}. */
    private RepositoryCache cacheOver(BlobStore over) {
        return new RepositoryCache(over, work.resolve("cache-" + System.nanoTime()), config, List.of());
    }

    private Maintenance maintenance() {
        return maintenance(real, cache);
    }

    private void pushes(int count) {
        for (int i = 0; i < count; i++) {
            git.commit(src, 1, "push-" + i);
            git.ok(src, "push", "-q", url, "main");
        }
    }

    private RefState state() throws Exception {
        return RefState.parse(real.get(name.directory() + "/gitfn-state").orElseThrow().data());
    }

    private void assertMirrorIsWhole() {
        Path mirror = work.resolve("mirror-" + System.nanoTime());
        git.ok(work, "clone", "--mirror", "-q", url, mirror.toString());
        git.ok(mirror, "fsck", "--strict");
        assertEquals(git.lsRemote(src, url), git.lsRemote(mirror, mirror.toString()).replace("HEAD\n", "HEAD\n"));
    }

    private boolean inStore(String pack, String ext) throws Exception {
        return real.exists(StoreLayout.packKey(name, pack, ext));
    }

    @Test
    void theApiCompactsEveryPackIntoOneWithABitmapAndClonesStayWhole() throws Exception {
        pushes(6);
        String refs = git.lsRemote(src, url);
        assertEquals(7, state().packs().size());

        var answer = Http.json("POST", URI.create(base + "api/repos/" + name.value() + "/-/maintenance?mode=full"),
                null, "");
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"done\":\"full\""), answer.body());
        assertTrue(answer.body().contains("\"bitmap\":true"), answer.body());

        RefState after = state();
        assertEquals(1, after.packs().size(), "no ref reaches nothing: one pack, no cruft: " + after);
        String main = after.packs().get(0);
        assertTrue(after.integrityOf(main).orElseThrow().hasBitmap());
        assertTrue(inStore(main, ".bitmap") && inStore(main, ".idx") && inStore(main, ".pack"));
        assertEquals(7, after.retired().size(), "every replaced pack waits for the grace period");
        for (String old : after.retired().keySet()) {
            assertTrue(inStore(old, ".pack"), "a replaced pack stays in the store until the grace has passed");
        }
        assertEquals(refs, git.lsRemote(src, url));
        assertMirrorIsWhole();
        // The dumb-HTTP files name the new pack only.
        String infoPacks = new String(real.get(name.directory() + "/objects/info/packs").orElseThrow().data(),
                StandardCharsets.US_ASCII);
        assertEquals("P " + main + ".pack\n\n", infoPacks);
    }

    @Test
    void anUnknownModeIsRefused() {
        var answer = Http.json("POST", URI.create(base + "api/repos/" + name.value() + "/-/maintenance?mode=all"),
                null, "");
        assertEquals(400, answer.statusCode());
        assertEquals(404, Http.json("POST", URI.create(base + "api/repos/" + name.value()
                + "-missing/-/maintenance"), null, "").statusCode());
    }

    @Test
    void smallPacksRollUpGeometricallyAndTheLargeOneStays() throws Exception {
        git.commitRandomFile(src, "big.bin", 400_000);
        git.ok(src, "push", "-q", url, "main");
        Maintenance maintenance = maintenance();
        assertEquals("full", maintenance.run(name, Maintenance.Mode.AUTO).done(),
                "a largest pack without a bitmap calls for a full compaction");
        String large = state().packs().get(0);
        pushes(5);
        List<String> small = state().packs().stream().filter(p -> !p.equals(large)).toList();

        Maintenance.Report report = maintenance.run(name, Maintenance.Mode.AUTO);
        assertEquals("geometric", report.done());
        RefState after = state();
        assertEquals(2, after.packs().size(), after.toString());
        assertTrue(after.packs().contains(large), "the large pack with its bitmap is left as it is");
        assertEquals(5, small.size());
        assertTrue(after.retired().keySet().containsAll(small), "the small packs were merged: " + after);
        assertMirrorIsWhole();

        assertEquals("nothing to compact", maintenance.run(name, Maintenance.Mode.AUTO).done());
    }

    @Test
    void aPushThatLandsWhileACompactionWaitsToSwapIsKept() throws Exception {
        PausingBlobStore pausing = new PausingBlobStore(real);
        pushes(3);
        Maintenance maintenance = maintenance(pausing, cacheOver(pausing));
        pausing.pauseNext("putIfMatch", key -> key.equals(name.directory() + "/gitfn-state"));
        CompletableFuture<Maintenance.Report> compaction = CompletableFuture.supplyAsync(() -> {
            try {
                return maintenance.run(name, Maintenance.Mode.FULL);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        pausing.awaitPaused();
        pushes(1); // lands first, through the server's own store
        String pushed = git.revParse(src, "main");
        pausing.resume();
        Maintenance.Report report = compaction.get(60, TimeUnit.SECONDS);
        assertEquals("full", report.done());

        RefState after = state();
        assertEquals(ObjectId.fromString(pushed), after.refs().get("refs/heads/main"), "the push survives");
        assertEquals(2, after.packs().size(), "the compacted pack and the racing push's: " + after);
        assertMirrorIsWhole();
    }

    @Test
    void aPushThatReadTheStateBeforeACompactionLandedRetriesOnTopOfIt() throws Exception {
        PausingBlobStore pausing = new PausingBlobStore(real);
        QuarkusMock.installMockForType(pausing, BlobStore.class);
        pushes(3);
        git.commit(src, 1, "racing");
        String pushed = git.revParse(src, "main");
        pausing.pauseNext("putIfMatch", key -> key.equals(name.directory() + "/gitfn-state"));
        CompletableFuture<Git.Result> push = CompletableFuture.supplyAsync(() -> git.run(src, "push", url, "main"));
        pausing.awaitPaused();
        RepositoryCache other = new RepositoryCache(real, work.resolve("cache-b"), config, List.of());
        assertEquals("full", maintenance(real, other).run(name, Maintenance.Mode.FULL).done());
        pausing.resume();

        push.get(60, TimeUnit.SECONDS).ok();
        RefState after = state();
        assertEquals(ObjectId.fromString(pushed), after.refs().get("refs/heads/main"));
        assertEquals(2, after.packs().size(), after.toString());
        assertMirrorIsWhole();
    }

    @Test
    void retiredPacksAreDeletedOnlyAfterTheGracePeriodAndNeverWhileListed() throws Exception {
        pushes(3);
        Maintenance maintenance = maintenance();
        maintenance.run(name, Maintenance.Mode.FULL);
        Set<String> retired = state().retired().keySet();
        assertEquals(4, retired.size());

        clock.advance(GRACE.minusSeconds(1));
        assertEquals(List.of(), maintenance.collect(name));
        for (String pack : retired) {
            assertTrue(inStore(pack, ".pack") && inStore(pack, ".idx"));
        }

        // A retired pack listed again (the same objects pushed once more) is not garbage.
        String listedAgain = retired.iterator().next();
        cache.changeState(name, s -> s.withPacks(
                java.util.stream.Stream.concat(s.packs().stream(), java.util.stream.Stream.of(listedAgain)).toList(),
                s.integrity(), s.cruft(), s.retired()), written -> {
                });
        clock.advance(Duration.ofSeconds(1));
        List<String> deleted = maintenance.collect(name);
        assertEquals(3, deleted.size(), deleted.toString());
        assertFalse(deleted.contains(listedAgain));
        assertTrue(inStore(listedAgain, ".pack"), "a listed pack is never deleted");
        for (String pack : deleted) {
            assertFalse(inStore(pack, ".pack") || inStore(pack, ".idx"), pack);
        }
        assertEquals(Set.of(listedAgain), state().retired().keySet());
        assertMirrorIsWhole();
    }

    @Test
    void aPackNoStateListsIsRetiredAndThenDeleted() throws Exception {
        String orphan = "pack-" + "ab".repeat(20);
        Path junk = Files.writeString(work.resolve("junk"), "a killed push's upload");
        real.upload(StoreLayout.packKey(name, orphan, ".idx"), junk);
        real.upload(StoreLayout.packKey(name, orphan, ".pack"), junk);
        Maintenance maintenance = maintenance();

        assertEquals(List.of(), maintenance.collect(name));
        assertEquals(clock.instant().getEpochSecond(), state().retired().get(orphan));
        assertTrue(inStore(orphan, ".pack"));
        clock.advance(GRACE);
        assertEquals(List.of(orphan), maintenance.collect(name));
        assertFalse(inStore(orphan, ".pack") || inStore(orphan, ".idx"));
        assertEquals(Map.of(), state().retired());
    }

    @Test
    void unreachableObjectsWaitInACruftPackForAGracePeriodThenGo() throws Exception {
        git.ok(src, "checkout", "-q", "-b", "side");
        git.commit(src, 1, "side-only");
        String sideOnly = git.revParse(src, "side");
        git.ok(src, "push", "-q", url, "side");
        git.ok(src, "checkout", "-q", "main");
        git.ok(src, "push", "-q", url, ":side");
        // As once gitfn.history.keep has passed: the history no longer names the deleted branch.
        BlobStore.Versioned current = store.get(StoreLayout.stateKey(name)).orElseThrow();
        store.putIfMatch(StoreLayout.stateKey(name), RefState.parse(current.data()).logged(List.of(), Long.MAX_VALUE)
                .serialize(), current.etag());
        Maintenance maintenance = maintenance();

        maintenance.run(name, Maintenance.Mode.FULL);
        RefState after = state();
        assertEquals(1, after.cruft().size(), after.toString());
        assertEquals(2, after.packs().size());
        assertTrue(listedPacksHold(ObjectId.fromString(sideOnly)), "within the grace, kept in the cruft pack");

        clock.advance(GRACE);
        maintenance.run(name, Maintenance.Mode.AUTO); // an expired cruft pack calls for a full compaction
        RefState later = state();
        assertEquals(Map.of(), later.cruft(), later.toString());
        assertEquals(1, later.packs().size());
        assertFalse(listedPacksHold(ObjectId.fromString(sideOnly)),
                "an object unreachable for a whole grace period is dropped");
        assertMirrorIsWhole();
    }

    /** Whether any pack the store's state lists holds {@code id} (read from the stored indexes). */
    private boolean listedPacksHold(ObjectId id) throws Exception {
        for (String pack : state().packs()) {
            Path idx = work.resolve("idx-" + System.nanoTime() + ".idx");
            real.download(StoreLayout.packKey(name, pack, ".idx"), idx);
            if (PackRewriter.idsIn(idx).contains(id)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aCompactionThatFailsAtAnyStepLosesNothingAndTheNextOneSucceeds() throws Exception {
        pushes(3);
        String refs = git.lsRemote(src, url);
        FaultyBlobStore faulty = new FaultyBlobStore(real);
        Maintenance maintenance = maintenance(faulty, cacheOver(faulty));
        String prefix = name.directory() + "/";
        List<Runnable> faults = List.of(
                () -> faulty.failUploads = k -> k.startsWith(prefix) && k.endsWith(".bitmap"),
                () -> faulty.failUploads = k -> k.startsWith(prefix) && k.endsWith(".pack"),
                () -> faulty.failSwaps = k -> k.equals(prefix + "gitfn-state"),
                () -> faulty.failPuts = k -> k.equals(prefix + "info/refs"));
        for (Runnable fault : faults) {
            fault.run();
            try {
                maintenance.run(name, Maintenance.Mode.FULL);
            } catch (StorageUnavailableException expected) {
                // the store failed under it
            }
            faulty.heal();
            assertEquals(refs, git.lsRemote(src, url));
            assertMirrorIsWhole();
        }
        assertEquals("full", maintenance.run(name, Maintenance.Mode.FULL).done(),
                "a failed run gives its lease back");
        assertEquals(1, state().packs().size());
        assertMirrorIsWhole();
    }

    @Test
    void aLeaseLeftByACrashedInstanceBlocksOnlyUntilItExpires() throws Exception {
        pushes(2);
        String until = "holder crashed\nuntil " + clock.instant().plus(Duration.ofMinutes(15)).toEpochMilli() + "\n";
        real.put(StoreLayout.leaseKey(name), until.getBytes(StandardCharsets.UTF_8));
        Maintenance maintenance = maintenance();
        assertTrue(maintenance.run(name, Maintenance.Mode.FULL).done().startsWith("busy"));
        assertEquals(3, state().packs().size(), "nothing changed while the lease was held");
        clock.advance(Duration.ofMinutes(15));
        assertEquals("full", maintenance.run(name, Maintenance.Mode.FULL).done());
        assertEquals(1, state().packs().size());
    }

    @Test
    void anInstanceStillServingThePackListBeforeACompactionReadsEveryObject() throws Exception {
        pushes(3);
        RepositoryCache stale = new RepositoryCache(real, work.resolve("cache-stale"), config, List.of());
        try (RepositoryCache.CachedRepo before = stale.open(name)) {
            Maintenance maintenance = maintenance();
            maintenance.run(name, Maintenance.Mode.FULL);
            clock.advance(GRACE);
            assertEquals(4, maintenance.collect(name).size(), "the old packs are gone from the store");
            // The stale instance catches up while a request still holds the old state: it
            // downloads the new pack and drops the replaced ones under that request.
            stale.open(name).close();
            assertEquals(0, walkEveryObject(before));
            assertEquals(4 + 1, packFilesIn(work.resolve("cache-stale")),
                    "the replaced packs stay while a request reads them");
        }
        assertEquals(1, packFilesIn(work.resolve("cache-stale")), "and go when the last one is done");
        try (RepositoryCache.CachedRepo after = stale.open(name)) {
            assertEquals(0, walkEveryObject(after));
            assertEquals(state().packs(), after.state().packs());
        }
    }

    private long packFilesIn(Path cache) throws Exception {
        try (var files = Files.walk(cache)) {
            return files.filter(f -> f.toString().endsWith(".pack")).count();
        }
    }

    /** Reads every object the lease's refs reach; returns how many could not be read. */
    private static int walkEveryObject(RepositoryCache.CachedRepo repo) throws Exception {
        int missing = 0;
        try (ObjectWalk walk = new ObjectWalk(repo.repository()); ObjectReader reader = repo.repository()
                .newObjectReader()) {
            for (ObjectId tip : repo.state().refs().values()) {
                walk.markStart(walk.parseAny(tip));
            }
            while (walk.next() != null) {
                // commits
            }
            RevObject object;
            while ((object = walk.nextObject()) != null) {
                if (!reader.has(object)) {
                    missing++;
                } else {
                    reader.open(object).getBytes();
                }
            }
        }
        return missing;
    }

    @Test
    void aPushOverTheThresholdQueuesACompactionInTheBackground() throws Exception {
        Maintenance maintenance = new Maintenance(real, cache, work.resolve("maint-work"), settings(3), List.of(),
                clock);
        pushes(2);
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            assertTrue(maintenance.due(repo.state()));
            maintenance.serverInfoWritten(repo);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (state().packs().size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, state().packs().size(), "compacted by itself");
        try (RepositoryCache.CachedRepo repo = cache.open(name)) {
            assertFalse(maintenance.due(repo.state()), "one pack with its bitmap needs nothing");
        }
        assertNotNull(state().integrityOf(state().packs().get(0)).orElseThrow().bitmapSha256());
        assertThrows(IllegalStateException.class, () -> RefState.parse(("gitfn-state 1\nhead refs/heads/main\n"
                + "cruft pack-" + "cd".repeat(20) + " 5\n").getBytes(StandardCharsets.UTF_8)),
                "a cruft line must name a listed pack");
        assertMirrorIsWhole();
    }
}
