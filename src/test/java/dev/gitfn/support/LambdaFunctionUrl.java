package dev.gitfn.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands where a Lambda function URL in RESPONSE_STREAM mode and the Web Adapter
 * stand, on loopback, in front of a gitfn process: the whole request is buffered
 * (the function gets it as a JSON event with a base64 body, at most 6 MB, else 413
 * before the function runs), no connection upgrades, and the response streams back
 * with Lambda's accounting: the first 6 MB at full speed, the rest at 2 MB/s (added
 * to the measured time, not slept), cut at 200 MB. It follows no redirect: git does.
 */
public final class LambdaFunctionUrl implements AutoCloseable {
    public static final long MAX_EVENT_BYTES = 6L * 1024 * 1024;
    public static final long FULL_SPEED_BYTES = 6L * 1024 * 1024;
    public static final long TAIL_BYTES_PER_SECOND = 2L * 1024 * 1024;
    public static final long MAX_RESPONSE_BYTES = 200L * 1024 * 1024;
    /** What a function URL event holds besides the body (request context, headers), roughly. */
    private static final int EVENT_OVERHEAD = 2048;
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection",
            "transfer-encoding", "expect", "upgrade", "keep-alive");

    /** One invocation as Lambda would bill and time it. */
    public record Invocation(String method, String path, int status, long responseBytes, double measuredSeconds,
            double lambdaSeconds) {
    }

    private final HttpServer server;
    private final URI target;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final List<Invocation> invocations = new CopyOnWriteArrayList<>();

    public LambdaFunctionUrl(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::invoke);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    public List<Invocation> invocations() {
        return List.copyOf(invocations);
    }

    private void invoke(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        String pathAndQuery = exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            long headerBytes = exchange.getRequestHeaders().entrySet().stream()
                    .mapToLong(e -> e.getKey().length() + String.join(",", e.getValue()).length() + 8).sum();
            long eventBytes = (body.length + 2L) / 3 * 4 + headerBytes + EVENT_OVERHEAD;
            if (eventBytes > MAX_EVENT_BYTES) {
                byte[] refusal = ("{\"Message\":\"Request must be smaller than " + MAX_EVENT_BYTES
                        + " bytes for the InvokeFunction operation\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(413, refusal.length);
                exchange.getResponseBody().write(refusal);
                record(exchange, pathAndQuery, 413, refusal.length, started);
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(pathAndQuery.substring(1)))
                    .timeout(Duration.ofMinutes(15))
                    .method(exchange.getRequestMethod(), body.length == 0 && !"POST".equals(exchange.getRequestMethod())
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            HttpResponse<InputStream> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            response.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            exchange.sendResponseHeaders(response.statusCode(), 0);
            long sent = 0;
            try (InputStream in = response.body(); OutputStream out = exchange.getResponseBody()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0;) {
                    int allowed = (int) Math.min(n, MAX_RESPONSE_BYTES - sent);
                    out.write(buffer, 0, allowed);
                    sent += allowed;
                    if (sent >= MAX_RESPONSE_BYTES) {
                        break; // Lambda ends the stream at 200 MB: the client sees it cut
                    }
                }
            } catch (IOException clientGone) {
                // the client hung up; account what was sent
            }
            record(exchange, pathAndQuery, response.statusCode(), sent, started);
        }
    }

    private void record(HttpExchange exchange, String path, int status, long bytes, long started) {
        double measured = (System.nanoTime() - started) / 1e9;
        // Past the first 6 MB Lambda streams at 2 MB/s: an invocation lasts at least that long.
        double tail = Math.max(0, bytes - FULL_SPEED_BYTES) / (double) TAIL_BYTES_PER_SECOND;
        invocations.add(new Invocation(exchange.getRequestMethod(), path, status, bytes, measured,
                Math.max(measured, tail)));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
