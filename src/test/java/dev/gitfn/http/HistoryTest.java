package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The server-side reflog and undo with the real git client: the owner of a repository
 * force-pushes and deletes a branch by mistake, maintenance runs (twice, with no grace, so
 * anything unreachable would be collected), and the owner alone puts both back from the
 * history; the next clone has them and {@code fsck --strict} is clean. Readers cannot.
 */
@QuarkusTest
@TestProfile(HistoryTest.NoGrace.class)
public class HistoryTest {
    static final String ADMIN_TOKEN = "history-admin-token-0123456789abcdefghij";

    /** Authentication on, no caching of auth records, and maintenance that collects at once. */
    public static class NoGrace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.maintenance.grace", "0s", "gitfn.maintenance.pack-threshold", "0");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void theOwnerUndoesAForcePushAndABranchDeletion() throws Exception {
        URI api = URI.create(base.toString());
        String suffix = Long.toString(System.nanoTime(), 36);
        String carol = "carol-" + suffix;
        String bob = "bob-" + suffix;
        String carolToken = user(api, carol);
        String bobToken = user(api, bob);
        String repo = TestDirs.repoName("history/app-" + suffix);
        HttpResponse<String> created = Http.json("POST", api.resolve("/api/repos"), admin(),
                "{\"name\":\"" + repo + "\",\"owner\":\"" + carol + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        // The owner sets the access list herself.
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), Http.basic(carol, carolToken),
                "{\"public\":false,\"read\":[\"" + bob + "\"],\"write\":[]}").statusCode());

        Path work = TestDirs.fresh("history");
        Git git = new Git(work.resolve("home"));
        String url = "http://" + carol + ":" + carolToken + "@" + base.getHost() + ":" + base.getPort() + "/" + repo
                + ".git";
        Path src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "push", url, "main", "main:refs/heads/feature");
        String good = git.revParse(src, "main");
        // The mistakes: main rewritten to a new root, feature deleted.
        git.ok(src, "checkout", "-q", "--orphan", "oops");
        git.commit(src, 1, "oops");
        git.ok(src, "push", "-f", url, "oops:main");
        git.ok(src, "push", url, ":refs/heads/feature");
        String oops = git.revParse(src, "oops");

        for (int run = 0; run < 2; run++) {
            HttpResponse<String> gc = Http.json("POST", api.resolve("/api/repos/" + repo + "/-/maintenance?mode=full"),
                    admin(), null);
            assertEquals(200, gc.statusCode(), gc.body());
            Thread.sleep(1100); // a grace of 0 s, measured in whole seconds
        }

        String carolAuth = Http.basic(carol, carolToken);
        HttpResponse<String> history = Http.json("GET", api.resolve("/api/repos/" + repo
                + "/-/history?ref=refs/heads/main"), carolAuth, null);
        assertEquals(200, history.statusCode(), history.body());
        String body = history.body();
        assertTrue(body.indexOf("\"newId\":\"" + oops + "\"") < body.indexOf("\"newId\":\"" + good + "\""),
                "newest first: " + body);
        assertTrue(body.contains("\"who\":\"" + carol + "\"") && body.contains("\"transport\":\"http\"")
                && body.contains("\"tokenId\":\""), body);
        assertTrue(!body.contains("refs/heads/feature"), "filtered by ref: " + body);
        assertEquals(200, Http.json("GET", api.resolve("/api/repos/" + repo + "/-/history?limit=1"), carolAuth, null)
                .statusCode());
        assertEquals(400, Http.json("GET", api.resolve("/api/repos/" + repo + "/-/history?limit=0"), carolAuth, null)
                .statusCode());

        // A reader may not undo; an id the history does not name is refused.
        assertEquals(403, restore(api, repo, Http.basic(bob, bobToken), "refs/heads/main", good).statusCode());
        HttpResponse<String> foreign = restore(api, repo, carolAuth, "refs/heads/main", "2".repeat(40));
        assertEquals(400, foreign.statusCode());
        assertTrue(foreign.body().contains("not in the history"), foreign.body());
        assertEquals(400, restore(api, repo, carolAuth, "main", good).statusCode(), "a full ref name");

        HttpResponse<String> back = restore(api, repo, carolAuth, "refs/heads/main", good);
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(200, restore(api, repo, carolAuth, "refs/heads/feature", good).statusCode());

        git.ok(work, "clone", "-q", url, "clone");
        Path clone = work.resolve("clone");
        assertEquals(good, git.revParse(clone, "origin/main"));
        assertEquals(good, git.revParse(clone, "origin/feature"));
        git.ok(clone, "fsck", "--strict");
        String after = Http.json("GET", api.resolve("/api/repos/" + repo + "/-/history?ref=refs/heads/main&limit=1"),
                carolAuth, null).body();
        assertTrue(after.contains("\"transport\":\"api\"") && after.contains("\"oldId\":\"" + oops + "\"")
                && after.contains("\"newId\":\"" + good + "\""), "the restore is in the history: " + after);
    }

    private HttpResponse<String> restore(URI api, String repo, String auth, String ref, String to) {
        return Http.json("POST", api.resolve("/api/repos/" + repo + "/-/history/restore"), auth,
                "{\"ref\":\"" + ref + "\",\"to\":\"" + to + "\"}");
    }

    private static String admin() {
        return Http.basic("admin", ADMIN_TOKEN);
    }

    private static String user(URI api, String name) {
        return Http.newUserToken(api, admin(), name);
    }
}
