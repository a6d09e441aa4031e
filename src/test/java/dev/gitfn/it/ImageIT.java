package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;

/**
 * The container image that {@code ./mvnw -Pimage package} writes with Jib (an OCI
 * tar, no engine): its configuration says what the manifests rely on (entrypoint,
 * non-root user, ports, the cache volume), and its layers, unpacked into a root
 * file system, start gitfn as that user, which then serves a push and a clone.
 */
class ImageIT {
    private static final Path IMAGE = Path.of("target/gitfn-image.tar");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theImageIsConfiguredAsDeployedAndRuns() throws Exception {
        assumeTrue(Files.exists(IMAGE), "no image: build with ./mvnw -Pimage package (.ci/run does)");
        Path work = TestDirs.fresh("image");
        Path layout = work.resolve("oci");
        untar(IMAGE, layout);
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").get(0).path("digest").asText()).toFile());
        JsonNode config = JSON.readTree(blob(layout, manifest.path("config").path("digest").asText()).toFile())
                .path("config");

        assertEquals(List.of("/opt/java/bin/java", "-XX:MaxRAMPercentage=60", "-jar", "/app/quarkus-run.jar"),
                JSON.convertValue(config.path("Entrypoint"), List.class));
        assertEquals("10001:10001", config.path("User").asText(), "not root");
        assertTrue(config.path("ExposedPorts").has("8080/tcp") && config.path("ExposedPorts").has("8081/tcp"));
        assertTrue(config.path("Volumes").has("/cache") && config.path("Volumes").has("/tmp"));
        assertTrue(config.path("Env").toString().contains("GITFN_CACHE_DIR=/cache"), config.toString());

        // The layers, in order, make the root file system; nothing of the application twice.
        Path root = work.resolve("root");
        List<String> paths = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            paths.addAll(untar(blob(layout, layer.path("digest").asText()), root));
        }
        assertTrue(Files.isExecutable(root.resolve("opt/java/bin/java")));
        assertTrue(Files.exists(root.resolve("app/quarkus-run.jar")));
        assertFalse(paths.stream().anyMatch(p -> p.startsWith("app/libs/")), "Jib's own copy of the libraries");
        assertFalse(paths.stream().anyMatch(p -> p.matches("(usr/)?s?bin/(sh|bash|apt.*|dpkg)") || p.startsWith("var/lib/dpkg")), "no shell, no apt");

        // Run it as the image says, as its user, with a fresh /proc (a private mount namespace).
        assumeTrue("root".equals(System.getProperty("user.name")), "running the image needs root (chroot)");
        int port = freePort();
        int management = freePort();
        String entrypoint = String.join(" ", JSON.convertValue(config.path("Entrypoint"), List.class));
        ProcessBuilder pb = new ProcessBuilder("unshare", "--mount", "--fork", "--pid", "--kill-child", "sh", "-c",
                "mount -t proc proc " + root + "/proc && exec chroot --userspec=10001:10001 " + root + " "
                        + entrypoint);
        pb.environment().clear();
        for (JsonNode env : config.path("Env")) {
            String[] kv = env.asText().split("=", 2);
            pb.environment().put(kv[0], kv[1]);
        }
        pb.environment().putAll(Map.of("PATH", pb.environment().get("PATH") + ":/usr/sbin:/usr/bin:/sbin:/bin",
                "QUARKUS_HTTP_PORT", Integer.toString(port), "QUARKUS_MANAGEMENT_PORT", Integer.toString(management),
                "QUARKUS_HTTP_HOST", "127.0.0.1", "GITFN_FS_ROOT", "/cache/store"));
        Files.createDirectories(root.resolve("cache"));
        new ProcessBuilder("chown", "-R", "10001:10001", root.resolve("cache").toString(), root.resolve("tmp")
                .toString()).inheritIO().start().waitFor();
        Path log = work.resolve("image.log");
        Process gitfn = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            String base = "http://127.0.0.1:" + port + "/";
            awaitLive(URI.create("http://127.0.0.1:" + management + "/q/health/live"), gitfn, log);
            assertEquals(200, Http.get(URI.create("http://127.0.0.1:" + management + "/q/health/ready")).statusCode());
            assertEquals(201, Http.createRepo(URI.create(base), "team/app"));
            Git git = new Git(work.resolve("home"));
            Path src = git.newRepo(work.resolve("src"), 3);
            git.ok(src, "push", base + "team/app.git", "main");
            git.ok(work, "clone", "-q", base + "team/app.git", work.resolve("clone").toString());
            git.ok(work.resolve("clone"), "fsck", "--strict");
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("clone"), "main"));
            assertTrue(Files.exists(root.resolve("cache/store/team/app.git/gitfn-state")), "the store on the volume");
        } finally {
            // unshare passes no SIGTERM on, and its --kill-child does not reach the server: chroot's change of
            // user clears the parent-death signal, so gitfn outlived every run. Its processes go first, by pid.
            List<ProcessHandle> inside = gitfn.descendants().toList();
            inside.forEach(ProcessHandle::destroyForcibly);
            gitfn.destroyForcibly();
            gitfn.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            for (ProcessHandle p : inside) {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
    }

    /** Unpacks a (possibly gzipped) tar into {@code into} with the system's tar; returns the paths it held. */
    private static List<String> untar(Path tar, Path into) throws Exception {
        Files.createDirectories(into);
        Process list = new ProcessBuilder("tar", "-tf", tar.toString()).redirectErrorStream(true).start();
        List<String> names = new String(list.getInputStream().readAllBytes()).lines()
                .map(n -> n.replaceFirst("^\\./", "")).toList();
        assertEquals(0, list.waitFor(), "tar -tf " + tar);
        for (String name : names) {
            assertTrue(into.resolve(name).normalize().startsWith(into), "entry outside the image root: " + name);
        }
        Process extract = new ProcessBuilder("tar", "-xpf", tar.toString(), "-C", into.toString())
                .redirectErrorStream(true).start();
        String out = new String(extract.getInputStream().readAllBytes());
        assertEquals(0, extract.waitFor(), out);
        return names;
    }

    private static void awaitLive(URI live, Process process, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            assertTrue(process.isAlive(), "the image's process exited: " + Files.readString(log));
            try {
                if (Http.get(live).statusCode() == 200) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the image did not become live: " + Files.readString(log));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
