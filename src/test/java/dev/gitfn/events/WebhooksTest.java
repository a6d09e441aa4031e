package dev.gitfn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Webhooks from outside: a real receiver on loopback gets one signed event per push, in
 * order, with the ref updates git made; a receiver that fails twice gets the same event (the
 * same delivery id) each time and then once more, accepted; the API never shows the secret
 * and refuses an internal address unless allowed (here it is, for the receiver).
 */
@QuarkusTest
@TestProfile(WebhooksTest.Loopback.class)
class WebhooksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN_TOKEN = "webhooks-admin-token-0123456789abcdefghij";
    /** Hook secrets are stored sealed with this key (and the signatures below still verify). */
    static final String SECRET_KEY = java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    /** Authentication on; hooks may call loopback; quick retries and scans. */
    public static class Loopback implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.webhooks.allow-loopback", "true", "gitfn.webhooks.backoff", "50ms",
                    "gitfn.webhooks.attempts", "3", "gitfn.webhooks.scan-interval", "1s",
                    "gitfn.webhooks.secret-key", SECRET_KEY);
        }
    }

    /** What the receiver got: headers and body of each request, in arrival order. */
    record Received(String delivery, String signature, String event, byte[] body) {
    }

    @TestHTTPResource("/")
    URL base;

    private HttpServer receiver;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestHeaders().getFirst("X-Gitfn-Delivery"),
                    exchange.getRequestHeaders().getFirst("X-Gitfn-Signature-256"),
                    exchange.getRequestHeaders().getFirst("X-Gitfn-Event"), body));
            int status = failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 204;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    private static String admin() {
        return Http.basic("admin", ADMIN_TOKEN);
    }

    private URI api(String path) {
        return URI.create(base.toString()).resolve(path);
    }

    private String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    private void awaitReceived(int count) throws InterruptedException {
        for (int i = 0; i < 300 && received.size() < count; i++) {
            Thread.sleep(50);
        }
        assertTrue(received.size() >= count, "received " + received.size() + " of " + count);
    }

    @Test
    void everyPushArrivesSignedAndInOrder() throws Exception {
        String repo = TestDirs.repoName("hooks/app-" + Long.toString(System.nanoTime(), 36));
        assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
        String secret = "s3cret-" + System.nanoTime();
        HttpResponse<String> added = Http.json("POST", api("/api/repos/" + repo + "/-/hooks"), admin(),
                "{\"url\":\"" + hookUrl() + "\",\"secret\":\"" + secret + "\"}");
        assertEquals(201, added.statusCode(), added.body());
        assertFalse(added.body().contains(secret), "the secret is never shown");
        String stored = java.nio.file.Files.readString(Path.of("target/test-data/store/.gitfn/hooks/" + repo + ".json"));
        assertTrue(stored.contains("\"secret\":\"aes-gcm:"), stored);
        assertFalse(stored.contains(secret), "nor stored as it is, with a key set");

        Path work = TestDirs.fresh("hooks");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 1);
        String url = "http://admin:" + ADMIN_TOKEN + "@" + base.getHost() + ":" + base.getPort() + "/"
                + repo + ".git";
        List<String> tips = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            if (i > 0) {
                git.commit(src, 1, "push-" + i);
            }
            git.ok(src, "push", url, "main");
            tips.add(git.revParse(src, "main"));
        }
        git.ok(src, "push", url, "main:refs/heads/side");
        awaitReceived(4);

        List<JsonNode> events = new ArrayList<>();
        for (Received r : received) {
            assertEquals("push", r.event());
            assertEquals("sha256=" + PushEvents.signature(secret, r.body()), r.signature(), "signed with the secret");
            events.add(JSON.readTree(r.body()));
        }
        for (int i = 0; i < 3; i++) {
            JsonNode update = events.get(i).get("updates").get(0);
            assertEquals("refs/heads/main", update.get("ref").asText());
            assertEquals(tips.get(i), update.get("after").asText(), "in push order");
            assertEquals(i == 0 ? "0".repeat(40) : tips.get(i - 1), update.get("before").asText());
            assertEquals(repo, events.get(i).get("repository").asText());
            assertEquals("admin", events.get(i).get("pusher").get("user").asText());
            assertEquals(events.get(i).get("id").asText(), received.get(i).delivery());
        }
        assertEquals("refs/heads/side", events.get(3).get("updates").get(0).get("ref").asText());
        assertEquals(4, received.stream().map(Received::delivery).distinct().count(), "one event per push");
        String listed = Http.json("GET", api("/api/repos/" + repo + "/-/hooks"), admin(), null).body();
        assertFalse(listed.contains(secret), listed);
        assertTrue(listed.contains("\"failures\":0"), listed);

        // Nothing more arrives on the scans: everything was accepted.
        Thread.sleep(2500);
        assertEquals(4, received.size());
    }

    @Test
    void aReceiverThatFailsTwiceGetsTheSameEventUntilItAcceptsIt() throws Exception {
        String repo = TestDirs.repoName("hooks/flaky-" + Long.toString(System.nanoTime(), 36));
        assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
        assertEquals(201, Http.json("POST", api("/api/repos/" + repo + "/-/hooks"), admin(),
                "{\"url\":\"" + hookUrl() + "\",\"secret\":\"k\"}").statusCode());
        failuresLeft.set(2);
        Path work = TestDirs.fresh("hooks-flaky");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 1);
        Git.Result push = git.run(src, "push", "http://admin:" + ADMIN_TOKEN + "@" + base.getHost() + ":"
                + base.getPort() + "/" + repo + ".git", "main");
        assertEquals(0, push.exitCode(), "a failing receiver never fails the push: " + push.err());
        awaitReceived(3);
        Thread.sleep(2500); // a scan or two: nothing more once accepted
        assertEquals(3, received.size(), "twice refused, then accepted once");
        assertEquals(1, received.stream().map(Received::delivery).distinct().count(), "the same event each time");
        String listed = Http.json("GET", api("/api/repos/" + repo + "/-/hooks"), admin(), null).body();
        JsonNode hook = JSON.readTree(listed).get(0);
        List<Integer> statuses = new ArrayList<>();
        hook.get("recent").forEach(d -> statuses.add(d.get("status").asInt()));
        assertEquals(List.of(500, 500, 204), statuses, listed);
        assertEquals(0, hook.get("failures").asInt());
        assertTrue(hook.get("delivered").asLong() > 0, listed);

        // Removed: told nothing more.
        assertEquals(204, Http.json("DELETE", api("/api/repos/" + repo + "/-/hooks/" + hook.get("id").asText()),
                admin(), null).statusCode());
        git.commit(src, 1, "after");
        git.ok(src, "push", "http://admin:" + ADMIN_TOKEN + "@" + base.getHost() + ":" + base.getPort()
                + "/" + repo + ".git", "main");
        Thread.sleep(1500);
        assertEquals(3, received.size());
    }

    @Test
    void badHooksAreRefused() throws Exception {
        String repo = TestDirs.repoName("hooks/bad-" + Long.toString(System.nanoTime(), 36));
        assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
        for (String body : List.of("{\"url\":\"file:///etc/passwd\",\"secret\":\"k\"}",
                "{\"url\":\"http://user:pw@127.0.0.1/\",\"secret\":\"k\"}", "{\"url\":\"" + hookUrl() + "\"}",
                "{\"url\":\"not a url\",\"secret\":\"k\"}", "{\"url\":\"http://no-such-host.invalid/\",\"secret\":\"k\"}")) {
            HttpResponse<String> refused = Http.json("POST", api("/api/repos/" + repo + "/-/hooks"), admin(), body);
            assertEquals(400, refused.statusCode(), body + " -> " + refused.body());
        }
        assertEquals("[]", Http.json("GET", api("/api/repos/" + repo + "/-/hooks"), admin(), null).body());
        assertEquals(404, Http.json("DELETE", api("/api/repos/" + repo + "/-/hooks/000000000000"), admin(), null)
                .statusCode());
        String body = new String(Http.json("GET", api("/api/repos/" + repo + "/-/hooks"), null, null).body()
                .getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        assertTrue(body.isEmpty() || !body.contains("url"), "anonymous: nothing");
    }
}
