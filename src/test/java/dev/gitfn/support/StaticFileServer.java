package dev.gitfn.support;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.net.httpserver.HttpServer;

/**
 * A plain static web server over a folder, standing in for a bucket's HTTP
 * endpoint or a CDN: GET of a file, 404 otherwise, nothing git-aware.
 */
public final class StaticFileServer implements AutoCloseable {
    private final HttpServer server;
    /** Paths of the files served (200), in order. */
    private final java.util.List<String> served = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** Where those paths are also appended, one per line (null: nowhere), for readers in another class loader. */
    private final Path servedLog;

    public StaticFileServer(Path root) throws IOException {
        this(root, null);
    }

    public StaticFileServer(Path root, Path servedLog) throws IOException {
        this.servedLog = servedLog;
        Path base = root.toAbsolutePath().normalize();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            Path file = base.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(base) || !Files.isRegularFile(file) || !exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            served.add(exchange.getRequestURI().getPath());
            if (servedLog != null) {
                synchronized (served) {
                    Files.writeString(servedLog, exchange.getRequestURI().getPath() + "\n",
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                }
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    /** The paths this server answered with a file, so far. */
    public java.util.List<String> served() {
        synchronized (served) {
            return java.util.List.copyOf(served);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
