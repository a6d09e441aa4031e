package dev.gitfn.tunnel.client;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code git-remote-ws} and {@code git-remote-wss}: a git remote helper
 * (gitremote-helpers(7)) that offers the {@code connect} capability, so git
 * runs its usual fetch-pack and send-pack over a WebSocket to gitfn exactly
 * as it would over ssh. Only the JDK is used, to keep start-up short.
 */
public final class RemoteHelper {
    private final TunnelUrl url;
    private final InputStream stdin = new FileInputStream(FileDescriptor.in);
    private final OutputStream stdout = new FileOutputStream(FileDescriptor.out);

    private RemoteHelper(TunnelUrl url) {
        this.url = url;
    }

    /** git runs {@code git-remote-ws <remote> [<url>]}. */
    public static void main(String[] args) {
        int exit;
        try {
            if (args.length < 1) {
                throw new HelperException("usage: git-remote-ws <remote> [<url>] (git runs this for ws:// URLs)");
            }
            exit = new RemoteHelper(TunnelUrl.parse(args.length > 1 ? args[1] : args[0])).run();
        } catch (HelperException e) {
            if (!e.reported) {
                System.err.println("fatal: " + e.getMessage());
            }
            exit = 128;
        } catch (IOException e) {
            System.err.println("fatal: " + e.getMessage());
            exit = 128;
        }
        System.err.flush();
        Runtime.getRuntime().halt(exit); // nothing left to clean up; skip the JVM's shutdown work
    }

    /** Answers git's commands until it asks to connect, then becomes the pipe. */
    private int run() throws IOException, HelperException {
        PrintStream out = new PrintStream(stdout, false, StandardCharsets.UTF_8);
        while (true) {
            String line = readLine();
            if (line == null || line.isEmpty()) {
                return 0;
            }
            if (line.equals("capabilities")) {
                out.print("connect\n\n");
                out.flush();
            } else if (line.startsWith("option ")) {
                out.print("unsupported\n");
                out.flush();
            } else if (line.startsWith("connect ")) {
                return connect(line.substring("connect ".length()), out);
            } else {
                throw new HelperException("git-remote-ws: unknown command '" + line + "'");
            }
        }
    }

    private int connect(String service, PrintStream out) throws HelperException {
        if (!service.equals("git-upload-pack") && !service.equals("git-receive-pack")) {
            throw new HelperException("git-remote-ws: unsupported service " + service);
        }
        Map<String, String> config = GitCommands.config();
        // git gives a connect helper no GIT_PROTOCOL; it asks for v2 by configuration
        // (default 2), and pushes speak v0 whatever is configured, as git's own do.
        int version = service.equals("git-upload-pack") ? parseVersion(config.get("protocol.version")) : 0;
        Tunnel tunnel = Tunnel.open(url, service, version, config);
        out.print("\n"); // connected: from here on stdin and stdout are the service's
        out.flush();
        return tunnel.pump(stdin, stdout);
    }

    private static int parseVersion(String configured) {
        if (configured == null) {
            return 2;
        }
        return switch (configured.trim()) {
            case "0" -> 0;
            case "1" -> 1;
            default -> 2;
        };
    }

    /** One command line from git, read byte by byte so nothing after it is consumed. */
    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int c = stdin.read();
            if (c < 0) {
                return line.length() == 0 ? null : line.toString();
            }
            if (c == '\n') {
                return line.toString();
            }
            line.append((char) c);
        }
    }
}
