package dev.gitfn.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.RawHttp;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * With authentication off (the loopback default) a web page the user visits must
 * not be able to push through the tunnel (browsers apply no CORS to WebSockets),
 * call the API with a form, or reach the server by DNS rebinding. Each attack is
 * sent as a browser would send it; a clone and a push run beside them.
 */
@QuarkusTest
class CrossSiteTest {
    @TestHTTPResource("/")
    URL base;

    @Test
    void crossSiteAndRebindingRequestsAreRefusedWhileGitWorks() throws Exception {
        URI server = URI.create(base.toString());
        String self = server.getHost() + ":" + server.getPort();
        Path work = TestDirs.fresh("cross-site");
        Git git = new Git(work.resolve("home"));
        String repo = TestDirs.repoName("xsite/app-" + System.nanoTime());
        assertEquals(201, Http.createRepo(server, repo));
        Path src = git.newRepo(work.resolve("src"), 2);
        String url = base + repo + ".git";
        CompletableFuture<Void> legit = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 3; i++) {
                git.commit(src, 1, "legit-" + i);
                git.ok(src, "push", url, "main");
                git.ok(work, "ls-remote", url);
            }
        });
        String tunnel = "/" + repo + ".git/ws?service=git-receive-pack";

        // A page on another site opening the tunnel: refused before the upgrade, with the reason.
        RawHttp.Head evil = RawHttp.upgrade(server, tunnel, self, "https://evil.example");
        assertEquals(403, evil.status(), evil.text());
        assertEquals(403, RawHttp.upgrade(server, tunnel, self, "null").status(), "sandboxed pages send Origin: null");
        // The server's own pages, and clients that send no Origin (git-remote-ws), are welcome.
        String fetchTunnel = "/" + repo + ".git/ws?service=git-upload-pack"; // holds no push lock while open
        assertEquals(403, RawHttp.upgrade(server, fetchTunnel, self, "https://evil.example").status());
        assertEquals(101, RawHttp.upgrade(server, fetchTunnel, self, "http://" + self).status());
        assertEquals(101, RawHttp.upgrade(server, fetchTunnel, self, null).status());

        // DNS rebinding: the page's own name in Host, on every kind of endpoint.
        assertEquals(403, RawHttp.upgrade(server, tunnel, "rebind.evil.example:" + server.getPort(), null).status());
        assertEquals(403, RawHttp.send(server, "GET /" + repo + ".git/info/refs?service=git-upload-pack HTTP/1.1\r\n"
                + "Host: rebind.evil.example", new byte[0]).status());
        byte[] json = ("{\"name\":\"" + TestDirs.repoName("xsite/rebound-" + System.nanoTime()) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(403, RawHttp.send(server, "POST /api/repos HTTP/1.1\r\nHost: rebind.evil.example\r\n"
                + "Content-Type: application/json", json).status());

        // A cross-site form can send text/plain (no preflight): the API takes JSON only.
        assertEquals(415, RawHttp.send(server, "POST /api/repos HTTP/1.1\r\nHost: " + self
                + "\r\nContent-Type: text/plain", json).status());
        assertEquals(415, RawHttp.send(server, "POST /api/users/x/tokens HTTP/1.1\r\nHost: " + self, new byte[0])
                .status());
        assertEquals(403, RawHttp.send(server, "POST /api/repos HTTP/1.1\r\nHost: " + self
                + "\r\nOrigin: https://evil.example\r\nContent-Type: application/json", json).status());
        RawHttp.Head ok = RawHttp.send(server, "POST /api/repos HTTP/1.1\r\nHost: " + self
                + "\r\nContent-Type: application/json; charset=utf-8", json);
        assertEquals(201, ok.status(), ok.text());

        legit.join();
        git.ok(work, "clone", "-q", url, "after");
        git.ok(work.resolve("after"), "fsck", "--strict");
        assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("after"), "main"));
        assertTrue(git.lsRemote(work, url).contains("refs/heads/main"));
    }
}
