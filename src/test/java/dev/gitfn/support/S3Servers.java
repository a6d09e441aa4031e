package dev.gitfn.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Configuration;

/**
 * Real S3 servers for tests. S3Proxy (from Maven Central, copied to
 * {@code target/s3proxy/s3proxy.jar} by the build) runs as a process of the test;
 * its conditional writes are correct one at a time but not atomic under
 * contention. Ceph RGW, whose compare-and-swap is atomic, is started outside
 * the JVM by {@code .ci/run} (.ci/ceph-rgw.sh) and named by
 * {@code GITFN_TEST_RGW_ENDPOINT}.
 */
public final class S3Servers {
    public static final String RGW_ENDPOINT_VARIABLE = "GITFN_TEST_RGW_ENDPOINT";

    private static final Map<URI, S3AsyncClient> CLIENTS = new java.util.concurrent.ConcurrentHashMap<>();

    private S3Servers() {
    }

    /** Where a test finds a server, and the credentials to use there. */
    public record Endpoint(URI uri, String accessKey, String secretKey) {
        /** One SDK client per server for the whole test run (closing one costs Netty's 2 s quiet period). */
        public S3AsyncClient client() {
            return CLIENTS.computeIfAbsent(uri, u -> newClient());
        }

        private S3AsyncClient newClient() {
            return S3AsyncClient.builder().endpointOverride(uri).region(Region.US_EAST_1).forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(accessKey, secretKey)))
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                    .multipartEnabled(true).build();
        }

        public void createBucket(String bucket) {
            client().createBucket(b -> b.bucket(bucket)).join();
        }

        /** The environment that points a gitfn process at this server and bucket. */
        public Map<String, String> gitfnEnv(String bucket, String prefix) {
            return Map.of("GITFN_STORAGE", "s3", "GITFN_S3_BUCKET", bucket, "GITFN_S3_PREFIX", prefix,
                    "GITFN_S3_ENDPOINT", uri.toString(), "GITFN_S3_PATH_STYLE", "true",
                    "AWS_ACCESS_KEY_ID", accessKey, "AWS_SECRET_ACCESS_KEY", secretKey, "AWS_REGION", "us-east-1");
        }
    }

    /** The Ceph RGW endpoint, or null when none was started for this run. */
    public static Endpoint rgw() {
        String endpoint = System.getenv(RGW_ENDPOINT_VARIABLE);
        return endpoint == null || endpoint.isBlank() ? null : new Endpoint(URI.create(endpoint), "id", "secret");
    }

    /** A running S3Proxy process on a free port, storing under {@code dir}. */
    public static final class S3Proxy implements AutoCloseable {
        private final Process process;
        private final Endpoint endpoint;

        public S3Proxy(Path dir) throws IOException {
            Path jar = Path.of("target/s3proxy/s3proxy.jar");
            if (!Files.isRegularFile(jar)) {
                throw new IOException(jar + " is missing: run the tests through Maven");
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Files.createDirectories(dir.resolve("blobs"));
            Path properties = dir.resolve("s3proxy.properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=local-identity",
                    "s3proxy.credential=local-credential",
                    "jclouds.provider=filesystem",
                    "jclouds.filesystem.basedir=" + dir.resolve("blobs").toAbsolutePath(), ""));
            process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    jar.toString(), "--properties", properties.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("s3proxy.log").toFile()).start();
            endpoint = new Endpoint(URI.create("http://127.0.0.1:" + port), "local-identity", "local-credential");
            long deadline = System.currentTimeMillis() + 60_000;
            while (true) {
                try (Socket ignored = new Socket("127.0.0.1", port)) {
                    return;
                } catch (IOException notYet) {
                    if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                        close();
                        throw new IOException("S3Proxy did not start; see " + dir.resolve("s3proxy.log"));
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
            }
        }

        public Endpoint endpoint() {
            return endpoint;
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
