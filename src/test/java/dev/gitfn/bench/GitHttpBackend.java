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
    /** CPU time (user + system) the CGI processes used, as their shell's {@code times} reports it. */
    private final java.util.concurrent.atomic.AtomicLong cpuMillis = new java.util.concurrent.atomic.AtomicLong();

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
        // The shell reports its children's CPU time on stderr once git http-backend exits.
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "git http-backend; s=$?; times >&2; exit $s");
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
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            cpuMillis.addAndGet(childCpuMillis(err));
            exchange.close();
        }
    }

    /** Server CPU so far: every CGI process's user and system time. */
    long cpuMillis() {
        return cpuMillis.get();
    }

    /** The children's line of {@code times} ({@code 0m0.120000s 0m0.030000s}), summed, in ms. */
    static long childCpuMillis(String stderr) {
        String[] lines = stderr.strip().split("\n");
        if (lines.length < 2) {
            return 0;
        }
        long total = 0;
        for (String field : lines[lines.length - 1].trim().split("\\s+")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)m([0-9.]+)s").matcher(field);
            if (m.matches()) {
                total += Long.parseLong(m.group(1)) * 60_000 + Math.round(Double.parseDouble(m.group(2)) * 1000);
            }
        }
        return total;
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
