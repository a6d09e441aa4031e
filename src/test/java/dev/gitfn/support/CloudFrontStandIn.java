package dev.gitfn.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/**
 * A loopback stand-in for CloudFront's invalidation API (CloudFront itself is not reachable
 * here): it records every request and refuses the first {@code refusals} with 503, as a
 * throttled API does, then answers 201 as CloudFront does for a created invalidation.
 *
 * <p>One per JVM and name: a {@code @QuarkusTest} class is loaded twice (by JUnit, and by
 * Quarkus for the application), so the server and its records live in the system
 * properties, in JDK types both copies share.
 */
public final class CloudFrontStandIn {
    /** One request as it arrived, and what it was answered. */
    public record Request(String method, String path, Map<String, List<String>> headers, String body, int status) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final List<Object[]> requests;

    @SuppressWarnings("unchecked")
    private CloudFrontStandIn(HttpServer server, List<Object[]> requests) {
        this.server = server;
        this.requests = requests;
    }

    /** The stand-in called {@code name}, started on first use. */
    @SuppressWarnings("unchecked")
    public static CloudFrontStandIn shared(String name, int refusals) {
        java.util.Properties props = System.getProperties();
        synchronized (props) {
            Object server = props.get(name + ".server");
            if (server == null) {
                List<Object[]> requests = new CopyOnWriteArrayList<>();
                server = start(requests, new AtomicInteger(refusals));
                props.put(name + ".server", server);
                props.put(name + ".requests", requests);
            }
            return new CloudFrontStandIn((HttpServer) server, (List<Object[]>) props.get(name + ".requests"));
        }
    }

    private static HttpServer start(List<Object[]> requests, AtomicInteger refusals) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                int status = refusals.getAndDecrement() > 0 ? 503 : 201;
                requests.add(new Object[] {exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        Map.copyOf(exchange.getRequestHeaders()), body, status});
                byte[] answer = (status == 201 ? "<Invalidation><Status>InProgress</Status></Invalidation>"
                        : "<Error><Code>ServiceUnavailable</Code></Error>").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/xml");
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @SuppressWarnings("unchecked")
    public List<Request> requests() {
        return requests.stream().map(r -> new Request((String) r[0], (String) r[1], (Map<String, List<String>>) r[2],
                (String) r[3], (Integer) r[4])).toList();
    }
}
