package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TestIssuer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Authentication and access control with the real git client: credential
 * helpers, 401 and 403 as git reports them, public and private repositories,
 * read-only users, groups, revoked tokens, protected branches, OIDC JWTs, and
 * the admin API's own protection.
 */
@QuarkusTest
@TestProfile(AuthTest.WithAuth.class)
public class AuthTest {
    public static final String ADMIN_TOKEN = "test-bootstrap-admin-token-0123456789";

    /** Authentication on: an admin token, a JWT issuer, and no caching of auth records. */
    public static class WithAuth implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN,
                    "gitfn.auth.cache-ttl", "0s",
                    "gitfn.auth.jwt.issuer", TestIssuer.ISSUER,
                    "gitfn.auth.jwt.jwks-url", TestIssuer.jwks().toString());
        }
    }

    @TestHTTPResource("/")
    URL base;

    URI api;
    Path work;
    Git git;
    String suffix;

    @BeforeEach
    void setUp() {
        api = URI.create(base.toString());
        work = TestDirs.fresh("auth");
        git = new Git(work.resolve("home"));
        suffix = Long.toString(System.nanoTime(), 36);
    }

    @Test
    void adminApiNeedsAnAdmin() {
        String bob = user("bob", List.of());
        URI repos = api.resolve("/api/repos");
        HttpResponse<String> anonymous = Http.json("GET", repos, null, null);
        assertEquals(401, anonymous.statusCode());
        assertEquals("Basic realm=\"gitfn\"", anonymous.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(401, Http.json("GET", repos, Http.basic("admin", "wrong"), null).statusCode());
        assertEquals(403, Http.json("GET", repos, Http.basic("bob-" + suffix, bob), null).statusCode());
        assertEquals(403, Http.json("POST", api.resolve("/api/users"), Http.basic("bob-" + suffix, bob),
                "{\"name\":\"mallory-" + suffix + "\",\"groups\":[\"admins\"]}").statusCode());
        // A repository's settings are for its managers; who may not read it learns nothing of it.
        assertEquals(404, Http.json("PUT", api.resolve("/api/repos/x/-/access"), Http.basic("bob-" + suffix, bob),
                "{\"public\":true}").statusCode());
        assertEquals(200, Http.json("GET", repos, "Bearer " + ADMIN_TOKEN, null).statusCode());

        // Members of the admin group, from the store or from a JWT, are admins.
        String dave = user("dave", List.of("admins"));
        assertEquals(200, Http.json("GET", repos, Http.basic("dave-" + suffix, dave), null).statusCode());
        String jwt = TestIssuer.token(TestIssuer.ISSUER, "erin", List.of("admins"), 5);
        assertEquals(200, Http.json("GET", repos, "Bearer " + jwt, null).statusCode());
        String jwtNoAdmin = TestIssuer.token(TestIssuer.ISSUER, "erin", List.of("dev"), 5);
        assertEquals(403, Http.json("GET", repos, "Bearer " + jwtNoAdmin, null).statusCode());
    }

    @Test
    void userTokensAreShownOnceAndStoredOnlyAsHashes() throws Exception {
        String name = "frank-" + suffix;
        String token = user("frank", List.of("dev"));
        HttpResponse<String> view = Http.json("GET", api.resolve("/api/users/" + name), admin(), null);
        assertEquals(200, view.statusCode());
        assertTrue(view.body().contains("\"groups\":[\"dev\"]"), view.body());
        assertTrue(!view.body().contains(token) && !view.body().contains(Tokens.hash(token)), view.body());
        String stored = java.nio.file.Files.readString(
                Path.of("target/test-data/store/.gitfn/users/" + name + ".json"));
        assertTrue(stored.contains(Tokens.hash(token)) && !stored.contains(token), stored);
        assertEquals(409, Http.json("POST", api.resolve("/api/users"), admin(), "{\"name\":\"" + name + "\"}")
                .statusCode());
        assertEquals(400, Http.json("POST", api.resolve("/api/users"), admin(), "{\"name\":\"../x\"}").statusCode());
        assertEquals(400, Http.json("POST", api.resolve("/api/users"), admin(), "{\"name\":\"\"}").statusCode());
        assertEquals(404, Http.json("POST", api.resolve("/api/users/nobody-" + suffix + "/tokens"), admin(), null)
                .statusCode());
    }

    @Test
    void publicRepositoryIsReadableByAnyoneAndWritableByNone() {
        String alice = user("alice", List.of());
        String repo = repo("public", "{\"public\":true,\"read\":[],\"write\":[\"alice-" + suffix + "\"]}");
        String url = base + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);
        as("alice", alice, src, "push", url, "main").ok();
        String refs = git.lsRemote(work, url);

        git.ok(work, "clone", "-q", url, "anon");
        git.commit(work.resolve("anon"), 1, "anon");
        Git.Result push = git.run(work.resolve("anon"), "push", url, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("could not read Username"), push.err());
        assertEquals(refs, git.lsRemote(work, url));
    }

    @Test
    void privateRepositoryAsksForCredentialsAndTellsReadersFromWriters() {
        String alice = user("alice", List.of("dev"));
        String bob = user("bob", List.of());
        String carol = user("carol", List.of("qa"));
        String repo = repo("private", "{\"public\":false,\"read\":[\"bob-" + suffix
                + "\",\"group:qa\"],\"write\":[\"group:dev\"]}");
        String url = base + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);

        Git.Result anonymous = git.run(work, "ls-remote", url);
        assertEquals(128, anonymous.exitCode());
        assertTrue(anonymous.err().contains("could not read Username"), anonymous.err());
        Git.Result wrong = as("alice", "gfn_wrong", work, "ls-remote", url);
        assertEquals(128, wrong.exitCode());
        assertTrue(wrong.err().contains("Authentication failed for"), wrong.err());

        as("alice", alice, src, "push", url, "main").ok(); // write through group:dev
        as("bob", bob, work, "clone", "-q", url, "bob").ok();
        git.commit(work.resolve("bob"), 1, "bob");
        Git.Result bobPush = as("bob", bob, work.resolve("bob"), "push", url, "main");
        assertEquals(128, bobPush.exitCode());
        assertTrue(bobPush.err().contains("The requested URL returned error: 403"), bobPush.err());
        as("carol", carol, work, "clone", "-q", url, "carol").ok(); // read through group:qa
        assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("carol"), "main"));

        // A revoked token stops working at once (cache-ttl is 0 here).
        String id = tokenId("alice");
        assertEquals(204, Http.json("DELETE", api.resolve("/api/users/alice-" + suffix + "/tokens/" + id), admin(),
                null).statusCode());
        Git.Result revoked = as("alice", alice, work, "ls-remote", url);
        assertTrue(revoked.err().contains("Authentication failed for"), revoked.err());
    }

    @Test
    void protectedBranchRefusesForcePushAndDeletion() {
        String alice = user("alice", List.of());
        String repo = repo("protected", "{\"public\":false,\"read\":[],\"write\":[\"alice-" + suffix + "\"]}");
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/protected"), admin(),
                "{\"refs\":[\"refs/heads/main\",\"refs/heads/release/*\"]}").statusCode());
        assertEquals(400, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/protected"), admin(),
                "{\"refs\":[\"main..x\"]}").statusCode());
        String url = base + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 3);
        as("alice", alice, src, "push", url, "main", "main:refs/heads/release/1", "main:feature").ok();
        String before = as("alice", alice, work, "ls-remote", url).ok().trimmed();

        Git.Result force = as("alice", alice, src, "push", "--force", url, "main~1:main");
        assertNotEquals(0, force.exitCode());
        assertTrue(force.err().contains("protected branch: force-push refused"), force.err());
        Git.Result delete = as("alice", alice, src, "push", url, ":refs/heads/release/1");
        assertTrue(delete.err().contains("protected branch: deletion refused"), delete.err());
        Git.Result atomic = as("alice", alice, src, "push", "--atomic", "--force", url, "main~1:main",
                "main~2:feature");
        assertNotEquals(0, atomic.exitCode());
        assertEquals(before, as("alice", alice, work, "ls-remote", url).ok().trimmed());

        // Forward moves of protected refs and rewrites of others still work.
        as("alice", alice, src, "push", "--force", url, "main~2:feature").ok();
        git.commit(src, 1, "more");
        as("alice", alice, src, "push", url, "main").ok();
    }

    @Test
    void bearerJwtFromTheOidcProvider() {
        String repo = repo("jwt", "{\"public\":false,\"read\":[\"group:qa\"],\"write\":[\"erin\"]}");
        String url = base + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);
        String erin = TestIssuer.token(TestIssuer.ISSUER, "erin", List.of("qa"), 5);
        bearer(erin, src, "push", url, "main").ok();
        String qa = TestIssuer.token(TestIssuer.ISSUER, "someone", List.of("qa"), 5);
        bearer(qa, work, "clone", "-q", url, "qa").ok();

        // One group given as a plain string is that group.
        String single = TestIssuer.tokenWithOneGroupAsString("someone-else", "qa");
        bearer(single, work, "ls-remote", url).ok();

        for (String bad : List.of(TestIssuer.token(TestIssuer.ISSUER, "erin", List.of("qa"), -5),
                TestIssuer.token(TestIssuer.ISSUER, "erin", List.of("qa"), 60 * 24 * 30), // a month: too long

                TestIssuer.token("https://elsewhere.example", "erin", List.of("qa"), 5),
                TestIssuer.forgedToken("erin", List.of("qa")), "not.a.jwt")) {
            Git.Result refused = bearer(bad, work, "ls-remote", url);
            assertEquals(128, refused.exitCode(), refused.err());
            assertTrue(refused.err().contains("could not read Username"), refused.err());
        }
        String nobody = TestIssuer.token(TestIssuer.ISSUER, "stranger", List.of("dev"), 5);
        // Signed in without read access: answered as for a missing repository, which reveals nothing.
        Git.Result hidden = bearer(nobody, work, "ls-remote", url);
        assertTrue(hidden.err().contains("repository '" + url + "/' not found"), hidden.err());
    }

    @Test
    void tunnelTakesTheSameCredentials() {
        String alice = user("alice", List.of());
        String bob = user("bob", List.of());
        String repo = repo("tunnel", "{\"public\":false,\"read\":[\"bob-" + suffix + "\"],\"write\":[\"alice-"
                + suffix + "\"]}");
        String ws = base.toString().replace("http://", "ws://") + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);

        as("alice", alice, src, "push", ws, "main").ok(); // git's credential helper, as for HTTP
        as("bob", bob, work, "clone", "-q", ws, "bob").ok();
        Git.Result bobPush = as("bob", bob, src, "push", ws, "main:refs/heads/bob");
        assertEquals(128, bobPush.exitCode());
        assertTrue(bobPush.err().contains("The requested URL returned error: 403"), bobPush.err());

        Git.Result wrong = as("alice", "gfn_wrong", work, "ls-remote", ws);
        assertEquals(128, wrong.exitCode());
        assertTrue(wrong.err().contains("Authentication failed for '" + ws + "'"), wrong.err());
        Git.Result anonymous = git.run(work, "ls-remote", ws);
        assertEquals(128, anonymous.exitCode());
        assertTrue(anonymous.err().contains("could not read Username"), anonymous.err());

        // A token in the URL, or in the environment (a JWT as Bearer).
        String inUrl = ws.replace("ws://", "ws://alice-" + suffix + ":" + alice + "@");
        git.ok(work, "ls-remote", inUrl);
        String jwt = TestIssuer.token(TestIssuer.ISSUER, "bob-" + suffix, List.of(), 5);
        git.run(work, Map.of("GITFN_TOKEN", jwt), "ls-remote", ws).ok();
        Git.Result badJwt = git.run(work, Map.of("GITFN_TOKEN", "not-a-token"), "ls-remote", ws);
        assertTrue(badJwt.err().contains("Authentication failed for"), badJwt.err());
    }

    // ---- helpers ----

    private String admin() {
        return Http.basic("admin", ADMIN_TOKEN);
    }

    /** Creates user {@code <name>-<suffix>} and returns a new token for it. */
    private String user(String name, List<String> groups) {
        String full = name + "-" + suffix;
        StringBuilder json = new StringBuilder("{\"name\":\"" + full + "\",\"groups\":[");
        for (int i = 0; i < groups.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(groups.get(i)).append('"');
        }
        json.append("]}");
        assertEquals(201, Http.json("POST", api.resolve("/api/users"), admin(), json.toString()).statusCode());
        HttpResponse<String> token = Http.json("POST", api.resolve("/api/users/" + full + "/tokens"), admin(), null);
        assertEquals(201, token.statusCode(), token.body());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(token.body());
        assertTrue(m.find(), token.body());
        return m.group(1);
    }

    private String tokenId(String name) {
        HttpResponse<String> view = Http.json("GET", api.resolve("/api/users/" + name + "-" + suffix), admin(), null);
        Matcher m = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(view.body());
        assertTrue(m.find(), view.body());
        return m.group(1);
    }

    /** Creates a repository through the API and sets its access list. */
    private String repo(String name, String accessJson) {
        String repo = TestDirs.repoName("auth/" + name + "-" + suffix);
        assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        HttpResponse<String> set = Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), admin(),
                accessJson);
        assertEquals(200, set.statusCode(), set.body());
        return repo;
    }

    /** git with a credential helper that answers {@code <user>-<suffix>} and {@code token}. */
    private Git.Result as(String user, String token, Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("-c", "credential.helper=",
                "-c", "credential.helper=!f() { test \"$1\" = get && echo username=" + user + "-" + suffix
                        + " && echo password=" + token + "; }; f"));
        all.addAll(List.of(args));
        return git.run(dir, all.toArray(String[]::new));
    }

    /** git sending a bearer token on every request, as a CI job with an OIDC token would. */
    private Git.Result bearer(String token, Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("-c", "http.extraHeader=Authorization: Bearer " + token));
        all.addAll(List.of(args));
        return git.run(dir, all.toArray(String[]::new));
    }
}
