package dev.gitfn.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;

/** Anything that is not a git command (a shell, {@code ssh host ls}): a message on stderr, exit 128, as git-shell does. */
final class RefusedCommand extends ChannelCommand {
    private final String message;

    RefusedCommand(String message) {
        this.message = message;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        err.write(("fatal: " + message + "\n").getBytes(StandardCharsets.UTF_8));
        err.flush();
        exit.onExit(128, message);
    }

    @Override
    public void destroy(ChannelSession channel) {
    }
}
