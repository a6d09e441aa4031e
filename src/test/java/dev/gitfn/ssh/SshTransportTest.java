package dev.gitfn.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.Ssh;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TransportsProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * git over SSH with OpenSSH's client and the real git, in the test JVM: keys managed through
 * the API, the same access lists and protected refs as HTTP, only git's commands, the limits.
 */
@QuarkusTest
@TestProfile(TransportsProfile.class)
class SshTransportTest {
    @TestHTTPResource("/")
    URL base;

    @Inject
    SshTransport ssh;

    private Path work;
    private Git git;
    private Ssh client;
    private String suffix;

    @BeforeEach
    void setUp() throws Exception {
        work = TestDirs.fresh("ssh");
        git = new Git(work.resolve("home"));
        client = new Ssh(work.resolve("ssh"));
        client.trust(ssh.port());
        suffix = Long.toString(System.nanoTime(), 36);
    }

    private String admin() {
        return Http.basic("admin", TransportsProfile.ADMIN_TOKEN);
    }

    private HttpResponse<String> api(String method, String path, String body) {
        return Http.json(method, java.net.URI.create(base.toString()).resolve(path), admin(), body);
    }

    /** A user with one new key; returns the private key file. */
    private Path userWithKey(String name) {
        assertEquals(201, api("POST", "/api/users", "{\"name\":\"" + name + "\"}").statusCode());
        Path key = client.newKey(name);
        HttpResponse<String> added = api("POST", "/api/users/" + name + "/keys",
                "{\"key\":\"" + Ssh.publicLine(key) + "\"}");
        assertEquals(201, added.statusCode(), added.body());
        return key;
    }

    private String repo(String name, String access) {
        String repo = TestDirs.repoName("ssh/" + name + "-" + suffix);
        assertEquals(201, api("POST", "/api/repos", "{\"name\":\"" + repo + "\"}").statusCode());
        assertEquals(200, api("PUT", "/api/repos/" + repo + "/-/access", access).statusCode());
        return repo;
    }

    private String url(String repo) {
        return "ssh://git@127.0.0.1:" + ssh.port() + "/" + repo + ".git";
    }

    private Git as(Path key) {
        return new Git(work.resolve("home-" + key.getFileName())).withEnv("GIT_SSH_COMMAND", client.gitSshCommand(key));
    }

