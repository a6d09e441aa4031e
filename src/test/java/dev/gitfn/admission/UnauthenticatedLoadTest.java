package dev.gitfn.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import dev.gitfn.support.RawHttp;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TunnelProbe;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Nothing unauthenticated may hold a worker, a slot or memory for long: bodies
 * are refused before they are read, API bodies are small, slow bodies end,
 * each client has a bounded number of requests, and failed sign-ins back off
 * to 429 without ever locking out the right credentials. Each attack runs from
 * outside over the real port while an authorised user clones and pushes.
 */
@QuarkusTest
@TestProfile(UnauthenticatedLoadTest.Limits.class)
class UnauthenticatedLoadTest {
    static final String ADMIN_TOKEN = "hardening-admin-token-0123456789abcdefgh";

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.auth.max-failures", "5", "gitfn.auth.failure-backoff", "20ms",
                    "gitfn.limits.min-request-rate", "1K", "gitfn.limits.min-rate-after", "2s",
                    "gitfn.limits.max-requests-per-client", "24",
                    // the fetch tunnels that fill a client's slots must not queue for pack slots first
                    "gitfn.limits.max-concurrent-packs", "64");
        }
    }

    @TestHTTPResource("/")
    URL base;

    URI server;
    Path work;
    Git git;
    String repo;
    String url;
    Path src;

    @BeforeEach
    void setUp() {
        server = URI.create(base.toString());
        work = TestDirs.fresh("unauthenticated");
        git = new Git(work.resolve("home"));
        repo = TestDirs.repoName("hardening/app-" + System.nanoTime());
        assertEquals(201, Http.json("POST", server.resolve("/api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        url = base.toString().replace("http://", "http://admin:" + ADMIN_TOKEN + "@") + repo + ".git";
        src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main");
    }

    @Test
    void anonymousBodiesAreRefusedBeforeTheyAreRead() throws Exception {
        // 20 anonymous clients each announce a 50 MB body and send none of it.
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                String path = i % 2 == 0 ? "/api/users" : "/" + repo + ".git/git-receive-pack";
                String type = i % 2 == 0 ? "application/json" : "application/x-git-receive-pack-request";
                Socket s = new Socket(server.getHost(), server.getPort());
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: " + server.getAuthority()
                        + "\r\nContent-Type: " + type + "\r\nContent-Length: 50000000\r\n\r\n{")
                        .getBytes(StandardCharsets.ISO_8859_1));
                sockets.add(s);
            }
            long start = System.nanoTime();
            for (Socket s : sockets) {
                String status = statusLine(s.getInputStream());
                assertTrue(status.startsWith("HTTP/1.1 401"), status);
            }
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "answered without waiting for the bodies");
            // Legitimate traffic meanwhile.
            git.commit(src, 1, "during");
            git.ok(src, "push", url, "main");
            git.ok(work, "clone", "-q", url, "clone");
            git.ok(work.resolve("clone"), "fsck", "--strict");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void apiBodiesAreSmallSaidUpFrontAndStrictJson() throws Exception {
        String self = server.getAuthority();
        RawHttp.Head big = RawHttp.send(server, "POST /api/users HTTP/1.1\r\nHost: " + self + "\r\nAuthorization: "
                + admin() + "\r\nContent-Type: application/json\r\nContent-Length: 2000000", new byte[0]);
        assertEquals(413, big.status(), big.text());
        RawHttp.Head chunked = RawHttp.send(server, "POST /api/users HTTP/1.1\r\nHost: " + self
                + "\r\nAuthorization: " + admin() + "\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked", new byte[0]);
        assertEquals(411, chunked.status(), chunked.text());
        for (String bad : List.of("{\"name\":\"a\",\"name\":\"b\"}", "{\"name\":5}", "{\"name\":\"ok\",\"groups\":7}",
                "[".repeat(500), "{\"name\":\"" + "x".repeat(100_000) + "\"}")) {
            HttpResponse<String> r = Http.json("POST", server.resolve("/api/users"), admin(), bad);
            assertEquals(400, r.statusCode(), bad.substring(0, Math.min(40, bad.length())) + " -> " + r.body());
        }
        HttpResponse<String> typed = Http.json("PUT", server.resolve("/api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":1}");
        assertEquals(400, typed.statusCode(), typed.body());
        assertEquals(404, Http.json("PUT", server.resolve("/api/repos/" + repo + "-missing/-/access"), admin(),
                "{\"public\":true}").statusCode());
        assertEquals(200, Http.json("GET", server.resolve("/api/repos/" + repo + "/-/access"), admin(), null)
                .statusCode());
    }

    @Test
    void aBodyThatDribblesIsCutOff() throws Exception {
        try (Socket s = new Socket(server.getHost(), server.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /" + repo + ".git/git-upload-pack HTTP/1.1\r\nHost: " + server.getAuthority()
                    + "\r\nAuthorization: " + admin() + "\r\nContent-Type: application/x-git-upload-pack-request"
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            StringBuilder answer = new StringBuilder();
            InputStream in = s.getInputStream();
            // 10 bytes a second, far below 1 KB/s: the server must end it soon after the 2 s grace.
            Thread dribbler = new Thread(() -> {
                try {
                    for (int i = 0; i < 30; i++) {
                        out.write("0032want ".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        Thread.sleep(1000);
                    }
                } catch (IOException | InterruptedException ignored) {
                    // the server closed the request
                }
            });
            dribbler.setDaemon(true);
            dribbler.start();
            answer.append(readAll(in));
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertTrue(seconds < 15, "cut off after " + seconds + " s");
            assertTrue(answer.toString().contains("slower than"), answer.toString());
        }
        git.ok(work, "ls-remote", url);
    }

    @Test
    void eachClientHasABoundedNumberOfRequestsAtOnce() throws Exception {
        List<TunnelProbe> held = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                held.add(TunnelProbe.open(TunnelProbe.endpoint(base.toString(), repo, "service=git-upload-pack"),
                        admin()));
            }
            HttpResponse<String> refused = Http.send("GET", URI.create(base + repo + ".git/info/refs?service="
                    + "git-upload-pack"), Map.of("Authorization", admin()), null);
            assertEquals(429, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Retry-After").isPresent());
        } finally {
            held.forEach(TunnelProbe::close);
        }
        // The slots come back as the tunnels close.
        long deadline = System.currentTimeMillis() + 10_000;
        int status;
        do {
            Thread.sleep(100);
            status = Http.send("GET", URI.create(base + repo + ".git/info/refs?service=git-upload-pack"),
                    Map.of("Authorization", admin()), null).statusCode();
        } while (status == 429 && System.currentTimeMillis() < deadline);
        assertEquals(200, status);
        git.ok(work, "clone", "-q", url, "after");
    }

    @Test
    void failedSignInsBackOffThenGet429ButTheRightTokenStillWorks() {
        HttpResponse<String> created = Http.json("POST", server.resolve("/api/users"), admin(),
                "{\"name\":\"victim-" + System.nanoTime() % 100000 + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        Matcher name = Pattern.compile("\"name\":\"([^\"]+)\"").matcher(created.body());
        assertTrue(name.find());
        String victim = name.group(1);
        HttpResponse<String> token = Http.json("POST", server.resolve("/api/users/" + victim + "/tokens"), admin(),
                null);
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(token.body());
        assertTrue(m.find(), token.body());
        assertEquals(200, Http.json("PUT", server.resolve("/api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":false,\"read\":[\"" + victim + "\"]}").statusCode());
        URI refs = URI.create(base + repo + ".git/info/refs?service=git-upload-pack");
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = Http.send("GET", refs, Map.of("Authorization", Http.basic(victim, "gfn_guess" + i)),
                    null);
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                assertTrue(r.headers().firstValue("Retry-After").isPresent());
            }
        }
        assertEquals(List.of(401, 401, 401, 401, 401, 429, 429, 429), statuses);
        // A lockout would let anyone shut the victim out: the right token still works.
        assertEquals(200, Http.send("GET", refs, Map.of("Authorization", Http.basic(victim, m.group(1))), null)
                .statusCode());
    }

    private static String admin() {
        return "Bearer " + ADMIN_TOKEN;
    }

    private static String statusLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readAll(InputStream in) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                all.write(buf, 0, n);
                String text = all.toString(StandardCharsets.ISO_8859_1);
                if (text.contains("slower than") || text.contains("\r\n0\r\n\r\n")) {
                    break;
                }
            }
        } catch (IOException closed) {
            // the server ended the connection
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
