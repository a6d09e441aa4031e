package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.auth.AuthorizationMatrixTest.Access;
import dev.gitfn.auth.AuthorizationMatrixTest.Kind;
import dev.gitfn.auth.AuthorizationMatrixTest.Who;
import dev.gitfn.daemon.GitDaemon;
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
 * The authorization matrix's rows for SSH and git://: every identity SSH can present and
 * every kind of repository, fetch and push, with the real git and OpenSSH, in the test JVM.
 * The rule is {@link AuthorizationMatrixTest#expectedGit}'s, in each transport's words; a
 * refused push leaves the ref state byte for byte as it was.
 */
@QuarkusTest
@TestProfile(TransportsProfile.class)
class TransportMatrixTest {
    private static final Path STORE = Path.of("target/test-data/store");

    /** Who an SSH connection can be. */
    enum SshWho {
        UNKNOWN_KEY(null), REMOVED_KEY(null), NO_GRANT(Who.NO_GRANT), READER(Who.READER), WRITER(Who.WRITER),
        ADMIN(Who.ADMIN);

        /** The HTTP identity with the same rights (null: the key signs no one in). */
        final Who like;

        SshWho(Who like) {
            this.like = like;
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Inject
    SshTransport ssh;

    @Inject
    GitDaemon daemon;

    private static boolean ready;
    private static Path work;
    private static Ssh client;
    private static Git git;
    private static Path src;
    private static final Map<SshWho, Path> KEYS = new EnumMap<>(SshWho.class);
    private static final Map<Kind, String> REPOS = new EnumMap<>(Kind.class);
    private static int counter;

    private String admin() {
        return Http.basic("admin", TransportsProfile.ADMIN_TOKEN);
    }

    private int api(String method, String path, String body) {
        return Http.json(method, java.net.URI.create(base.toString()).resolve(path), admin(), body).statusCode();
    }

    @BeforeEach
    void setUpOnce() throws Exception {
        if (ready) {
            return;
        }
        String suffix = Long.toString(System.nanoTime(), 36);
        work = TestDirs.fresh("transport-matrix");
        client = new Ssh(work.resolve("ssh"));
        client.trust(ssh.port());
        git = new Git(work.resolve("home"));
        for (SshWho who : SshWho.values()) {
            Path key = client.newKey(who.name().toLowerCase());
            KEYS.put(who, key);
            if (who == SshWho.UNKNOWN_KEY) {
                continue;
            }
            String name = who.name().toLowerCase().replace('_', '-') + "-" + suffix;
            String groups = who == SshWho.ADMIN ? "[\"admins\"]" : "[]";
            assertEquals(201, api("POST", "/api/users", "{\"name\":\"" + name + "\",\"groups\":" + groups + "}"));
            assertEquals(201, api("POST", "/api/users/" + name + "/keys", "{\"key\":\"" + Ssh.publicLine(key) + "\"}"));
            if (who == SshWho.REMOVED_KEY) {
                String listed = Http.json("GET", java.net.URI.create(base + "api/users/" + name + "/keys"), admin(),
                        null).body();
                String id = listed.replaceAll("(?s).*\"id\":\"([0-9a-f]+)\".*", "$1");
                assertEquals(204, api("DELETE", "/api/users/" + name + "/keys/" + id, null));
            }
        }
        src = git.newRepo(work.resolve("src"), 2);
        String http = base.toString().replace("http://", "http://admin:" + TransportsProfile.ADMIN_TOKEN + "@");
        for (Kind kind : Kind.values()) {
            String repo = TestDirs.repoName("tmatrix/" + kind.name().toLowerCase() + "-" + suffix);
            REPOS.put(kind, repo);
            if (kind == Kind.MISSING) {
                continue;
            }
            assertEquals(201, api("POST", "/api/repos", "{\"name\":\"" + repo + "\"}"));
            String access = "{\"public\":" + (kind == Kind.PUBLIC) + ",\"read\":[\"reader-" + suffix
                    + "\"],\"write\":[\"writer-" + suffix + "\"]}";
            assertEquals(200, api("PUT", "/api/repos/" + repo + "/-/access", access));
            if (kind == Kind.PROTECTED) {
                assertEquals(200, api("PUT", "/api/repos/" + repo + "/-/protected", "{\"refs\":[\"refs/heads/main\"]}"));
            }
            git.ok(src, "push", http + repo + ".git", "main");
        }
        ready = true;
    }

    private static byte[] state(Kind kind) throws java.io.IOException {
        Path file = STORE.resolve(REPOS.get(kind) + ".git").resolve("gitfn-state");
        return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    }

    /**
     * One row: success when {@code expected} is null, else a failure whose stderr says it;
     * a refused row leaves the ref state byte for byte as it was.
     */
    private static void check(List<String> failures, String row, String expected, Git.Result r, byte[] before,
            Kind kind) throws java.io.IOException {
        if (expected == null ? r.exitCode() != 0 : r.exitCode() == 0 || !r.err().contains(expected)) {
            failures.add(row + ": expected " + (expected == null ? "success" : expected) + ", got exit "
                    + r.exitCode() + ": " + r.err().trim());
        } else if (expected != null && !java.util.Arrays.equals(before, state(kind))) {
            failures.add(row + ": the store changed");
        }
    }

    @Test
    void everySshIdentityForEveryRepository() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (SshWho who : SshWho.values()) {
                for (Access access : List.of(Access.READ, Access.WRITE)) { // (VIEW is the web view's)
                    String row = "ssh " + access + " " + kind + " " + who;
                    Git as = new Git(work.resolve("home")).withEnv("GIT_SSH_COMMAND", client.gitSshCommand(KEYS.get(who)));
                    String url = "ssh://git@127.0.0.1:" + ssh.port() + "/" + REPOS.get(kind) + ".git";
                    byte[] before = state(kind);
                    Git.Result r = access == Access.READ ? as.run(work, "ls-remote", url)
                            : as.run(src, "push", url, "main:refs/heads/t-" + (++counter));
                    String expected;
                    if (who.like == null) {
                        expected = "Permission denied (publickey)";
                    } else {
                        expected = switch (AuthorizationMatrixTest.expectedGit(who.like, kind, access)) {
                            case 200 -> null;
                            case 403 -> "may not push to";
                            default -> "does not appear to be a git repository";
                        };
                    }
                    check(failures, row, expected, r, before, kind);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " rows differ:\n" + String.join("\n", failures));
    }

    @Test
    void gitDaemonServesPublicRepositoriesOnlyAndNeverPushes() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            for (Access access : List.of(Access.READ, Access.WRITE)) { // (VIEW is the web view's)
                String row = "git:// " + access + " " + kind;
                String url = "git://127.0.0.1:" + daemon.port() + "/" + REPOS.get(kind) + ".git";
                byte[] before = state(kind);
                Git.Result r = access == Access.READ ? git.run(work, "ls-remote", url)
                        : git.run(src, "push", url, "main:refs/heads/t-" + (++counter));
                String expected = access == Access.WRITE ? "service not enabled"
                        : AuthorizationMatrixTest.expectedGit(Who.ANONYMOUS, kind, access) == 200 ? null
                        : "access denied or repository not exported";
                check(failures, row, expected, r, before, kind);
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " rows differ:\n" + String.join("\n", failures));
    }
}