    /**
     * git-lfs over an SSH remote: it asks {@code git-lfs-authenticate} for the LFS API's
     * address and a short-lived ticket, then moves the bytes over HTTP with it. The ticket
     * holds for its repository and operation only, and not for the API.
     */
    @Test
    void gitLfsOverSshGetsATicketForItsRepositoryAndOperation() throws Exception {
        String writer = "lw-" + suffix;
        String reader = "lr-" + suffix;
        Path writerKey = userWithKey(writer);
        Path readerKey = userWithKey(reader);
        String repo = repo("lfs", "{\"public\":false,\"read\":[\"" + reader + "\"],\"write\":[\"" + writer + "\"]}");
        String other = repo("lfs-other", "{\"public\":false,\"read\":[\"" + reader + "\"],\"write\":[\"" + writer
                + "\"]}");
        Git w = as(writerKey);
        w.ok(work, "lfs", "install", "--skip-repo");
        Path src = w.newRepo(work.resolve("lfs-src"), 1);
        w.ok(src, "lfs", "track", "*.bin");
        byte[] model = new byte[300_000];
        new java.util.Random(7).nextBytes(model);
        Files.write(src.resolve("model.bin"), model);
        w.ok(src, "add", ".gitattributes", "model.bin");
        w.ok(src, "commit", "-q", "-m", "model");
        w.ok(src, "remote", "add", "origin", url(repo));
        Git.Result pushed = w.run(src, Map.of("GIT_TRACE", "1"), "push", "origin", "main");
        assertEquals(0, pushed.exitCode(), pushed.err());
        assertTrue(pushed.err().contains("git-lfs-authenticate"), "git-lfs asked the SSH remote: " + pushed.err());
        Git r = as(readerKey);
        r.ok(work, "lfs", "install", "--skip-repo");
        r.ok(work, "clone", "-q", url(repo), "lfs-clone");
        assertTrue(java.util.Arrays.equals(model, Files.readAllBytes(work.resolve("lfs-clone/model.bin"))),
                "the bytes came back through LFS");
        r.ok(work.resolve("lfs-clone"), "lfs", "fsck");

        // What git-lfs-authenticate answers, and what the ticket is good for.
        Ssh.Result download = client.exec(readerKey, ssh.port(), null, "git-lfs-authenticate", "'" + repo + ".git'",
                "download");
        assertEquals(0, download.exit(), download.err());
        Matcher ticket = Pattern.compile("\"Authorization\":\"(Bearer gfl_[^\"]+)\"").matcher(download.out());
        assertTrue(ticket.find(), download.out());
        assertTrue(download.out().contains("\"href\":\"http://127.0.0.1:" + base.getPort() + "/" + repo
                + ".git/info/lfs\""), download.out());
        String batch = "{\"operation\":\"%s\",\"objects\":[{\"oid\":\"" + "ab".repeat(32) + "\",\"size\":3}]}";
        assertEquals(200, lfsBatch(repo, ticket.group(1), batch.formatted("download")));
        assertEquals(403, lfsBatch(repo, ticket.group(1), batch.formatted("upload")), "a download ticket uploads nothing");
        assertEquals(401, lfsBatch(other, ticket.group(1), batch.formatted("download")), "another repository's");
        assertEquals(401, Http.json("GET", java.net.URI.create(base + "api/user"), ticket.group(1), null).statusCode());
        // A character well inside the signature: the last one carries bits base64 decoding drops.
        String t = ticket.group(1);
        int at = t.length() - 5;
        String changed = t.substring(0, at) + (t.charAt(at) == 'A' ? 'B' : 'A') + t.substring(at + 1);
        assertEquals(401, lfsBatch(repo, changed, batch.formatted("download")), "a changed ticket");
        // A reader asking to upload is refused before any ticket is made.
        Ssh.Result upload = client.exec(readerKey, ssh.port(), null, "git-lfs-authenticate", repo + ".git", "upload");
        assertNotEquals(0, upload.exit());
        assertTrue(upload.err().contains("fatal:"), upload.err());
        // Removing the user ends the ticket at once.
        assertEquals(204, api("DELETE", "/api/users/" + reader, null).statusCode());
        assertEquals(401, lfsBatch(repo, ticket.group(1), batch.formatted("download")));
    }

    private int lfsBatch(String repo, String authorization, String body) {
        return Http.send("POST", java.net.URI.create(base + repo + ".git/info/lfs/objects/batch"),
                Map.of("Authorization", authorization, "Content-Type", "application/vnd.git-lfs+json",
                        "Accept", "application/vnd.git-lfs+json"), body.getBytes(StandardCharsets.UTF_8)).statusCode();
    }

    @Test
    void cloneFetchPushShallowPartialAndAtomicOverSshWithVersion2() throws Exception {
        String writer = "w-" + suffix;
        Path key = userWithKey(writer);
        String repo = repo("app", "{\"public\":false,\"read\":[],\"write\":[\"" + writer + "\"]}");
        Git g = as(key);
        Path src = g.newRepo(work.resolve("src"), 3);
        g.ok(src, "push", url(repo), "main");

        Git.Result traced = g.run(work, Map.of("GIT_TRACE_PACKET", "1"), "-c", "protocol.version=2", "clone", "-q",
                url(repo), "v2");
        assertEquals(0, traced.exitCode(), traced.err());
        assertTrue(traced.err().contains("clone< version 2"), "the server spoke protocol v2:\n" + traced.err());
        assertEquals(g.revParse(src, "main"), g.revParse(work.resolve("v2"), "HEAD"));
        g.ok(work.resolve("v2"), "fsck", "--strict");

        g.ok(work, "-c", "protocol.version=0", "clone", "-q", url(repo), "v0");
        // git@host:team/app.git, the form people copy: the path arrives without its leading slash.
        Git scpLike = new Git(work.resolve("home-scp")).withEnv("GIT_SSH_COMMAND",
                client.gitSshCommand(key) + " -p " + ssh.port());
        scpLike.ok(work, "clone", "-q", "git@127.0.0.1:" + repo + ".git", "scp-like");
        assertEquals(g.revParse(src, "main"), g.revParse(work.resolve("scp-like"), "HEAD"));
        g.ok(work, "clone", "-q", "--depth", "1", url(repo), "shallow");
        assertEquals("1", g.ok(work.resolve("shallow"), "rev-list", "--count", "HEAD").trimmed());
        g.ok(work, "clone", "-q", "--filter=blob:none", url(repo), "partial");
        g.ok(work.resolve("partial"), "log", "-p", "--format=%H"); // older blobs, fetched lazily by id
        g.ok(work.resolve("partial"), "fsck");

        g.commit(src, 1, "more");
        g.ok(src, "branch", "side");
        g.ok(src, "push", "--atomic", url(repo), "main", "side");
        g.ok(work.resolve("v0"), "fetch", "-q", "origin");
        assertEquals(g.revParse(src, "main"), g.revParse(work.resolve("v0"), "origin/main"));
        // The push went through the same commit as HTTP: HTTP clients see it at once.
        String http = base.toString().replace("http://", "http://admin:" + TransportsProfile.ADMIN_TOKEN + "@")
                + repo + ".git";
        assertTrue(git.lsRemote(work, http).contains(g.revParse(src, "side") + "\trefs/heads/side"));
    }

