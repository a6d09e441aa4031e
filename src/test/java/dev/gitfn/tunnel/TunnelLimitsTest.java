package dev.gitfn.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The tunnel's limits, set small: an idle client is closed with 1008, an oversized push is refused. */
@QuarkusTest
@TestProfile(TunnelLimitsTest.SmallLimits.class)
class TunnelLimitsTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.tunnel.idle-timeout", "1s", "gitfn.limits.max-pack-size", "256K");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void anIdleClientIsClosedWithPolicyViolation() throws Exception {
        String name = TestDirs.repoName("tunnel-limits/idle-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        URI endpoint = URI.create(base.toString().replace("http://", "ws://") + name
                + ".git/ws?service=git-upload-pack&version=0");
        CompletableFuture<String> closed = new CompletableFuture<>();
        long start = System.nanoTime();
        HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                ws.request(1); // read the advertisement, then say nothing
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(code + " " + reason);
                return null;
            }
        }).join();
        String close = closed.get(30, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(close.startsWith("1008 idle timeout"), close);
        assertTrue(seconds < 10, "closed after " + seconds + " s");
    }

    @Test
    void aPushOverTheSizeLimitIsRefusedAndChangesNothing() throws Exception {
        Path work = TestDirs.fresh("tunnel-limits");
        Git git = new Git(work.resolve("home"));
        String name = TestDirs.repoName("tunnel-limits/big-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        String http = base + name + ".git";
        String ws = http.replace("http://", "ws://");
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "push", ws, "main");
        String before = git.lsRemote(work, http);

        byte[] noise = new byte[2 * 1024 * 1024];
        new Random(3).nextBytes(noise);
        Files.write(src.resolve("big.bin"), noise);
        git.ok(src, "add", "big.bin");
        git.ok(src, "commit", "-q", "-m", "too big");
        Git.Result push = git.run(src, "push", ws, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().toLowerCase().contains("limit") || push.err().contains("max-pack-size"), push.err());
        assertEquals(before, git.lsRemote(work, http));
    }

    @Test
    void unknownServiceOrVersionIsRefusedAsPlainHttp() {
        String name = TestDirs.repoName("tunnel-limits/params-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (String query : new String[] {"service=git-upload-archive", "service=git-upload-pack&version=9"}) {
            URI endpoint = URI.create(base.toString().replace("http://", "ws://") + name + ".git/ws?" + query);
            var failure = client.newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
            }).handle((ws, e) -> e).join();
            assertTrue(failure != null && failure.getCause() instanceof java.net.http.WebSocketHandshakeException,
                    String.valueOf(failure));
            assertEquals(400, ((java.net.http.WebSocketHandshakeException) failure.getCause()).getResponse()
                    .statusCode());
        }
    }
}
