package dev.gitfn.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * git's own smart HTTP server, {@code git http-backend}, run as CGI the way a web
 * server would run it: one process per request, request body on stdin, CGI
 * headers then the body on stdout. The baseline the benchmark compares with.
 */
final class GitHttpBackend implements AutoCloseable {
    private final HttpServer server;
    private final Path projectRoot;

    GitHttpBackend(Path projectRoot) throws IOException {
        this.projectRoot = projectRoot.toAbsolutePath();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("git", "http-backend");
        var env = pb.environment();
        env.put("GIT_PROJECT_ROOT", projectRoot.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", exchange.getRequestURI().getPath());
        env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? ""
                : exchange.getRequestURI().getRawQuery());
        env.put("REMOTE_ADDR", "127.0.0.1");
        copyHeader(exchange, env, "Content-Type", "CONTENT_TYPE");
        copyHeader(exchange, env, "Content-Length", "CONTENT_LENGTH");
        copyHeader(exchange, env, "Content-Encoding", "HTTP_CONTENT_ENCODING");
        copyHeader(exchange, env, "Git-Protocol", "GIT_PROTOCOL");
        Process p = pb.start();
        Thread feeder = new Thread(() -> {
            try (InputStream in = exchange.getRequestBody(); OutputStream out = p.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the backend stopped reading
            }
        });
        feeder.start();
        try (InputStream cgi = new BufferedInputStream(p.getInputStream())) {
            int status = 200;
            for (String line = readLine(cgi); !line.isEmpty(); line = readLine(cgi)) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.substring(0, 3));
                } else {
                    exchange.getResponseHeaders().add(name, value);
                }
            }
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                cgi.transferTo(out);
            }
        } finally {
            p.getErrorStream().transferTo(OutputStream.nullOutputStream());
            exchange.close();
        }
    }

    /** Passes a request header to the CGI process as the variable CGI names it by. */
    private static void copyHeader(HttpExchange exchange, java.util.Map<String, String> env, String header,
            String variable) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.write(c);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
