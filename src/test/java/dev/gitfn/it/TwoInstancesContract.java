package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Two gitfn processes, each with its own cache folder, share one store: what
 * one accepts the other serves, concurrent pushes to different branches all
 * land, and concurrent pushes to one branch have exactly one winner. Each
 * backend runs this through a subclass that says how to reach its store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TwoInstancesContract {
    Path work;
    ServerProcess a;
    ServerProcess b;
    Git git;

    /** The environment that points a gitfn process at the shared store. */
    abstract Map<String, String> storeEnv(Path work) throws Exception;

    @BeforeAll
    void start() throws Exception {
        work = TestDirs.fresh(getClass().getSimpleName());
        Map<String, String> store = storeEnv(work);
        a = new ServerProcess(work.resolve("a.log"), with(store, "GITFN_CACHE_DIR", work.resolve("cache-a")));
        b = new ServerProcess(work.resolve("b.log"), with(store, "GITFN_CACHE_DIR", work.resolve("cache-b")));
        git = new Git(work.resolve("home"));
    }

    static Map<String, String> with(Map<String, String> env, String key, Object value) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put(key, value.toString());
        return all;
    }

    @AfterAll
    void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    String newRepo(String name) {
        assertEquals(201, Http.createRepo(URI.create(a.url()), name));
        return name + ".git";
    }

    @Test
    void pushThroughOneFetchThroughTheOther() {
        String repo = newRepo("shared/handoff");
        Path src = git.newRepo(work.resolve("handoff-src"), 3);
        git.ok(src, "push", a.url() + repo, "main");
        // b has never seen this repository: its cache is cold.
        git.ok(work, "clone", b.url() + repo, "handoff-b");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("handoff-b"), "HEAD"));
        git.commit(work.resolve("handoff-b"), 1, "via-b");
        git.ok(work.resolve("handoff-b"), "push", "origin", "main");
        git.ok(src, "pull", "-q", "--ff-only", a.url() + repo, "main");
        assertEquals(git.revParse(work.resolve("handoff-b"), "HEAD"), git.revParse(src, "HEAD"));
    }

    /** {@code count} clones of {@code repo}, each with one new commit of its own. */
    private List<Path> clonesWithACommit(String repo, String name, int count) {
        List<Path> clones = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path clone = work.resolve(name + "-" + i);
            git.ok(work, "clone", "-q", a.url() + repo, clone.toString());
            git.commit(clone, 1, name + "-" + i);
            clones.add(clone);
        }
        return clones;
    }

    /** Pushes from every clone at once, alternating between the two instances. */
    private List<Result> pushAtOnce(List<Path> clones, String repo, IntFunction<String> refspec) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clones.size());
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (int i = 0; i < clones.size(); i++) {
                String url = (i % 2 == 0 ? a : b).url() + repo;
                Path clone = clones.get(i);
                String spec = refspec.apply(i);
                futures.add(pool.submit(() -> git.run(clone, "push", url, spec)));
            }
            List<Result> results = new ArrayList<>();
            for (Future<Result> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentPushesToDistinctBranchesAllLand() throws Exception {
        String repo = newRepo("shared/branches");
        git.ok(git.newRepo(work.resolve("branches-seed"), 1), "push", a.url() + repo, "main");
        List<Path> clones = clonesWithACommit(repo, "branch", 16);

        pushAtOnce(clones, repo, i -> "HEAD:refs/heads/b" + i).forEach(Result::ok);

        for (ServerProcess server : List.of(a, b)) {
            String refs = git.lsRemote(work, server.url() + repo);
            for (int i = 0; i < clones.size(); i++) {
                String line = git.revParse(clones.get(i), "HEAD") + "\trefs/heads/b" + i;
                assertTrue(refs.contains(line), server.url() + " lacks " + line + ":\n" + refs);
            }
        }
        git.ok(work, "clone", "--mirror", b.url() + repo, "branches-mirror");
        git.ok(work.resolve("branches-mirror"), "fsck", "--strict");
    }

    @Test
    void concurrentCreatesOfOneBranchHaveOneWinner() throws Exception {
        String repo = newRepo("shared/race");
        git.ok(git.newRepo(work.resolve("race-seed"), 1), "push", a.url() + repo, "main");
        List<Path> clones = clonesWithACommit(repo, "racer", 8);

        List<Result> results = pushAtOnce(clones, repo, i -> "HEAD:refs/heads/race");

        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).exitCode() == 0) {
                winners.add(i);
            } else {
                assertTrue(results.get(i).err().contains("rejected"), results.get(i).err());
            }
        }
        assertEquals(1, winners.size(), "exactly one create wins: " + winners);
        String refs = git.lsRemote(work, b.url() + repo);
        assertTrue(refs.contains(git.revParse(clones.get(winners.get(0)), "HEAD") + "\trefs/heads/race"), refs);
    }

    /**
     * A rename through one instance while pushes keep landing through the other: every push
     * git reported as done is under the new name (a push in the rename's moment is refused,
     * never lost), the old name redirects on both instances, and of two renames racing to
     * one name through the two instances exactly one wins.
     */
    @Test
    void aRenameThroughOneWhilePushesLandThroughTheOtherLosesNothing() throws Exception {
        String repo = newRepo("shared/rename-me");
        Path src = git.newRepo(work.resolve("rename-src"), 2);
        git.ok(src, "push", a.url() + repo, "main");
        git.ok(work, "clone", "-q", b.url() + repo, "rename-b"); // b holds it cached
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.atomic.AtomicBoolean renamed = new java.util.concurrent.atomic.AtomicBoolean();
            Future<List<String>> pushes = pool.submit(() -> {
                List<String> accepted = new ArrayList<>();
                for (int round = 0, after = 0; round < 60 && after < 3; round++) {
                    after += renamed.get() ? 1 : 0;
                    git.commit(src, 1, "r" + round);
                    if (git.run(src, "push", "-q", b.url() + repo, "main").exitCode() == 0) {
                        accepted.add(git.revParse(src, "main"));
                    } else {
                        git.ok(src, "reset", "-q", "--hard", "HEAD~1");
                    }
                }
                return accepted;
            });
            Thread.sleep(1000);
            HttpResponse<String> done = Http.json("PATCH", URI.create(a.url() + "api/repos/shared/rename-me"), null,
                    "{\"name\":\"shared/renamed\"}");
            assertEquals(200, done.statusCode(), done.body());
            renamed.set(true);
            List<String> accepted = pushes.get();
            assertTrue(!accepted.isEmpty(), "pushes landed: " + accepted.size());
            for (ServerProcess server : List.of(a, b)) {
                String refs = git.lsRemote(work, server.url() + "shared/renamed.git");
                assertTrue(refs.contains(accepted.get(accepted.size() - 1) + "\trefs/heads/main"), refs);
            }
            Path mirror = work.resolve("renamed-mirror");
            git.ok(work, "clone", "-q", "--mirror", b.url() + "shared/renamed.git", mirror.toString());
            for (String commit : accepted) {
                git.ok(mirror, "cat-file", "-e", commit + "^{commit}");
            }
            git.ok(mirror, "fsck", "--strict");
            // b's clone made before the rename fetches through the redirect.
            Result fetch = git.ok(work.resolve("rename-b"), "fetch");
            assertTrue(fetch.err().contains("redirecting to"), fetch.err());
        } finally {
            pool.shutdownNow();
        }

        String first = newRepo("shared/rename-race-1").replace(".git", "");
        String second = newRepo("shared/rename-race-2").replace(".git", "");
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Future<Integer> viaA = two.submit(() -> {
                go.await();
                return Http.json("PATCH", URI.create(a.url() + "api/repos/" + first), null,
                        "{\"name\":\"shared/rename-race\"}").statusCode();
            });
            Future<Integer> viaB = two.submit(() -> {
                go.await();
                return Http.json("PATCH", URI.create(b.url() + "api/repos/" + second), null,
                        "{\"name\":\"shared/rename-race\"}").statusCode();
            });
            go.countDown();
            List<Integer> statuses = List.of(viaA.get(), viaB.get());
            assertTrue(statuses.contains(200) && statuses.contains(409), "one wins: " + statuses);
        } finally {
            two.shutdownNow();
        }
    }

    /** Two clients lock one LFS path through the two instances at once: one lock, the other told it is held. */
    @Test
    void lfsLocksRacingThroughBothInstancesGiveOneLock() throws Exception {
        String repo = newRepo("shared/locks");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                String body = "{\"path\":\"file-" + round + ".psd\"}";
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Future<Integer>> racers = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    String url = (i % 2 == 0 ? a : b).url() + repo + "/info/lfs/locks";
                    racers.add(pool.submit(() -> {
                        go.await();
                        return Http.send("POST", URI.create(url), Map.of("Content-Type",
                                "application/vnd.git-lfs+json"), body.getBytes()).statusCode();
                    }));
                }
                go.countDown();
                List<Integer> statuses = new ArrayList<>();
                for (Future<Integer> f : racers) {
                    statuses.add(f.get());
                }
                assertEquals(1, statuses.stream().filter(st -> st == 201).count(), "round " + round + ": " + statuses);
                assertEquals(7, statuses.stream().filter(st -> st == 409).count(), "round " + round + ": " + statuses);
            }
            String listed = Http.get(URI.create(b.url() + repo + "/info/lfs/locks")).body();
            assertEquals(5, listed.split("\"path\"", -1).length - 1, listed);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Compactions (on demand through both instances, and the ones pushes start by
     * themselves) while pushes land through both and clones run: every acknowledged push
     * is there at the end, and every clone, during and after, is whole.
     */
    @Test
    void compactionUnderConcurrentPushesAndClonesLosesNothing() throws Exception {
        String repo = newRepo("shared/compacted");
        git.ok(git.newRepo(work.resolve("compacted-seed"), 3), "push", a.url() + repo, "main");
        List<Path> clones = clonesWithACommit(repo, "compact", 12);
        java.util.concurrent.atomic.AtomicBoolean pushing = new java.util.concurrent.atomic.AtomicBoolean(true);
        List<String> compactions = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService side = Executors.newFixedThreadPool(2);
        try {
            Future<?> compacting = side.submit(() -> {
                for (int i = 0; pushing.get(); i++) {
                    ServerProcess via = i % 2 == 0 ? a : b;
                    var answer = Http.json("POST", URI.create(via.url() + "api/repos/shared/compacted/-/maintenance"
                            + (i % 3 == 0 ? "?mode=full" : "")), null, "");
                    assertEquals(200, answer.statusCode(), answer.body());
                    compactions.add(answer.body());
                }
            });
            Future<?> cloning = side.submit(() -> {
                for (int i = 0; pushing.get(); i++) {
                    Path mirror = work.resolve("compacted-during-" + i);
                    git.ok(work, "clone", "--mirror", "-q", b.url() + repo, mirror.toString());
                    git.ok(mirror, "fsck", "--strict");
                }
            });
            List<Result> results = pushAtOnce(clones, repo, i -> "HEAD:refs/heads/c" + i);
            pushing.set(false);
            compacting.get();
            cloning.get();
            results.forEach(Result::ok);
        } finally {
            side.shutdownNow();
        }
        assertTrue(compactions.stream().anyMatch(c -> c.contains("\"done\":\"full\"")), compactions.toString());
        String last = "";
        for (int attempt = 0; attempt < 100 && !last.contains("\"done\":\"full\""); attempt++) {
            Thread.sleep(attempt == 0 ? 0 : 100); // a background compaction may hold the lease a moment
            last = Http.json("POST", URI.create(a.url() + "api/repos/shared/compacted/-/maintenance?mode=full"), null,
                    "").body();
        }
        assertTrue(last.contains("\"packsAfter\":1"), last);
        for (ServerProcess server : List.of(a, b)) {
            String refs = git.lsRemote(work, server.url() + repo);
            for (int i = 0; i < clones.size(); i++) {
                String line = git.revParse(clones.get(i), "HEAD") + "\trefs/heads/c" + i;
                assertTrue(refs.contains(line), server.url() + " lacks " + line + ":\n" + refs);
            }
            Path mirror = work.resolve("compacted-after-" + server.managementUrl().hashCode());
            git.ok(work, "clone", "--mirror", "-q", server.url() + repo, mirror.toString());
            git.ok(mirror, "fsck", "--strict");
        }
    }
}
