package dev.gitfn.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * gitfn as it is deployed: the packaged application in its own JVM, on its own
 * port, configured only by environment variables.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int managementPort;

    public ServerProcess(Path log, Map<String, String> env, String... jvmArgs) throws IOException {
        String jar = System.getProperty("gitfn.app.jar", "target/quarkus-app/quarkus-run.jar");
        // Both ports held open while the other is chosen: two calls one after the other may get
        // the same just-closed port (seen in CI), and Vert.x then serves both routers on it.
        try (ServerSocket main = new ServerSocket(0); ServerSocket management = new ServerSocket(0)) {
            this.port = main.getLocalPort();
            this.managementPort = management.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        // gitfn.server.java: another JDK for the server (the cold-start benchmark compares two).
        command.add(Path.of(System.getProperty("gitfn.server.java", System.getProperty("java.home")), "bin", "java")
                .toString());
        command.addAll(List.of(jvmArgs));
        command.addAll(List.of("-jar", jar));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // A platform's variables only where a test sets them: the machine running the tests may be one.
        pb.environment().keySet().removeAll(List.of("K_SERVICE", "AWS_LAMBDA_FUNCTION_NAME",
                "KUBERNETES_SERVICE_HOST"));
        pb.environment().putAll(env);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        process = pb.start();
        awaitReady(log);
    }

    /**
     * Environment for an instance on the folder store: its store and cache under
     * {@code work}, plus {@code extra} settings.
     */
    public static Map<String, String> folderStore(Path work, Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(extra);
        env.put("GITFN_FS_ROOT", work.resolve("store").toString());
        env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
        return env;
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** The management port: health ({@code q/health/...}) and metrics ({@code q/metrics}). */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort + "/";
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(Path log) throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("gitfn exited with " + process.exitValue() + "; see " + log);
            }
            try {
                // Any answer means the HTTP server is up; the store may be slow or down on purpose.
                Http.get(URI.create(url()));
                return;
            } catch (IllegalStateException notYet) {
                // connection refused while starting
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        close();
        throw new IOException("gitfn did not start within 60 s; see " + log);
    }


    /** Ends the process at once (SIGKILL), as a crashed or reclaimed serverless instance ends. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(java.util.concurrent.TimeUnit.SECONDS.toMillis(10),
                    java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
