package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * A repository's lifecycle with the real git client over a real port: its owner reads
 * what it holds, moves its default branch (the next clone checks it out), deletes it (gone
 * for git and the listing at once, its name refused with the way back) and restores it
 * whole; an admin sets a quota, a push past it is refused with git printing the use and the
 * quota and nothing changes, and raising it lets the same push through.
 */
@QuarkusTest
@TestProfile(HistoryTest.NoGrace.class)
public class LifecycleTest {
    @TestHTTPResource("/")
    URL base;

    @Test
    void ownerMovesTheDefaultBranchDeletesAndRestoresAndAQuotaHolds() throws Exception {
        URI api = URI.create(base.toString());
        String suffix = Long.toString(System.nanoTime(), 36);
        String carol = "carol-" + suffix;
        String bob = "bob-" + suffix;
        String carolAuth = Http.basic(carol, user(api, carol));
        String bobToken = user(api, bob);
        String repo = TestDirs.repoName("life/app-" + suffix);
        assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin(),
                "{\"name\":\"" + repo + "\",\"owner\":\"" + carol + "\"}").statusCode());
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), carolAuth,
                "{\"public\":false,\"read\":[\"" + bob + "\"],\"write\":[]}").statusCode());
        Path work = TestDirs.fresh("lifecycle");
        Git git = new Git(work.resolve("home"));
        String url = authUrl(carol, carolAuth, repo);
        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main", "main:refs/heads/dev");
        git.commit(src, 1, "dev-only");
        git.ok(src, "push", url, "main:dev");
        String dev = git.revParse(src, "main");

        URI self = api.resolve("/api/repos/" + repo);
        HttpResponse<String> info = Http.json("GET", self, carolAuth, null);
        assertEquals(200, info.statusCode(), info.body());
        assertTrue(info.body().contains("\"owner\":\"" + carol + "\"") && info.body().contains("\"defaultBranch\":\"main\"")
                && info.body().contains("\"refs\":2") && !info.body().contains("\"lastPush\":null"), info.body());
        long size = Long.parseLong(field(info.body(), "sizeBytes"));
        assertTrue(size > 0, info.body());

        // The default branch: moved by the owner, checked out by the next clone.
        assertEquals(400, Http.json("PATCH", self, carolAuth, "{\"defaultBranch\":\"nope\"}").statusCode());
        assertEquals(400, Http.json("PATCH", self, carolAuth, "{\"visibility\":\"x\"}").statusCode(), "unknown field");
        HttpResponse<String> moved = Http.json("PATCH", self, carolAuth,
                "{\"defaultBranch\":\"dev\",\"description\":\"the app\"}");
        assertEquals(200, moved.statusCode(), moved.body());
        assertTrue(moved.body().contains("\"defaultBranch\":\"dev\"") && moved.body().contains("the app"));
        git.ok(work, "clone", "-q", url, "clone");
        assertEquals("dev", git.ok(work.resolve("clone"), "rev-parse", "--abbrev-ref", "HEAD").trimmed());
        assertEquals(dev, git.revParse(work.resolve("clone"), "HEAD"));
        assertEquals(403, Http.json("PATCH", self, Http.basic(bob, bobToken), "{\"description\":\"x\"}").statusCode());

        // A quota: set by an admin only; a push past it refused, nothing changed; raised, the push goes.
        assertEquals(403, Http.json("PATCH", self, carolAuth, "{\"quotaBytes\":1}").statusCode());
        assertEquals(200, Http.json("PATCH", self, admin(), "{\"quotaBytes\":" + (size + 2000) + "}").statusCode());
        git.commitRandomFile(src, "big.bin", 64 * 1024);
        String before = git.lsRemote(work, url);
        Git.Result over = git.run(src, "push", url, "main");
        assertNotEquals(0, over.exitCode());
        assertTrue(over.err().contains("quota exceeded") && over.err().contains("of its quota of " + (size + 2000)),
                over.err());
        assertEquals(before, git.lsRemote(work, url), "the refused push changed nothing");
        assertEquals(200, Http.json("PATCH", self, admin(), "{\"quotaBytes\":null}").statusCode());
        git.ok(src, "push", url, "main");
        String refs = git.lsRemote(work, url);

        // Deleted: gone for git, the listing and a new repository of the name; restored whole.
        assertEquals(403, Http.json("DELETE", self, Http.basic(bob, bobToken), null).statusCode());
        assertEquals(204, Http.json("DELETE", self, carolAuth, null).statusCode());
        Git.Result gone = git.run(work, "ls-remote", url);
        assertNotEquals(0, gone.exitCode());
        assertTrue(!Http.json("GET", api.resolve("/api/repos"), admin(), null).body().contains("\"" + repo + "\""));
        HttpResponse<String> again = Http.json("POST", api.resolve("/api/repos"), admin(), "{\"name\":\"" + repo + "\"}");
        assertEquals(409, again.statusCode());
        assertTrue(again.body().contains("/-/restore"), again.body());
        assertEquals(404, Http.json("DELETE", self, carolAuth, null).statusCode(), "deleted once");
        HttpResponse<String> back = Http.json("POST", api.resolve("/api/repos/" + repo + "/-/restore"), carolAuth, null);
        assertEquals(200, back.statusCode(), back.body());
        assertEquals(refs, git.lsRemote(work, url), "every ref back");
        assertEquals(409, Http.json("POST", api.resolve("/api/repos/" + repo + "/-/restore"), carolAuth, null)
                .statusCode(), "not deleted");
        git.ok(work, "clone", "-q", url, "restored");
        git.ok(work.resolve("restored"), "fsck", "--strict");
        assertTrue(Http.json("GET", api.resolve("/api/repos"), admin(), null).body().contains("\"" + repo + "\""));
    }

    private String authUrl(String user, String basic, String repo) {
        String token = new String(java.util.Base64.getDecoder().decode(basic.substring(6))).split(":", 2)[1];
        return "http://" + user + ":" + token + "@" + base.getHost() + ":" + base.getPort() + "/" + repo + ".git";
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":([0-9]+)").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    private static String admin() {
        return Http.basic("admin", HistoryTest.ADMIN_TOKEN);
    }

    private static String user(URI api, String name) {
        return Http.newUserToken(api, admin(), name);
    }
}
