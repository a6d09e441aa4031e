package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.ssh.SshTransport;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.Ssh;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TransportsProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Deploy tokens and deploy keys from outside, with the real git and OpenSSH clients: each
 * is good for its one repository and for nothing else (no other repository, no API), does
 * only what its scope says, and stops at once when revoked or expired; a repository's owner
 * manages them, and a rename keeps them working under the new name.
 */
@QuarkusTest
@TestProfile(TransportsProfile.class)
class DeployCredentialsTest {
    @TestHTTPResource("/")
    URL base;

    @Inject
    SshTransport ssh;

    private Path work;
    private Git git;
    private String suffix;

    @BeforeEach
    void setUp() {
        work = TestDirs.fresh("deploy");
        git = new Git(work.resolve("home"));
        suffix = Long.toString(System.nanoTime(), 36);
    }

    private static String admin() {
        return Http.basic("admin", TransportsProfile.ADMIN_TOKEN);
    }

    private URI api(String path) {
        return URI.create(base.toString()).resolve(path);
    }

    private String url(String secret, String repo) {
        return "http://deploy:" + secret + "@" + base.getHost() + ":" + base.getPort() + "/" + repo + ".git";
    }

    /** A private repository owned by a new user, with two commits pushed; returns its name. */
    private String ownedRepo(String owner, String name) {
        String repo = TestDirs.repoName("deploy/" + name + "-" + suffix);
        assertEquals(201, Http.json("POST", api("/api/repos"), admin(),
                "{\"name\":\"" + repo + "\",\"owner\":\"" + owner + "\"}").statusCode());
        assertEquals(200, Http.putAccess(base.toString(), admin(), repo, "{\"public\":false}").statusCode());
        Path src = git.newRepo(work.resolve("src-" + name), 2);
        git.ok(src, "push", "http://admin:" + TransportsProfile.ADMIN_TOKEN + "@" + base.getHost() + ":"
                + base.getPort() + "/" + repo + ".git", "main");
        return repo;
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    @Test
    void deployTokensHoldForTheirRepositoryAndScopeOnly() throws Exception {
        String owner = "dep-" + suffix;
        String ownerAuth = Http.basic(owner, Http.newUserToken(api("/"), admin(), owner));
        String repo = ownedRepo(owner, "app");
        String other = ownedRepo(owner, "other");

        HttpResponse<String> read = Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth,
                "{\"name\":\"ci\"}");
        assertEquals(201, read.statusCode(), read.body());
        String readToken = field(read.body(), "token");
        assertTrue(readToken.startsWith("gfd_") && read.body().contains("\"scopes\":[\"read\"]"), "read by default");
        git.ok(work, "clone", "-q", url(readToken, repo), "by-token");
        // Read only: git prints why the push is refused, and nothing changes.
        git.commit(work.resolve("by-token"), 1, "from-ci");
        Git.Result push = git.run(work.resolve("by-token"), "push", "origin", "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("do not allow pushing to " + repo), push.err());
        // Not another repository of the same owner, not the API.
        assertNotEquals(0, git.run(work, "ls-remote", url(readToken, other)).exitCode());
        assertEquals(401, Http.json("GET", api("/api/repos/" + repo), Http.basic("deploy", readToken), null)
                .statusCode());
        assertEquals(401, Http.json("GET", api("/api/user/tokens"), "Bearer " + readToken, null).statusCode());
        // The listing never shows a secret.
        String listed = Http.json("GET", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth, null).body();
        assertTrue(listed.contains("\"name\":\"ci\"") && !listed.contains(readToken) && !listed.contains("sha256"),
                listed);

        // A write token pushes; the history names it.
        String writeToken = field(Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth,
                "{\"name\":\"deployer\",\"scopes\":[\"write\"]}").body(), "token");
        git.ok(work.resolve("by-token"), "push", url(writeToken, repo), "main");
        String history = Http.json("GET", api("/api/repos/" + repo + "/-/history"), ownerAuth, null).body();
        assertTrue(history.contains("deploy:"), history);

        // Refused: an admin scope, a past expiry; a user who does not manage the repository.
        assertEquals(400, Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth,
                "{\"scopes\":[\"admin\"]}").statusCode());
        assertEquals(400, Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth,
                "{\"expiresAt\":\"2020-01-01T00:00:00Z\"}").statusCode());
        String stranger = "stranger-" + suffix;
        String strangerAuth = Http.basic(stranger, Http.newUserToken(api("/"), admin(), stranger));
        assertNotEquals(201, Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), strangerAuth, "{}")
                .statusCode());

        // Expired and revoked tokens are refused alike, at once.
        String soon = java.time.Instant.now().plusSeconds(5).toString();
        String expiring = field(Http.json("POST", api("/api/repos/" + repo + "/-/deploy-tokens"), ownerAuth,
                "{\"expiresAt\":\"" + soon + "\"}").body(), "token");
        git.ok(work, "ls-remote", url(expiring, repo));
        String readId = field(read.body(), "id");
        assertEquals(204, Http.json("DELETE", api("/api/repos/" + repo + "/-/deploy-tokens/" + readId), ownerAuth,
                null).statusCode());
        Git.Result revoked = git.run(work, "ls-remote", url(readToken, repo));
        assertNotEquals(0, revoked.exitCode());
        Thread.sleep(5100);
        Git.Result expired = git.run(work, "ls-remote", url(expiring, repo));
        assertNotEquals(0, expired.exitCode());
        assertEquals(revoked.err().replace(readToken, "T").replaceAll("deploy:[^@]*@", ""),
                expired.err().replace(expiring, "T").replaceAll("deploy:[^@]*@", ""), "refused alike");
        assertEquals(404, Http.json("DELETE", api("/api/repos/" + repo + "/-/deploy-tokens/" + readId), ownerAuth,
                null).statusCode());

        // A rename keeps the write token working under the new name.
        String moved = repo + "-moved";
        assertEquals(200, Http.json("PATCH", api("/api/repos/" + repo), ownerAuth, "{\"name\":\"" + moved + "\"}")
                .statusCode());
        git.ok(work, "ls-remote", url(writeToken, moved));
    }

    @Test
    void deployKeysHoldForTheirRepositoryAndOnlyWriteWhenAllowed() throws Exception {
        Ssh client = new Ssh(work.resolve("ssh"));
        client.trust(ssh.port());
        String owner = "kdep-" + suffix;
        String ownerAuth = Http.basic(owner, Http.newUserToken(api("/"), admin(), owner));
        String repo = ownedRepo(owner, "keyed");
        String other = ownedRepo(owner, "unkeyed");
        Path readKey = client.newKey("deploy-read-" + suffix);
        Path writeKey = client.newKey("deploy-write-" + suffix);
        HttpResponse<String> added = Http.json("POST", api("/api/repos/" + repo + "/-/deploy-keys"), ownerAuth,
                "{\"key\":\"" + Ssh.publicLine(readKey) + "\",\"title\":\"ci\"}");
        assertEquals(201, added.statusCode(), added.body());
        assertTrue(added.body().contains("\"write\":false"), added.body());
        assertEquals(201, Http.json("POST", api("/api/repos/" + repo + "/-/deploy-keys"), ownerAuth,
                "{\"key\":\"" + Ssh.publicLine(writeKey) + "\",\"write\":true}").statusCode());
        String sshUrl = "ssh://git@127.0.0.1:" + ssh.port() + "/" + repo + ".git";
        Git reader = new Git(work.resolve("home-r")).withEnv("GIT_SSH_COMMAND", client.gitSshCommand(readKey));
        Git writer = new Git(work.resolve("home-w")).withEnv("GIT_SSH_COMMAND", client.gitSshCommand(writeKey));

        reader.ok(work, "clone", "-q", sshUrl, "by-key");
        reader.commit(work.resolve("by-key"), 1, "from-key");
        Git.Result push = reader.run(work.resolve("by-key"), "push", "origin", "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("do not allow pushing to " + repo), push.err());
        writer.ok(work.resolve("by-key"), "push", sshUrl, "main");
        // Not another repository: answered as a missing one.
        Git.Result elsewhere = reader.run(work, "ls-remote", "ssh://git@127.0.0.1:" + ssh.port() + "/" + other + ".git");
        assertNotEquals(0, elsewhere.exitCode());
        assertTrue(elsewhere.err().contains("does not appear to be a git repository"), elsewhere.err());

        // A key is one user's or one repository's.
        assertEquals(409, Http.json("POST", api("/api/repos/" + other + "/-/deploy-keys"), ownerAuth,
                "{\"key\":\"" + Ssh.publicLine(readKey) + "\"}").statusCode());
        assertEquals(409, Http.json("POST", api("/api/users/" + owner + "/keys"), admin(),
                "{\"key\":\"" + Ssh.publicLine(readKey) + "\"}").statusCode());
        assertEquals(400, Http.json("POST", api("/api/repos/" + repo + "/-/deploy-keys"), ownerAuth,
                "{\"key\":\"ssh-rsa AAAA\"}").statusCode());

        // A rename keeps the key working under the new name (and not under the old one).
        String moved = repo + "-moved";
        assertEquals(200, Http.json("PATCH", api("/api/repos/" + repo), ownerAuth, "{\"name\":\"" + moved + "\"}")
                .statusCode());
        reader.ok(work, "ls-remote", "ssh://git@127.0.0.1:" + ssh.port() + "/" + moved + ".git");

        // Removed: it signs nothing in any more.
        String keys = Http.json("GET", api("/api/repos/" + moved + "/-/deploy-keys"), ownerAuth, null).body();
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f]+)\",\"key\":\"[^\"]+\",\"fingerprint\":\"[^\"]+\",\"title\":\"ci\"")
                .matcher(keys);
        assertTrue(id.find(), keys);
        assertEquals(204, Http.json("DELETE", api("/api/repos/" + moved + "/-/deploy-keys/" + id.group(1)), ownerAuth,
                null).statusCode());
        Git.Result removed = reader.run(work, "ls-remote", "ssh://git@127.0.0.1:" + ssh.port() + "/" + moved + ".git");
        assertNotEquals(0, removed.exitCode());
        assertFalse(Http.json("GET", api("/api/repos/" + moved + "/-/deploy-keys"), ownerAuth, null).body()
                .contains("\"title\":\"ci\""));
    }
}
