package dev.gitfn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With {@code K_SINK} set (what Knative's SinkBinding injects), every repository's pushes
 * arrive there as CloudEvents 1.0 in binary mode, without any hook configured.
 */
@QuarkusTest
@TestProfile(CloudEventsTest.WithSink.class)
class CloudEventsTest {
    static final String ADMIN_TOKEN = "cloudevents-admin-token-0123456789abcdefgh";
    static final List<Headers> HEADERS = new CopyOnWriteArrayList<>();
    static final List<byte[]> BODIES = new CopyOnWriteArrayList<>();
    /** A system property, the one thing the profile and the test (separate class loaders) share. */
    private static final String PORT = "cloudevents-test.sink-port";
    private static HttpServer sink;

    static int sinkPort() {
        synchronized (System.class) {
            if (System.getProperty(PORT) == null) {
                try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
                    System.setProperty(PORT, Integer.toString(free.getLocalPort()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return Integer.parseInt(System.getProperty(PORT));
        }
    }

    @BeforeAll
    static void startSink() throws IOException {
        sink = HttpServer.create(new InetSocketAddress("127.0.0.1", sinkPort()), 0);
        sink.createContext("/", exchange -> {
            BODIES.add(exchange.getRequestBody().readAllBytes());
            HEADERS.add(exchange.getRequestHeaders());
            exchange.sendResponseHeaders(202, -1);
            exchange.close();
        });
        sink.start();
    }

    @AfterAll
    static void stopSink() {
        sink.stop(0);
    }

    /** The sink as K_SINK would name it (an in-cluster broker: an internal address, allowed). */
    public static class WithSink implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.webhooks.k-sink",
                    "http://127.0.0.1:" + sinkPort() + "/", "gitfn.webhooks.scan-interval", "1s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyPushIsACloudEvent() throws Exception {
        String repo = TestDirs.repoName("cloudevents/app-" + Long.toString(System.nanoTime(), 36));
        String admin = Http.basic("admin", ADMIN_TOKEN);
        assertEquals(201, Http.createRepo(base.toString(), admin, repo).statusCode());
        Path work = TestDirs.fresh("cloudevents");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "push", "http://admin:" + ADMIN_TOKEN + "@" + base.getHost() + ":" + base.getPort() + "/" + repo
                + ".git", "main");
        for (int i = 0; i < 200 && ofRepo(repo).isEmpty(); i++) {
            Thread.sleep(50);
        }
        assertEquals(1, ofRepo(repo).size(), "one event");
        int index = HEADERS.indexOf(ofRepo(repo).get(0));
        Headers h = HEADERS.get(index);
        assertEquals("1.0", h.getFirst("ce-specversion"));
        assertEquals("dev.gitfn.push", h.getFirst("ce-type"));
        assertEquals("/gitfn/" + repo, h.getFirst("ce-source"));
        assertTrue(h.getFirst("ce-id").startsWith(repo + "@"), h.getFirst("ce-id"));
        assertTrue(h.getFirst("Content-Type").startsWith("application/json"));
        JsonNode event = new ObjectMapper().readTree(BODIES.get(index));
        assertEquals(git.revParse(src, "main"), event.get("updates").get(0).get("after").asText());
        assertEquals(h.getFirst("ce-id"), event.get("id").asText());
        Thread.sleep(2500); // the scans: accepted, nothing more
        assertEquals(1, ofRepo(repo).size());
    }

    /** What the sink got from one repository. */
    private static List<Headers> ofRepo(String repo) {
        return HEADERS.stream().filter(h -> ("/gitfn/" + repo).equals(h.getFirst("ce-source"))).toList();
    }
}
