package dev.gitfn.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * A raw client of gitfn's WebSocket tunnel, for what git never does on purpose:
 * fall silent, hold a tunnel open, ask for an unknown service. It reads every
 * frame the server sends and remembers how the server closed.
 */
public final class TunnelProbe implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final WebSocket socket;
    private final CompletableFuture<Void> firstFrame = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();

    private TunnelProbe(URI endpoint, String authorization) {
        WebSocket.Builder builder = CLIENT.newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        socket = builder.buildAsync(endpoint, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
                firstFrame.complete(null);
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
                closed.complete(code + " " + reason);
                return null;
            }
        }).join();
    }

    /** The tunnel endpoint of {@code repo} on the server at {@code base} ({@code http://host:port/}). */
    public static URI endpoint(String base, String repo, String query) {
        return URI.create(base.replace("http://", "ws://") + repo + ".git/ws?" + query);
    }

    /** Opens a tunnel; fails if the server refuses the upgrade. */
    public static TunnelProbe open(URI endpoint) {
        return new TunnelProbe(endpoint, null);
    }

    /** Opens a tunnel with an {@code Authorization} header; fails if the server refuses the upgrade. */
    public static TunnelProbe open(URI endpoint, String authorization) {
        return new TunnelProbe(endpoint, authorization);
    }

    /** The HTTP status with which the server refuses to open a tunnel (fails if it accepts). */
    public static int refusal(URI endpoint) {
        try {
            CLIENT.newWebSocketBuilder().buildAsync(endpoint, new WebSocket.Listener() {
            }).join().abort();
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
        throw new AssertionError("the server opened a tunnel at " + endpoint);
    }

    /** Sends one binary frame and waits until it is written. */
    public void send(byte[] data) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(data), true).get(5, TimeUnit.SECONDS);
    }

    /** Waits for the server's first frame (its advertisement). */
    public void awaitFirstFrame(long seconds) throws Exception {
        firstFrame.get(seconds, TimeUnit.SECONDS);
    }

    /** Completes with the server's close code and reason, e.g. {@code "1008 idle timeout: ..."}. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    @Override
    public void close() {
        socket.abort();
    }
}
