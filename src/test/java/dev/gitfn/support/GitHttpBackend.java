package dev.gitfn.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * git's own smart HTTP server, {@code git http-backend}, the way a git host runs it:
 * as CGI under lighttpd (Debian's package), one process per request, over a project
 * root of bare repositories. The reference the conformance suite and the benchmarks
 * compare gitfn with. Set {@code GITFN_TEST_LIGHTTPD} to the binary if it is not
 * {@code /usr/sbin/lighttpd}; {@link #available()} says whether it is there.
 *
 * <p>Configured as hosts configure it: every repository exported, push enabled over
 * HTTP, partial clone allowed ({@code uploadpack.allowFilter}), push options
 * advertised; HEAD of a new repository names {@code main}.
 */
public final class GitHttpBackend implements AutoCloseable {
    private final Path root;
    private final Path dir;
    private final Process process;
    private final int port;

    public static String binary() {
        String configured = System.getenv("GITFN_TEST_LIGHTTPD");
        return configured != null && !configured.isBlank() ? configured : "/usr/sbin/lighttpd";
    }

    public static boolean available() {
        return Files.isExecutable(Path.of(binary()));
    }

    /** Serves the bare repositories under {@code projectRoot} ({@code <name>.git}). */
    public GitHttpBackend(Path projectRoot) throws IOException {
        this.root = Files.createDirectories(projectRoot).toAbsolutePath();
        this.dir = Files.createTempDirectory("gitfn-lighttpd");
        this.port = freePort();
        String backend = gitExecPath() + "/git-http-backend";
        Files.writeString(dir.resolve("lighttpd.conf"), String.join("\n",
                "server.modules = ( \"mod_alias\", \"mod_cgi\", \"mod_setenv\" )",
                "server.bind = \"127.0.0.1\"",
                "server.port = " + port,
                "server.document-root = \"" + root + "\"",
                "server.errorlog = \"" + dir.resolve("error.log") + "\"",
                "server.max-request-size = 2097151",
                // Buffered, so a chunked request (libgit2, dulwich) reaches the CGI with its length.
                "server.stream-request-body = 0",
                "server.stream-response-body = 2",
                "alias.url = ( \"/\" => \"" + backend + "/\" )",
                "cgi.assign = ( \"\" => \"\" )",
                "setenv.add-environment = ( \"GIT_PROJECT_ROOT\" => \"" + root + "\", \"GIT_HTTP_EXPORT_ALL\" => \"1\","
                        + " \"GIT_CONFIG_GLOBAL\" => \"" + dir.resolve("gitconfig") + "\" )",
                ""));
        Files.writeString(dir.resolve("gitconfig"), String.join("\n",
                "[http]", "\treceivepack = true",
                "[uploadpack]", "\tallowFilter = true",
                "[receive]", "\tadvertisePushOptions = true",
                "[safe]", "\tdirectory = *", ""));
        process = new ProcessBuilder(binary(), "-D", "-f", dir.resolve("lighttpd.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        awaitPort();
    }

    /** A new empty bare repository {@code <name>.git} with HEAD on {@code main}. */
    public void createRepo(String name) throws IOException {
        Path repo = root.resolve(name + ".git");
        Files.createDirectories(repo.getParent());
        run(root, "git", "init", "-q", "--bare", "-b", "main", repo.toString());
    }

    public Path repoDir(String name) {
        return root.resolve(name + ".git");
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /**
     * CPU time (user + system, ms) of the CGI processes so far: lighttpd reaps them, so
     * their time is in its children's counters in {@code /proc}.
     */
    public long cpuMillis() {
        return ServerCpu.childrenMillis(process.pid());
    }

    private static String gitExecPath() throws IOException {
        Process p = new ProcessBuilder("git", "--exec-path").start();
        String path = new String(p.getInputStream().readAllBytes()).trim();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return path;
    }

    private static void run(Path dir, String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void awaitPort() throws IOException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IOException("lighttpd exited: " + Files.readString(dir.resolve("stdout.log")));
            }
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        throw new IOException("lighttpd did not listen within 20 s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