    @Test
    void aRenamedRepositorysOldNameSaysWhereItWent() throws Exception {
        String writer = "w-" + suffix;
        Path key = userWithKey(writer);
        String repo = repo("before", "{\"public\":false,\"read\":[],\"write\":[\"" + writer + "\"]}");
        String moved = repo.replace("before-", "after-");
        Git g = as(key);
        Path src = g.newRepo(work.resolve("src"), 2);
        g.ok(src, "push", url(repo), "main");
        assertEquals(200, api("PATCH", "/api/repos/" + repo, "{\"name\":\"" + moved + "\"}").statusCode());
        // SSH cannot redirect: git prints where it went, and the new name serves it.
        Git.Result old = g.run(work, "clone", "-q", url(repo), "old");
        assertEquals(128, old.exitCode());
        assertTrue(old.err().contains("fatal: repository " + repo + " was renamed to " + moved), old.err());
        g.ok(work, "clone", "-q", url(moved), "new");
        assertEquals(g.revParse(src, "main"), g.revParse(work.resolve("new"), "HEAD"));
        g.commit(src, 1, "after");
        g.ok(src, "push", url(moved), "main");
    }

    @Test
    void accessListsAndProtectedRefsHoldOverSsh() throws Exception {
        String writer = "w-" + suffix;
        String reader = "r-" + suffix;
        String stranger = "s-" + suffix;
        Path writerKey = userWithKey(writer);
        Path readerKey = userWithKey(reader);
        Path strangerKey = userWithKey(stranger);
        String repo = repo("guarded", "{\"public\":false,\"read\":[\"" + reader + "\"],\"write\":[\"" + writer + "\"]}");
        assertEquals(200, api("PUT", "/api/repos/" + repo + "/-/protected", "{\"refs\":[\"refs/heads/main\"]}")
                .statusCode());
        Git w = as(writerKey);
        Path src = w.newRepo(work.resolve("src"), 2);
        w.ok(src, "push", url(repo), "main");

        Git r = as(readerKey);
        r.ok(work, "clone", "-q", url(repo), "by-reader");
        Git.Result readerPush = r.run(src, Map.of("GIT_SSH_COMMAND", client.gitSshCommand(readerKey)), "push",
                url(repo), "main:refs/heads/reader");
        assertNotEquals(0, readerPush.exitCode());
        assertTrue(readerPush.err().contains("fatal: " + reader + " may not push to " + repo), readerPush.err());

        Git s = as(strangerKey);
        Git.Result strangerClone = s.run(work, "clone", "-q", url(repo), "by-stranger");
        assertNotEquals(0, strangerClone.exitCode());
        assertTrue(strangerClone.err().contains("'" + repo + ".git' does not appear to be a git repository"),
                strangerClone.err());
        Git.Result missing = s.run(work, "clone", "-q", url(repo + "-missing"), "missing");
        assertTrue(missing.err().contains("does not appear to be a git repository"), "the same answer as for a "
                + "private one: " + missing.err());

        // Protected main: no force push, no deletion, even for a writer.
        w.ok(src, "commit", "-q", "--amend", "-m", "rewritten");
        Git.Result force = w.run(src, "push", "--force", url(repo), "main");
        assertNotEquals(0, force.exitCode());
        assertTrue(force.err().contains("protected"), force.err());
        assertNotEquals(0, w.run(src, "push", url(repo), ":main").exitCode());
    }

