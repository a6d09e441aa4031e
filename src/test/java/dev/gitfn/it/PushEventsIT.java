package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * At least once across instances: instance A takes a push while the receiver is down, and
 * is killed (SIGKILL) before it could deliver; instance B, on the same store, sends the
 * event once the receiver is back, with the delivery id A would have used.
 */
class PushEventsIT {
    private static final String ADMIN = "push-events-admin-token-0123456789abcdef";

    @Test
    void anEventWhoseInstanceDiedArrivesThroughAnother() throws Exception {
        Path work = TestDirs.fresh("push-events");
        List<String> deliveries = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        AtomicBoolean up = new AtomicBoolean(false);
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (up.get()) {
                deliveries.add(exchange.getRequestHeaders().getFirst("X-Gitfn-Delivery"));
                bodies.add(new String(body, StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(up.get() ? 200 : 503, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> shared = Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN, "GITFN_WEBHOOKS_ALLOW_LOOPBACK", "true",
                "GITFN_WEBHOOKS_BACKOFF", "100ms", "GITFN_WEBHOOKS_SCAN_INTERVAL", "1s", "GITFN_FS_ROOT",
                work.resolve("store").toString());
        Map<String, String> envA = new java.util.HashMap<>(shared);
        envA.put("GITFN_CACHE_DIR", work.resolve("cache-a").toString());
        Map<String, String> envB = new java.util.HashMap<>(shared);
        envB.put("GITFN_CACHE_DIR", work.resolve("cache-b").toString());
        try (ServerProcess a = new ServerProcess(work.resolve("a.log"), envA)) {
            String admin = Http.basic("admin", ADMIN);
            assertEquals(201, Http.createRepo(a.url(), admin, "team/app").statusCode());
            assertEquals(201, Http.json("POST", URI.create(a.url() + "api/repos/team/app/-/hooks"), admin,
                    "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\",\"secret\":\"k\"}")
                    .statusCode());
            Git git = new Git(work.resolve("home"));
            Path src = git.newRepo(work.resolve("src"), 2);
            git.ok(src, "push", a.url().replace("http://", "http://admin:" + ADMIN + "@") + "team/app.git", "main");
            a.kill(); // the push is acknowledged; its event never left A
            assertTrue(deliveries.isEmpty());

            try (ServerProcess b = new ServerProcess(work.resolve("b.log"), envB)) {
                up.set(true);
                for (int i = 0; i < 200 && deliveries.isEmpty(); i++) {
                    Thread.sleep(50);
                }
                assertTrue(!deliveries.isEmpty() && deliveries.get(0).startsWith("team/app@"), "B sent it: "
                        + deliveries);
                assertTrue(bodies.get(0).contains(git.revParse(src, "main")), bodies.get(0));
                Thread.sleep(2500); // B's next scans: accepted, so nothing more
                assertEquals(1, deliveries.size(), deliveries.toString());
            }
        } finally {
            receiver.stop(0);
        }
    }
}
