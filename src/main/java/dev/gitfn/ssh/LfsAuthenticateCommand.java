package dev.gitfn.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import dev.gitfn.admission.Client;
import dev.gitfn.admission.Refusal;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.Permission;

/**
 * {@code git-lfs-authenticate <repo> <upload|download>}: what git-lfs asks an SSH remote
 * for before it talks to the LFS API over HTTP. Admitted like git's own commands (the SSH
 * key must be allowed to push for upload, to read for download); the answer is the API's
 * {@code href} and a short-lived ticket as its {@code Authorization} header, valid for
 * {@code gitfn.lfs.url-ttl} and for this repository only.
 */
final class LfsAuthenticateCommand extends ChannelCommand {
    private static final Logger LOG = Logger.getLogger(LfsAuthenticateCommand.class);

    /** The command as git-lfs sends it. */
    record Line(String path, Permission permission) {
        /** Empty when the command is not {@code git-lfs-authenticate <path> <operation>}. */
        static Optional<Line> parse(String command) {
            if (command == null || command.length() > 4096) {
                return Optional.empty();
            }
            String[] words = command.strip().split(" +");
            if (words.length != 3 || !words[0].equals("git-lfs-authenticate")) {
                return Optional.empty();
            }
            Permission permission = switch (words[2]) {
                case "upload" -> Permission.WRITE;
                case "download" -> Permission.READ;
                default -> null;
            };
            if (permission == null) {
                return Optional.empty();
            }
            // The path as git's commands carry it (maybe quoted, maybe with a leading / or ~/).
            return GitCommandLine.parse("git-upload-pack " + words[1]).map(g -> new Line(g.path(), permission));
        }
    }

    private final Line line;
    private final SshTransport ssh;

    LfsAuthenticateCommand(Line line, SshTransport ssh) {
        this.line = line;
        this.ssh = ssh;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        Client client = SshTransport.client(channel.getServerSession());
        String base = ssh.lfsUrl().map(u -> u.toString().replaceAll("/+$", "")).orElseGet(() -> ownUrl(channel));
        ssh.admission().admit(Transport.SSH, client, SshTransport.credentials(channel.getServerSession()),
                line.path(), line.permission())
                .flatMap(admitted -> ssh.access().tickets().issue(admitted.who(), admitted.name(), line.permission(),
                        ssh.lfsTtl()).map(ticket -> "{\"href\":\"" + base + "/" + admitted.name().value()
                                + ".git/info/lfs\",\"header\":{\"Authorization\":\"Bearer " + ticket
                                + "\"},\"expires_in\":" + ssh.lfsTtl().toSeconds() + "}\n"))
                .subscribe().with(this::answer, this::refuse);
    }

    /** This instance's HTTP port on the address the client reached SSH at. */
    private static String ownUrl(ChannelSession channel) {
        String host = channel.getServerSession().getLocalAddress() instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() : "127.0.0.1";
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        boolean test = io.quarkus.runtime.LaunchMode.current() == io.quarkus.runtime.LaunchMode.TEST;
        int port = ConfigProvider.getConfig().getOptionalValue(test ? "quarkus.http.test-port" : "quarkus.http.port",
                Integer.class).orElse(8080);
        return "http://" + host + ":" + port;
    }

    private void answer(String json) {
        try {
            out.write(json.getBytes(StandardCharsets.UTF_8));
            out.flush();
            exit.onExit(0, "");
        } catch (IOException gone) {
            LOG.debugf("SSH client left before its LFS answer: %s", gone.getMessage());
            exit.onExit(128, "");
        }
    }

    private void refuse(Throwable failure) {
        Optional<Refusal> refusal = Refusal.of(failure);
        if (refusal.isEmpty()) {
            LOG.errorf(failure, "git-lfs-authenticate for %s failed", line.path());
        }
        String message = refusal.map(r -> GitSshCommand.message(r, failure, line.path())).orElse("internal server error");
        try {
            err.write(("fatal: " + message + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException gone) {
            LOG.debugf("SSH client left before its error: %s", gone.getMessage());
        }
        exit.onExit(refusal.map(r -> r.reason().sshExitStatus()).orElse(128), message);
    }

    @Override
    public void destroy(ChannelSession channel) {
    }
}