    @Test
    void unknownRemovedAndOtherUsersKeysAreRefused() throws Exception {
        String writer = "w-" + suffix;
        Path key = userWithKey(writer);
        String repo = repo("keys", "{\"public\":true,\"read\":[],\"write\":[\"" + writer + "\"]}");
        Path unknown = client.newKey("unknown-" + suffix);
        Ssh.Result refused = client.exec(unknown, ssh.port(), new byte[0], "git-upload-pack '" + repo + ".git'");
        assertEquals(255, refused.exit(), refused.err());
        assertTrue(refused.err().contains("Permission denied (publickey)"), refused.err());
        // Audited as a refused sign-in, by the key's fingerprint.
        String fingerprint = dev.gitfn.auth.SshPublicKey.parse(Ssh.publicLine(unknown)).fingerprint();
        String audit = api("GET", "/api/audit?limit=1000", null).body();
        assertTrue(audit.contains("\"action\":\"auth.refused\"") && audit.contains("\"transport\":\"ssh\"")
                && audit.contains("\"key\":\"" + fingerprint + "\""), audit);

        // One key, one owner.
        assertEquals(201, api("POST", "/api/users", "{\"name\":\"other-" + suffix + "\"}").statusCode());
        HttpResponse<String> taken = api("POST", "/api/users/other-" + suffix + "/keys",
                "{\"key\":\"" + Ssh.publicLine(key) + "\"}");
        assertEquals(409, taken.statusCode(), taken.body());

        HttpResponse<String> listed = api("GET", "/api/users/" + writer + "/keys", null);
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f]{16})\"").matcher(listed.body());
        assertTrue(id.find(), listed.body());
        assertTrue(listed.body().contains("\"fingerprint\":\"SHA256:"), listed.body());
        assertEquals(0, client.exec(key, ssh.port(), "0000".getBytes(StandardCharsets.US_ASCII),
                "git-upload-pack '" + repo + ".git'").exit());
        assertEquals(204, api("DELETE", "/api/users/" + writer + "/keys/" + id.group(1), null).statusCode());
        assertEquals(404, api("DELETE", "/api/users/" + writer + "/keys/" + id.group(1), null).statusCode());
        Ssh.Result afterRemoval = client.exec(key, ssh.port(), new byte[0], "git-upload-pack '" + repo + ".git'");
        assertEquals(255, afterRemoval.exit(), "a removed key signs no one in: " + afterRemoval.err());
        // Now free: another user may take it.
        assertEquals(201, api("POST", "/api/users/other-" + suffix + "/keys",
                "{\"key\":\"" + Ssh.publicLine(key) + "\"}").statusCode());

        assertEquals(400, api("POST", "/api/users/" + writer + "/keys", "{\"key\":\"ssh-dss AAAA\"}").statusCode());
        assertEquals(400, api("POST", "/api/users/" + writer + "/keys", "{}").statusCode());
        assertEquals(404, api("POST", "/api/users/nobody-" + suffix + "/keys",
                "{\"key\":\"" + Ssh.publicLine(client.newKey("n-" + suffix)) + "\"}").statusCode());
    }

    @Test
    void onlyGitsCommandsRun() throws Exception {
        String user = "u-" + suffix;
        Path key = userWithKey(user);
        Ssh.Result ls = client.exec(key, ssh.port(), new byte[0], "ls");
        assertEquals(128, ls.exit());
        assertTrue(ls.err().contains("fatal: unrecognized command 'ls'"), ls.err());
        Ssh.Result injected = client.exec(key, ssh.port(), new byte[0], "git-upload-pack 'x.git'; cat /etc/passwd");
        assertEquals(128, injected.exit());
        assertTrue(!injected.out().contains("root:"), injected.out());
        Ssh.Result shell = client.exec(key, ssh.port(), new byte[0], "-T"); // -T after the host: a command "-T"
        assertEquals(128, shell.exit());
        // A shell: no command at all.
        List<String> command = new ArrayList<>(List.of("ssh", "-T", "-p", Integer.toString(ssh.port())));
        command.addAll(client.options(key));
        command.add("git@127.0.0.1");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(128, p.waitFor(), said);
        assertTrue(said.contains("no shell"), said);
        // Port forwarding is refused, the connection stays usable for nothing else.
        List<String> forward = new ArrayList<>(List.of("ssh", "-N", "-o", "ExitOnForwardFailure=yes",
                "-L", "0:127.0.0.1:" + base.getPort(), "-p", Integer.toString(ssh.port())));
        forward.addAll(client.options(key));
        forward.add("git@127.0.0.1");
        Process f = new ProcessBuilder(forward).redirectErrorStream(true).start();
        String forwardSaid = new String(f.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, f.waitFor(), forwardSaid);
    }

    @Test
    void garbageFloodsAndHugeLinesAreClosedWhileGitGoesOn() throws Exception {
        String writer = "w-" + suffix;
        Path key = userWithKey(writer);
        String repo = repo("hostile", "{\"public\":false,\"read\":[],\"write\":[\"" + writer + "\"]}");
        Git g = as(key);
        Path src = g.newRepo(work.resolve("src"), 2);
        g.ok(src, "push", url(repo), "main");

        // Garbage before the version exchange: closed, nothing else harmed.
        try (Socket s = new Socket("127.0.0.1", ssh.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200).getBytes(StandardCharsets.US_ASCII));
            assertTrue(drainsToEnd(s.getInputStream()), "garbage ends the connection");
        }
        // A huge pkt-line to git-upload-pack after sign-in: an error, exit non-zero.
        byte[] huge = ("ffff" + "x".repeat(70_000)).getBytes(StandardCharsets.US_ASCII);
        Ssh.Result bad = client.exec(key, ssh.port(), huge, "git-upload-pack '" + repo + ".git'");
        assertNotEquals(0, bad.exit());

        // Connections that never sign in: bounded (6 here); the seventh is closed at once.
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = new Socket("127.0.0.1", ssh.port());
                s.getOutputStream().write("SSH-2.0-stall\r\n".getBytes(StandardCharsets.US_ASCII));
                stalled.add(s);
            }
            Thread.sleep(300);
            try (Socket seventh = new Socket("127.0.0.1", ssh.port())) {
                seventh.setSoTimeout(2_000);
                long start = System.nanoTime();
                assertTrue(drainsToEnd(seventh.getInputStream()), "over the limit: closed");
                assertTrue(System.nanoTime() - start < 2_000_000_000L);
            }
            // HTTP is not held up by them.
            String http = base.toString().replace("http://", "http://admin:" + TransportsProfile.ADMIN_TOKEN + "@")
                    + repo + ".git";
            assertTrue(git.lsRemote(work, http).contains("refs/heads/main"));
            // The sign-in time limit (3 s here) closes them.
            for (Socket s : stalled) {
                s.setSoTimeout(10_000);
                assertTrue(drainsToEnd(s.getInputStream()), "a connection that never signs in is closed");
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        // And SSH serves git again.
        g.ok(work, "clone", "-q", url(repo), "after");
        assertEquals(g.revParse(src, "main"), g.revParse(work.resolve("after"), "HEAD"));
        Files.deleteIfExists(work.resolve("none"));
    }

    /** Reads until the server closes; false if it is still open when the read times out. */
    private static boolean drainsToEnd(InputStream in) {
        byte[] buffer = new byte[8192];
        try {
            while (in.read(buffer) >= 0) {
                // the server may answer something first
            }
            return true;
        } catch (java.net.SocketTimeoutException open) {
            return false;
        } catch (java.io.IOException reset) {
            return true;
        }
    }

    @SuppressWarnings("unused")
    private static void write(OutputStream out, String s) throws java.io.IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
    }
}
