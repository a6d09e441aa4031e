package dev.gitfn.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One tunnel per instance and three seconds per tunnel: a second tunnel is
 * answered 503 while the first is open; a busy tunnel is still closed at its
 * time limit (1008); then the slot is free again.
 */
@QuarkusTest
@TestProfile(TunnelSessionLimitsTest.OneShortTunnel.class)
class TunnelSessionLimitsTest {

    public static class OneShortTunnel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.tunnel.max-sessions", "1", "gitfn.tunnel.max-duration", "3s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void sessionCountAndDurationAreBounded() throws Exception {
        String name = TestDirs.repoName("tunnel-sessions/repo-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        URI endpoint = URI.create(base.toString().replace("http://", "ws://") + name
                + ".git/ws?service=git-upload-pack&version=2");
        HttpClient client = HttpClient.newHttpClient();

        CompletableFuture<String> closed = new CompletableFuture<>();
        long start = System.nanoTime();
        WebSocket busy = client.newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(code + " " + reason);
                return null;
            }
        }).join();

        CompletionException second = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> client.newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
                }).join());
        assertEquals(503, ((WebSocketHandshakeException) second.getCause()).getResponse().statusCode());

        // Keep the first tunnel busy (a v2 ls-refs every 300 ms) so only the time limit can end it.
        byte[] lsRefs = "0014command=ls-refs\n0000".getBytes(StandardCharsets.US_ASCII);
        while (!closed.isDone() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
            try {
                busy.sendBinary(ByteBuffer.wrap(lsRefs), true).get(5, TimeUnit.SECONDS);
            } catch (Exception closing) {
                break;
            }
            Thread.sleep(300);
        }
        String close = closed.get(20, TimeUnit.SECONDS);
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(close.startsWith("1008 time limit"), close);
        assertTrue(seconds >= 2 && seconds < 15, "closed after " + seconds + " s");

        // The slot is free again.
        CompletableFuture<String> third = new CompletableFuture<>();
        WebSocket again = client.newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                third.complete("advertised");
                return null;
            }
        }).join();
        assertEquals("advertised", third.get(10, TimeUnit.SECONDS));
        again.abort();
    }
}
