package dev.gitfn.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * nginx (Debian's package) as the CDN in front of the published bucket, with the
 * rules of {@code terraform/cdn.tf}: only git's dumb-HTTP paths, the files a push
 * changes never served from cache (CloudFront: TTL 0, revalidated), packs cached
 * for a year, anything else 404. Its access log says, per request, whether the
 * bucket was asked ({@code upstream=}) and the cache status.
 */
public final class NginxCdn implements AutoCloseable {
    public static final String BINARY_VARIABLE = "GITFN_TEST_NGINX";

    private final Process process;
    private final int port;
    private final Path dir;

    /** The nginx binary named by {@code GITFN_TEST_NGINX} (.ci/run installs it), or null. */
    public static String binary() {
        String nginx = System.getenv(BINARY_VARIABLE);
        return nginx == null || nginx.isBlank() ? null : nginx;
    }

    /** A CDN for {@code bucketUrl} (path style, no trailing slash), with its files under {@code dir}. */
    public NginxCdn(Path dir, URI bucketUrl) throws IOException {
        this.dir = Files.createDirectories(dir);
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        Files.createDirectories(dir.resolve("cache"));
        String origin = bucketUrl.toString().replaceAll("/+$", "");
        String conf = """
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events {}
                http {
                    log_format cdn '$request_method $uri $status cache=$upstream_cache_status upstream=$upstream_addr';
                    access_log %1$s/access.log cdn;
                    client_body_temp_path %1$s/client-body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    proxy_cache_path %1$s/cache keys_zone=cdn:10m max_size=1g;
                    server {
                        listen 127.0.0.1:%2$d;
                        # Changed by every push: never from the cache (CloudFront: TTL 0, revalidated).
                        location ~ \\.git/(info/refs|HEAD|objects/info/packs)$ {
                            limit_except GET { deny all; }
                            proxy_pass %3$s$uri;
                        }
                        # Named by their content's hash (packs, LFS objects): cached for a year, whatever the bucket says.
                        location ~ "\\.git/(objects/pack/pack-[0-9a-f]+\\.(pack|idx)|lfs/objects/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64})$" {
                            limit_except GET { deny all; }
                            proxy_cache cdn;
                            proxy_cache_valid 200 365d;
                            proxy_ignore_headers Cache-Control Expires Set-Cookie;
                            proxy_pass %3$s$uri;
                        }
                        location / {
                            return 404;
                        }
                    }
                }
                """.formatted(dir, port, origin);
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        process = new ProcessBuilder(binary(), "-p", dir.toString(), "-c", confFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        awaitListening();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** The access log's lines so far: {@code METHOD /path STATUS cache=... upstream=...}. */
    public List<String> accessLog() throws IOException {
        Path log = dir.resolve("access.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private void awaitListening() throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("nginx exited: " + Files.readString(dir.resolve("stdout.log"))
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        close();
        throw new IOException("nginx did not listen within 20 s");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
    }
}
