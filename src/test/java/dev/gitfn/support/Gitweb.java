package dev.gitfn.support;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * git's own web view, {@code gitweb} (Debian's package), as CGI under lighttpd over a
 * project root of bare repositories: the reference the web view's benchmark compares
 * gitfn's pages with. {@link #available()} says whether both are installed.
 */
public final class Gitweb implements AutoCloseable {
    static final Path CGI = Path.of("/usr/share/gitweb/gitweb.cgi");
    private final Path dir;
    private final Process process;
    private final int port;

    public static boolean available() {
        return Files.isRegularFile(CGI) && GitHttpBackend.available();
    }

    public Gitweb(Path projectRoot) throws IOException {
        Path root = projectRoot.toAbsolutePath();
        this.dir = Files.createTempDirectory("gitfn-gitweb");
        try (ServerSocket s = new ServerSocket(0)) {
            this.port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("gitweb.conf"), String.join("\n",
                "our $projectroot = \"" + root + "\";",
                "our $GIT = \"/usr/bin/git\";",
                "$feature{'highlight'}{'default'} = [0];",
                ""));
        Files.writeString(dir.resolve("lighttpd.conf"), String.join("\n",
                "server.modules = ( \"mod_alias\", \"mod_cgi\", \"mod_setenv\" )",
                "server.bind = \"127.0.0.1\"",
                "server.port = " + port,
                "server.document-root = \"/usr/share/gitweb\"",
                "server.errorlog = \"" + dir.resolve("error.log") + "\"",
                "alias.url = ( \"/\" => \"" + CGI + "\" )",
                "cgi.assign = ( \".cgi\" => \"/usr/bin/perl\" )",
                "setenv.add-environment = ( \"GITWEB_CONFIG\" => \"" + dir.resolve("gitweb.conf") + "\","
                        + " \"GIT_CONFIG_GLOBAL\" => \"" + dir.resolve("gitconfig") + "\" )",
                ""));
        Files.writeString(dir.resolve("gitconfig"), "[safe]\n\tdirectory = *\n");
        process = new ProcessBuilder(GitHttpBackend.binary(), "-D", "-f", dir.resolve("lighttpd.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new IOException("lighttpd with gitweb did not start: " + dir.resolve("stdout.log"));
                }
            }
        }
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** CPU time (ms) of the CGI processes so far (lighttpd's reaped children). */
    public long cpuMillis() {
        return ServerCpu.childrenMillis(process.pid());
    }

    @Override
    public void close() {
        process.destroy();
    }
}
