package dev.gitfn.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TransportsProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** git:// with the real git: public repositories only, read-only, and hostile clients bounded. */
@QuarkusTest
@TestProfile(TransportsProfile.class)
class GitDaemonTest {
    @TestHTTPResource("/")
    URL base;

    @Inject
    GitDaemon daemon;

    private Path work;
    private Git git;
    private String suffix;

    @BeforeEach
    void setUp() {
        work = TestDirs.fresh("daemon");
        git = new Git(work.resolve("home"));
        suffix = Long.toString(System.nanoTime(), 36);
    }

    private String adminUrl(String repo) {
        return base.toString().replace("http://", "http://admin:" + TransportsProfile.ADMIN_TOKEN + "@") + repo
                + ".git";
    }

    /** A repository with two commits, public or not. */
    private String repo(String name, boolean isPublic) {
        String repo = TestDirs.repoName("daemon/" + name + "-" + suffix);
        String admin = Http.basic("admin", TransportsProfile.ADMIN_TOKEN);
        assertEquals(201, Http.json("POST", java.net.URI.create(base + "api/repos"), admin,
                "{\"name\":\"" + repo + "\"}").statusCode());
        assertEquals(200, Http.json("PUT", java.net.URI.create(base + "api/repos/" + repo + "/-/access"), admin,
                "{\"public\":" + isPublic + ",\"read\":[],\"write\":[]}").statusCode());
        Path src = git.newRepo(work.resolve("src-" + name), 2);
        git.ok(src, "push", adminUrl(repo), "main");
        return repo;
    }

    private String url(String repo) {
        return "git://127.0.0.1:" + daemon.port() + "/" + repo + ".git";
    }

    @Test
    void publicRepositoriesCloneOverV0AndV2() {
        String repo = repo("public", true);
        git.ok(work, "-c", "protocol.version=0", "clone", "-q", url(repo), "v0");
        git.ok(work.resolve("v0"), "fsck", "--strict");
        Git.Result v2 = git.run(work, Map.of("GIT_TRACE_PACKET", "1"), "-c", "protocol.version=2", "ls-remote",
                url(repo));
        assertEquals(0, v2.exitCode(), v2.err());
        assertTrue(v2.err().contains("ls-remote< version 2"), v2.err());
        assertTrue(v2.out().contains("refs/heads/main"), v2.out());
        git.ok(work, "-c", "protocol.version=2", "clone", "-q", "--depth", "1", url(repo), "shallow");
        assertEquals("1", git.ok(work.resolve("shallow"), "rev-list", "--count", "HEAD").trimmed());
    }

    @Test
    void privateMissingAndPushesAreRefusedAsGitDaemonDoes() {
        String secret = repo("private", false);
        Git.Result refused = git.run(work, "clone", "-q", url(secret), "x");
        assertNotEquals(0, refused.exitCode());
        assertTrue(refused.err().contains("fatal: remote error: access denied or repository not exported: /"
                + secret + ".git"), refused.err());
        Git.Result missing = git.run(work, "ls-remote", url(secret + "-gone"));
        assertTrue(missing.err().contains("access denied or repository not exported"), "the same as private: "
                + missing.err());
        String open = repo("open", true);
        git.ok(work, "clone", "-q", url(open), "c");
        git.commit(work.resolve("c"), 1, "more");
        Git.Result push = git.run(work.resolve("c"), "push", url(open), "HEAD:main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("fatal: remote error: service not enabled: /" + open + ".git"), push.err());
        assertEquals(git.revParse(work.resolve("c"), "origin/main"),
                git.lsRemote(work, adminUrl(open)).lines().filter(l -> l.endsWith("refs/heads/main")).findFirst()
                        .orElseThrow().split("\t")[0], "nothing was pushed");
    }

    @Test
    void garbageHugeLinesStallsAndFloodsAreClosedWhileClonesGoOn() throws Exception {
        String repo = repo("hostile", true);
        assertEquals(pkt("ERR protocol error: bad request line\n"), answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
                "HTTP to git:// gets git's ERR line");
        assertTrue(answer("ffff" + "x".repeat(70_000)).contains("ERR protocol error"), "an over-long line");
        assertTrue(answer("0008\0\0\0\0").contains("ERR protocol error"));
        assertTrue(answer(pkt("git-upload-archive /" + repo + ".git\0host=x\0")).contains("ERR service not enabled"));
        // After a good request: a huge pkt-line where wants belong ends that conversation only.
        assertTrue(answer(pkt("git-upload-pack /" + repo + ".git\0host=x\0") + "ffff" + "x".repeat(70_000))
                .contains("refs/heads/main"), "the advertisement came first");

        List<Socket> stalled = new ArrayList<>();
        settle(0);
        try {
            for (int i = 0; i < 5; i++) {
                stalled.add(new Socket("127.0.0.1", daemon.port())); // connect, say nothing
            }
            settle(5);
            git.ok(work, "clone", "-q", url(repo), "during"); // the sixth connection: still served
            settle(5);
            stalled.add(new Socket("127.0.0.1", daemon.port())); // the sixth, silent: the limit is reached
            settle(6);
            Git.Result over = git.run(work, "ls-remote", url(repo));
            assertNotEquals(0, over.exitCode());
            assertTrue(over.err().contains("fatal: remote error: too many connections"), over.err());
            // The request time limit (2 s here) closes the silent ones.
            for (Socket s : stalled) {
                s.setSoTimeout(10_000);
                assertEquals("", read(s.getInputStream()), "closed without a word");
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
        git.ok(work, "clone", "-q", url(repo), "after");
    }

    /** Waits until the daemon holds {@code expected} connections (closes are seen asynchronously). */
    private void settle(int expected) throws InterruptedException {
        for (int i = 0; i < 500 && daemon.open() != expected; i++) {
            Thread.sleep(10);
        }
        assertEquals(expected, daemon.open(), "connections open on the daemon");
    }

    private static String pkt(String payload) {
        return String.format("%04x", payload.getBytes(StandardCharsets.UTF_8).length + 4) + payload;
    }

    /** Sends raw bytes, returns all the server said before it closed. */
    private String answer(String raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", daemon.port())) {
            s.setSoTimeout(10_000);
            try {
                s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } catch (IOException closedEarly) {
                // the server may close before all of it is sent
            }
            return read(s.getInputStream());
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // a reset after the server's last words
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }
}
