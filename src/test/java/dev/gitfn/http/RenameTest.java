package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Renaming a repository from outside, with the real git client: the new name serves every
 * ref and keeps the access lists, the old one answers a redirect that git follows (clone,
 * fetch, push), pushes racing the rename lose nothing, and of two renames racing to one name
 * exactly one wins while the other repository serves on unchanged.
 */
@QuarkusTest
@TestProfile(HistoryTest.NoGrace.class)
public class RenameTest {
    @TestHTTPResource("/")
    URL base;

    private URI api() {
        return URI.create(base.toString());
    }

    private String url(String user, String secret, String repo) {
        return "http://" + user + ":" + secret + "@" + base.getHost() + ":" + base.getPort() + "/" + repo + ".git";
    }

    private static String admin() {
        return Http.basic("admin", HistoryTest.ADMIN_TOKEN);
    }

    private HttpResponse<String> rename(String from, String to, String auth) {
        return Http.json("PATCH", api().resolve("/api/repos/" + from), auth, "{\"name\":\"" + to + "\"}");
    }

    @Test
    void theNewNameServesEverythingAndTheOldOneRedirectsGit() throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String owner = "ren-" + suffix;
        String reader = "reader-" + suffix;
        String ownerSecret = Http.newUserToken(api(), admin(), owner);
        String readerSecret = Http.newUserToken(api(), admin(), reader);
        String old = TestDirs.repoName("rename/old-" + suffix);
        String moved = TestDirs.repoName("rename/team/new-" + suffix);
        assertEquals(201, Http.json("POST", api().resolve("/api/repos"), admin(),
                "{\"name\":\"" + old + "\",\"owner\":\"" + owner + "\"}").statusCode());
        assertEquals(200, Http.putAccess(base.toString(), admin(), old,
                "{\"public\":false,\"read\":[\"" + reader + "\"]}").statusCode());
        Path work = TestDirs.fresh("rename");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "push", url(owner, ownerSecret, old), "main", "main:refs/heads/feature", "main:refs/tags/v1");
        git.ok(work, "clone", "-q", url(reader, readerSecret, old), "before");

        // The owner renames it (admins may too); the answer describes it under its new name.
        HttpResponse<String> done = rename(old, moved, Http.basic(owner, ownerSecret));
        assertEquals(200, done.statusCode(), done.body());
        assertTrue(done.body().contains("\"name\":\"" + moved + "\""), done.body());

        // The new name: every ref, the same access lists (the reader reads, a stranger does not).
        String lsNew = git.ok(work, "ls-remote", url(reader, readerSecret, moved)).out();
        assertEquals(git.ok(work, "ls-remote", url(owner, ownerSecret, moved)).out(), lsNew);
        for (String ref : new String[] {"refs/heads/main", "refs/heads/feature", "refs/tags/v1"}) {
            assertTrue(lsNew.contains(git.revParse(src, "main") + "\t" + ref), lsNew);
        }
        String stranger = "stranger-" + suffix;
        String strangerSecret = Http.newUserToken(api(), admin(), stranger);
        assertNotEquals(0, git.run(work, "ls-remote", url(stranger, strangerSecret, moved)).exitCode());
        assertNotEquals(0, git.run(work, "ls-remote", "http://" + base.getHost() + ":" + base.getPort() + "/"
                + moved + ".git").exitCode(), "anonymous: the private repository stays private");

        // The old name: git follows the redirect of its first request, for a clone...
        Git.Result clone = git.ok(work, "clone", url(reader, readerSecret, old), "after");
        assertTrue(clone.err().contains("redirecting to"), clone.err());
        assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("after"), "origin/main"));
        git.ok(work.resolve("after"), "fsck", "--strict");
        // ... a fetch of a clone made before the rename, and a push, which lands under the new name.
        git.ok(work.resolve("before"), "fetch", "-q");
        git.commit(src, 1, "after-rename");
        git.ok(src, "push", url(owner, ownerSecret, old), "main");
        assertTrue(git.ok(work, "ls-remote", url(owner, ownerSecret, moved), "refs/heads/main").out()
                .startsWith(git.revParse(src, "main")));
        // The old name is out of the listing, a stranger learns nothing from it, and it is taken.
        String listing = Http.json("GET", api().resolve("/api/repos"), admin(), null).body();
        assertTrue(listing.contains("\"" + moved + "\"") && !listing.contains("\"" + old + "\""), listing);
        HttpResponse<String> probe = Http.json("GET", api().resolve("/" + old + ".git/info/refs?service=git-upload-pack"),
                Http.basic(stranger, strangerSecret), null);
        assertEquals(404, probe.statusCode());
        assertFalse(probe.body().contains(moved), probe.body());
        HttpResponse<String> dumb = Http.json("GET", api().resolve("/" + old + ".git/HEAD"), Http.basic(reader, readerSecret),
                null);
        assertEquals(301, dumb.statusCode());
        assertEquals(api().resolve("/" + moved + ".git/HEAD").toString(), dumb.headers().firstValue("Location").orElseThrow());
        assertEquals(409, Http.createRepo(base.toString(), admin(), old).statusCode());
        // The API names the repository it changes: no redirect for a change under the old name.
        HttpResponse<String> stale = Http.json("PATCH", api().resolve("/api/repos/" + old), admin(),
                "{\"description\":\"x\"}");
        assertEquals(404, stale.statusCode());
        assertTrue(stale.body().contains("renamed to " + moved), stale.body());
        // The audit log says who renamed what to what.
        String audit = Http.json("GET", api().resolve("/api/audit?repo=" + old), admin(), null).body();
        assertTrue(audit.contains("\"action\":\"repo.rename\"") && audit.contains("\"name\":\"" + moved + "\"")
                && audit.contains("\"user\":\"" + owner + "\""), audit);
    }

    @Test
    void badRenamesAreRefusedAndChangeNothing() throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String repo = TestDirs.repoName("rename/bad-" + suffix);
        String other = TestDirs.repoName("rename/other-" + suffix);
        String gone = TestDirs.repoName("rename/gone-" + suffix);
        for (String name : new String[] {repo, other, gone}) {
            assertEquals(201, Http.createRepo(base.toString(), admin(), name).statusCode());
        }
        assertEquals(204, Http.json("DELETE", api().resolve("/api/repos/" + gone), admin(), null).statusCode());
        Path work = TestDirs.fresh("rename-bad");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url("admin", HistoryTest.ADMIN_TOKEN, repo), "main");

        assertEquals(409, rename(repo, other, admin()).statusCode(), "taken");
        HttpResponse<String> deleted = rename(repo, gone, admin());
        assertEquals(409, deleted.statusCode());
        assertTrue(deleted.body().contains("/-/restore"), deleted.body());
        assertEquals(409, rename(repo, repo.toUpperCase(java.util.Locale.ROOT), admin()).statusCode(), "case only");
        assertEquals(400, rename(repo, "../escape", admin()).statusCode());
        assertEquals(400, rename(repo, "a/.git/hooks", admin()).statusCode());
        assertEquals(400, Http.json("PATCH", api().resolve("/api/repos/" + repo), admin(), "{\"name\":7}")
                .statusCode());
        // A default branch that does not exist fails the whole request, before the rename.
        assertEquals(400, Http.json("PATCH", api().resolve("/api/repos/" + repo), admin(),
                "{\"name\":\"" + repo + "-x\",\"defaultBranch\":\"nope\"}").statusCode());
        assertEquals(404, Http.json("GET", api().resolve("/api/repos/" + repo + "-x"), admin(), null).statusCode());
        // A user who does not manage it cannot rename it.
        String user = "plain-" + suffix;
        String secret = Http.newUserToken(api(), admin(), user);
        assertNotEquals(200, rename(repo, repo + "-y", Http.basic(user, secret)).statusCode());
        // Nothing changed: it serves as before, and takes pushes.
        git.commit(src, 1, "still");
        git.ok(src, "push", url("admin", HistoryTest.ADMIN_TOKEN, repo), "main");
        assertTrue(git.ok(work, "ls-remote", url("admin", HistoryTest.ADMIN_TOKEN, repo)).out()
                .contains(git.revParse(src, "main")));
    }

    @Test
    void twoRenamesRacingToOneNameOneWins() throws Exception {
        raceToOneName(true);
        raceToOneName(false); // empty repositories: states alike byte for byte, still one winner
    }

    private void raceToOneName(boolean withCommits) throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String target = TestDirs.repoName("rename/race-target-" + suffix);
        Path work = TestDirs.fresh("rename-race");
        Git git = new Git(work.resolve("home"));
        List<String> repos = new ArrayList<>();
        Map<String, String> tips = new java.util.HashMap<>();
        for (int i = 0; i < 3; i++) {
            String repo = TestDirs.repoName("rename/race-" + i + "-" + suffix);
            repos.add(repo);
            assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
            Path src = git.newRepo(work.resolve("src" + i), 1 + i);
            if (withCommits) {
                git.ok(src, "push", url("admin", HistoryTest.ADMIN_TOKEN, repo), "main");
                tips.put(repo, git.revParse(src, "main"));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(repos.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (String repo : repos) {
                answers.add(pool.submit(() -> {
                    start.await();
                    return rename(repo, target, admin()).statusCode();
                }));
            }
            start.countDown();
            List<String> winners = new ArrayList<>();
            for (int i = 0; i < repos.size(); i++) {
                int status = answers.get(i).get();
                assertTrue(status == 200 || status == 409, "status " + status);
                if (status == 200) {
                    winners.add(repos.get(i));
                }
            }
            assertEquals(1, winners.size(), "exactly one rename wins: " + winners);
            String winner = winners.get(0);
            String served = git.ok(work, "ls-remote", url("admin", HistoryTest.ADMIN_TOKEN, target)).out();
            assertTrue(withCommits ? served.startsWith(tips.get(winner)) : served.isEmpty(), served);
            for (String repo : repos) {
                if (!repo.equals(winner)) {
                    // The losers serve on under their own names, and take pushes again.
                    Path src = work.resolve("src" + repos.indexOf(repo));
                    git.commit(src, 1, "loser");
                    git.ok(src, "push", url("admin", HistoryTest.ADMIN_TOKEN, repo), "main");
                    assertTrue(git.ok(work, "ls-remote", url("admin", HistoryTest.ADMIN_TOKEN, repo)).out()
                            .startsWith(git.revParse(src, "main")));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pushesRacingARenameLoseNothing() throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String old = TestDirs.repoName("rename/busy-" + suffix);
        String moved = TestDirs.repoName("rename/busy-moved-" + suffix);
        assertEquals(201, Http.createRepo(base.toString(), admin(), old).statusCode());
        Path work = TestDirs.fresh("rename-push");
        Git git = new Git(work.resolve("home"));
        int pushers = 3;
        List<Path> sources = new ArrayList<>();
        for (int i = 0; i < pushers; i++) {
            Path src = git.newRepo(work.resolve("src" + i), 1);
            git.ok(src, "push", url("admin", HistoryTest.ADMIN_TOKEN, old), "main:refs/heads/b" + i);
            sources.add(src);
        }
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(pushers);
        List<Future<List<String>>> landed = new ArrayList<>();
        try {
            for (int i = 0; i < pushers; i++) {
                int n = i;
                // Each pusher keeps pushing its own branch through the old URL; it remembers
                // every commit whose push git reported as done.
                landed.add(pool.submit(() -> {
                    List<String> accepted = new ArrayList<>();
                    Path src = sources.get(n);
                    int afterRename = 0;
                    for (int round = 0; round < 60 && afterRename < 2; round++) {
                        if (stop.get()) {
                            afterRename++; // a couple more, which git sends on through the redirect
                        }
                        git.commit(src, 1, "p" + n + "-" + round);
                        if (git.run(src, "push", "-q", url("admin", HistoryTest.ADMIN_TOKEN, old),
                                "main:refs/heads/b" + n).exitCode() == 0) {
                            accepted.add(git.revParse(src, "main"));
                        } else {
                            git.ok(src, "reset", "-q", "--hard", "HEAD~1"); // refused: try a new commit
                        }
                    }
                    return accepted;
                }));
            }
            Thread.sleep(1500);
            assertEquals(200, rename(old, moved, admin()).statusCode());
            stop.set(true);
            int accepted = 0;
            List<List<String>> all = new ArrayList<>();
            for (Future<List<String>> f : landed) {
                all.add(f.get());
            }
            String refs = git.ok(work, "ls-remote", url("admin", HistoryTest.ADMIN_TOKEN, moved)).out();
            Path check = work.resolve("check");
            git.ok(work, "clone", "-q", "--mirror", url("admin", HistoryTest.ADMIN_TOKEN, moved), check.toString());
            for (int i = 0; i < pushers; i++) {
                List<String> mine = all.get(i);
                accepted += mine.size();
                if (!mine.isEmpty()) {
                    // Every accepted commit is under the new name: the last one is the branch's tip.
                    assertTrue(refs.contains(mine.get(mine.size() - 1) + "\trefs/heads/b" + i), refs);
                }
                for (String commit : mine) {
                    git.ok(check, "cat-file", "-e", commit + "^{commit}");
                }
            }
            assertTrue(accepted >= pushers, "pushes went through: " + accepted);
            git.ok(check, "fsck", "--strict");
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }
}
