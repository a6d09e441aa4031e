package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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

    @Test
    void concurrentPushesToDistinctBranchesAllLand() throws Exception {
        String repo = newRepo("shared/branches");
        Path seed = git.newRepo(work.resolve("branches-seed"), 1);
        git.ok(seed, "push", a.url() + repo, "main");

        int pushers = 16;
        List<Path> clones = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < pushers; i++) {
            Path clone = work.resolve("branches-" + i);
            git.ok(work, "clone", "-q", a.url() + repo, clone.toString());
            git.commit(clone, 1, "branch-" + i);
            clones.add(clone);
            expected.add(git.revParse(clone, "HEAD") + "\trefs/heads/b" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(pushers);
        try {
            List<Future<Result>> results = new ArrayList<>();
            for (int i = 0; i < pushers; i++) {
                String server = (i % 2 == 0 ? a : b).url();
                Path clone = clones.get(i);
                String branch = "HEAD:refs/heads/b" + i;
                results.add(pool.submit(() -> git.run(clone, "push", server + repo, branch)));
            }
            for (Future<Result> r : results) {
                r.get().ok();
            }
        } finally {
            pool.shutdownNow();
        }
        for (ServerProcess server : List.of(a, b)) {
            String refs = git.lsRemote(work, server.url() + repo);
            for (String line : expected) {
                assertTrue(refs.contains(line), server.url() + " lacks " + line + ":\n" + refs);
            }
        }
        git.ok(work, "clone", "--mirror", b.url() + repo, "branches-mirror");
        git.ok(work.resolve("branches-mirror"), "fsck", "--strict");
    }

    @Test
    void concurrentCreatesOfOneBranchHaveOneWinner() throws Exception {
        String repo = newRepo("shared/race");
        Path seed = git.newRepo(work.resolve("race-seed"), 1);
        git.ok(seed, "push", a.url() + repo, "main");
        int pushers = 8;
        List<Path> clones = new ArrayList<>();
        for (int i = 0; i < pushers; i++) {
            Path clone = work.resolve("race-" + i);
            git.ok(work, "clone", "-q", a.url() + repo, clone.toString());
            git.commit(clone, 1, "racer-" + i);
            clones.add(clone);
        }
        ExecutorService pool = Executors.newFixedThreadPool(pushers);
        List<Result> results = new ArrayList<>();
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (int i = 0; i < pushers; i++) {
                String server = (i % 2 == 0 ? a : b).url();
                Path clone = clones.get(i);
                futures.add(pool.submit(() -> git.run(clone, "push", server + repo, "HEAD:refs/heads/race")));
            }
            for (Future<Result> f : futures) {
                results.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        List<Integer> winners = new ArrayList<>();
        for (int i = 0; i < pushers; i++) {
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
}
