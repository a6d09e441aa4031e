package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Self-service tokens with the real git client over a real port: a user makes its own
 * read-only, expiring CI token; git clones with it and cannot push (git prints the
 * refusal); it expires and is refused as a revoked one is; the user revokes another; a
 * read-only token cannot mint tokens; a token cannot outgrant its user once the user
 * has lost access. Meanwhile the user's full token keeps pushing.
 */
@QuarkusTest
@TestProfile(AuthTest.WithAuth.class)
public class ScopedTokensGitTest {
    @TestHTTPResource("/")
    URL base;

    URI api;
    Path work;
    Git git;
    String suffix;

    @BeforeEach
    void setUp() {
        api = URI.create(base.toString());
        work = TestDirs.fresh("scoped-git");
        git = new Git(work.resolve("home"));
        suffix = Long.toString(System.nanoTime(), 36);
    }

    @Test
    void aReadOnlyExpiringCiTokenClonesAndCannotPush() throws Exception {
        String alice = "alice-" + suffix;
        assertEquals(201, Http.json("POST", api.resolve("/api/users"), admin(), "{\"name\":\"" + alice + "\"}")
                .statusCode());
        String full = token(Http.json("POST", api.resolve("/api/users/" + alice + "/tokens"), admin(),
                "{\"name\":\"laptop\",\"scopes\":[\"admin\"]}"));
        String repo = TestDirs.repoName("scoped/app-" + suffix);
        assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":false,\"read\":[],\"write\":[\"" + alice + "\"]}").statusCode());
        String url = base + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);
        as(alice, full, src, "push", url, "main").ok();

        // Alice, signed in as herself, makes a read-only CI token that expires in a few seconds.
        String me = Http.basic(alice, full);
        HttpResponse<String> whoami = Http.json("GET", api.resolve("/api/user"), me, null);
        assertEquals(200, whoami.statusCode(), whoami.body());
        assertTrue(whoami.body().contains("\"name\":\"" + alice + "\"") && whoami.body().contains("\"admin\""),
                whoami.body());
        Instant expiry = Instant.now().plusSeconds(6);
        HttpResponse<String> made = Http.json("POST", api.resolve("/api/user/tokens"), me,
                "{\"name\":\"ci\",\"scopes\":[\"read\"],\"expiresAt\":\"" + expiry + "\"}");
        assertEquals(201, made.statusCode(), made.body());
        String ci = token(made);
        assertTrue(made.body().contains("\"scopes\":[\"read\"]"), made.body());
        HttpResponse<String> listed = Http.json("GET", api.resolve("/api/user/tokens"), me, null);
        assertEquals(200, listed.statusCode());
        assertTrue(listed.body().contains("\"name\":\"ci\"") && listed.body().contains(expiry.toString())
                && listed.body().contains("\"name\":\"laptop\""), listed.body());
        assertFalse(listed.body().contains(ci) || listed.body().contains(Tokens.hash(ci)), "never the secret");

        git.ok(work, "-c", "credential.helper=", "clone", "-q", "http://" + alice + ":" + ci + "@"
                + base.getHost() + ":" + base.getPort() + "/" + repo + ".git", "ci");
        git.commit(work.resolve("ci"), 1, "from-ci");
        Git.Result push = as(alice, ci, work.resolve("ci"), "push", "origin", "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("403") || push.err().contains("scopes"), push.err());

        // A read-only token cannot make tokens (nor use the API), whatever it asks for.
        String ciAuth = Http.basic(alice, ci);
        assertEquals(403, Http.json("POST", api.resolve("/api/user/tokens"), ciAuth, "{\"scopes\":[\"read\"]}")
                .statusCode());
        assertEquals(403, Http.json("GET", api.resolve("/api/user/tokens"), ciAuth, null).statusCode());
        HttpResponse<String> outgrant = Http.json("POST", api.resolve("/api/users/" + alice + "/tokens"), ciAuth,
                "{\"scopes\":[\"admin\"]}");
        assertEquals(403, outgrant.statusCode(), "only admins use /api/users");
        assertEquals(400, Http.json("POST", api.resolve("/api/user/tokens"), me,
                "{\"scopes\":[\"root\"]}").statusCode());
        assertEquals(400, Http.json("POST", api.resolve("/api/user/tokens"), me,
                "{\"expiresAt\":\"2020-01-01T00:00:00Z\"}").statusCode());
        assertEquals(401, Http.json("GET", api.resolve("/api/user"), null, null).statusCode());

        // Expired: refused exactly as a revoked token (401, git asks for credentials and fails).
        while (Instant.now().isBefore(expiry.plusMillis(200))) {
            Thread.sleep(100);
        }
        Git.Result late = as(alice, ci, work.resolve("ci"), "fetch", "origin");
        assertNotEquals(0, late.exitCode());
        // (A wrong credential counts toward the address's failed sign-ins, as a revoked one does; the
        // tests before this one in the JVM may have brought 127.0.0.1 to the limit, answered with 429.)
        assertTrue(late.err().contains("Authentication failed") || late.err().contains("too many failed sign-ins"),
                late.err());
        int status = Http.json("GET", api.resolve("/" + repo + ".git/info/refs?service=git-upload-pack"), ciAuth,
                null).statusCode();
        assertTrue(status == 401 || status == 429, "expired: " + status);

        // Revoking one of her tokens ends it; the others go on.
        String second = token(Http.json("POST", api.resolve("/api/user/tokens"), me, "{\"scopes\":[\"write\"]}"));
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(Http.json("POST",
                api.resolve("/api/user/tokens"), me, "{\"name\":\"tmp\"}").body());
        assertTrue(id.find());
        git.commit(src, 1, "with-second");
        as(alice, second, src, "push", url, "main").ok();
        String tmpId = id.group(1);
        assertEquals(204, Http.json("DELETE", api.resolve("/api/user/tokens/" + tmpId), me, null).statusCode());
        assertEquals(404, Http.json("DELETE", api.resolve("/api/user/tokens/" + tmpId), me, null).statusCode());

        // The user loses write access: every token with it, whatever its scopes.
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":false,\"read\":[\"" + alice + "\"],\"write\":[]}").statusCode());
        git.commit(src, 1, "after-loss");
        Git.Result refused = as(alice, second, src, "push", url, "main");
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.err().contains("403"), refused.err());
        assertEquals(git.revParse(src, "HEAD~1"), git.lsRemote(work, "http://" + alice + ":" + full + "@"
                + base.getHost() + ":" + base.getPort() + "/" + repo + ".git").lines()
                .filter(l -> l.endsWith("refs/heads/main")).findFirst().orElseThrow().split("\t")[0],
                "the refused push changed nothing");
    }

    private static String admin() {
        return Http.basic("admin", AuthTest.ADMIN_TOKEN);
    }

    private static String token(HttpResponse<String> answer) {
        assertEquals(201, answer.statusCode(), answer.body());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(answer.body());
        assertTrue(m.find(), answer.body());
        return m.group(1);
    }

    private Git.Result as(String user, String token, Path dir, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("-c", "credential.helper=",
                "-c", "credential.helper=!f() { test \"$1\" = get && echo username=" + user
                        + " && echo password=" + token + "; }; f"));
        all.addAll(List.of(args));
        return git.run(dir, all.toArray(String[]::new));
    }
}
