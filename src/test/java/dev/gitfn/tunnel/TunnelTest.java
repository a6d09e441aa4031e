package dev.gitfn.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.CuttingProxy;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The WebSocket tunnel end to end: the real git with the built
 * {@code git-remote-ws} on PATH, against the same repositories smart HTTP
 * serves. Every check compares with what smart HTTP shows.
 */
@QuarkusTest
class TunnelTest {

    @TestHTTPResource("/")
    URL base;

    Path work;
    Git git;
    String http;
    String ws;
    Path src;

    @BeforeEach
    void pushRepository() {
        work = TestDirs.fresh("tunnel");
        git = new Git(work.resolve("home"));
        String name = TestDirs.repoName("tunnel/repo-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        http = base + name + ".git";
        ws = http.replace("http://", "ws://");
        src = git.newRepo(work.resolve("src"), 3);
    }

    @Test
    void pushCloneAndFetchInBothProtocolVersions() {
        Git.Result push = git.run(src, "push", ws, "main", "main:refs/heads/other", "--progress");
        push.ok();
        assertTrue(push.err().contains("* [new branch]      main -> main"), push.err());
        assertEquals(git.lsRemote(work, http), git.lsRemote(work, ws));

        for (String version : new String[] {"0", "2"}) {
            Path clone = work.resolve("clone-v" + version);
            Map<String, String> trace = Map.of("GIT_TRACE_PACKET", work.resolve("trace-" + version).toString());
            Git.Result cloned = git.run(work, trace, "-c", "protocol.version=" + version, "clone", "--progress",
                    ws, clone.toString());
            cloned.ok();
            assertTrue(cloned.err().contains("Receiving objects: 100%"), cloned.err());
            assertEquals(git.revParse(src, "main"), git.revParse(clone, "origin/main"));
            assertEquals(version.equals("2"), read(work.resolve("trace-" + version)).contains("< version 2"));

            git.commit(src, 1, "more-" + version);
            git.ok(src, "push", ws, "main");
            git.ok(clone, "-c", "protocol.version=" + version, "fetch", "origin");
            assertEquals(git.revParse(src, "main"), git.revParse(clone, "origin/main"));
            git.ok(clone, "fsck", "--strict");
        }
        assertEquals(git.lsRemote(work, http), git.lsRemote(work, ws));
    }

    @Test
    void shallowAndPartialClones() {
        git.commit(src, 5, "history");
        git.ok(src, "tag", "base", "HEAD~3");
        git.ok(src, "push", ws, "main", "base");
        for (String version : new String[] {"0", "2"}) {
            Path shallow = work.resolve("shallow-" + version);
            git.ok(work, "-c", "protocol.version=" + version, "clone", "--depth", "1", ws, shallow.toString());
            assertEquals("true", git.ok(shallow, "rev-parse", "--is-shallow-repository").trimmed());
            assertEquals("1", git.ok(shallow, "rev-list", "--count", "HEAD").trimmed());
            Path excluding = work.resolve("exclude-" + version);
            git.ok(work, "-c", "protocol.version=" + version, "clone", "--shallow-exclude=base", ws,
                    excluding.toString());
            assertEquals("3", git.ok(excluding, "rev-list", "--count", "HEAD").trimmed());
        }
        Path partial = work.resolve("partial");
        git.ok(work, "clone", "--filter=blob:none", "--no-checkout", ws, partial.toString());
        String missing = git.ok(partial, "rev-list", "--objects", "--missing=print", "HEAD").out();
        assertTrue(missing.lines().anyMatch(l -> l.startsWith("?")), "blobs should be missing: " + missing);
        git.ok(partial, "checkout", "main"); // fetches the blobs lazily, through the tunnel again
        git.ok(partial, "fsck");
    }

    @Test
    void atomicPushAndNonFastForwardAreRefused() {
        git.ok(src, "push", ws, "main", "main:refs/heads/b");
        Path other = work.resolve("other");
        git.ok(work, "clone", ws, other.toString());
        git.commit(other, 1, "theirs");
        git.ok(other, "push", ws, "main");
        String before = git.lsRemote(work, http);

        git.commit(src, 1, "ours"); // src/main is now behind and diverged
        Git.Result nonFf = git.run(src, "push", ws, "main");
        assertNotEquals(0, nonFf.exitCode());
        assertTrue(nonFf.err().contains("[rejected]"), nonFf.err());

        Git.Result atomic = git.run(src, "push", "--atomic", ws, "main:refs/heads/b", "main");
        assertNotEquals(0, atomic.exitCode());
        assertEquals(before, git.lsRemote(work, http));

        git.ok(src, "push", "--atomic", ws, "main:refs/heads/b", "main:refs/heads/c");
        assertEquals(git.revParse(src, "main"), git.lsRemote(work, http).lines()
                .filter(l -> l.endsWith("refs/heads/c")).findFirst().orElseThrow().split("\t")[0]);
    }

    @Test
    void aConnectionCutMidPushChangesNothing() throws Exception {
        git.ok(src, "push", ws, "main");
        String before = git.lsRemote(work, http);
        git.commitRandomFile(src, "big.bin", 6 * 1024 * 1024);

        int port = URI.create(base.toString()).getPort();
        try (CuttingProxy proxy = new CuttingProxy(port, CuttingProxy.Direction.UPSTREAM, 2 * 1024 * 1024)) {
            String cut = "ws://127.0.0.1:" + proxy.port() + URI.create(ws).getPath();
            Git.Result push = git.run(src, "push", cut, "main");
            assertNotEquals(0, push.exitCode());
            assertTrue(push.err().contains("lost") || push.err().contains("hung up"), push.err());
        }
        assertEquals(before, git.lsRemote(work, http));

        git.ok(src, "push", ws, "main");
        Path clone = work.resolve("after");
        git.ok(work, "clone", ws, clone.toString());
        git.ok(clone, "fsck", "--strict");
        assertEquals(git.revParse(src, "main"), git.revParse(clone, "HEAD"));
    }

    @Test
    void aServerGoingAwayMidCloneIsReported() throws Exception {
        git.commitRandomFile(src, "big.bin", 4 * 1024 * 1024);
        git.ok(src, "push", ws, "main");
        int port = URI.create(base.toString()).getPort();
        try (CuttingProxy proxy = new CuttingProxy(port, CuttingProxy.Direction.DOWNSTREAM, 1024 * 1024)) {
            String cut = "ws://127.0.0.1:" + proxy.port() + URI.create(ws).getPath();
            Git.Result clone = git.run(work, "clone", cut, "cut-clone");
            assertEquals(128, clone.exitCode());
            assertTrue(clone.err().contains("connection to ws://127.0.0.1:" + proxy.port()) && clone.err()
                    .contains("lost"), clone.err());
        }
    }

    @Test
    void unknownRepositoriesAndBadNamesAreRefusedBeforeTheUpgrade() {
        String missing = base.toString().replace("http://", "ws://") + TestDirs.repoName("nope") + ".git";
        Git.Result notFound = git.run(work, "ls-remote", missing);
        assertEquals(128, notFound.exitCode());
        assertTrue(notFound.err().contains("repository '" + missing + "' not found"), notFound.err());

        String hostile = base.toString().replace("http://", "ws://") + "%2e%2e/etc.git";
        Git.Result bad = git.run(work, "ls-remote", hostile);
        assertEquals(128, bad.exitCode());
        assertTrue(bad.err().contains("The requested URL returned error: 400"), bad.err());

        // Not a WebSocket, an unknown service, an unknown version: plain HTTP refusals.
        assertEquals(400, Http.get(URI.create(http + "/ws?service=git-upload-pack")).statusCode());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
