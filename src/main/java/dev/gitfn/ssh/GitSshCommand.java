package dev.gitfn.ssh;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;
import org.jboss.logging.Logger;

import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Client;
import dev.gitfn.admission.Printable;
import dev.gitfn.admission.Refusal;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.admission.Transport;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.protocol.GitService;
import io.smallrye.mutiny.Uni;

/**
 * One {@code git-upload-pack} or {@code git-receive-pack} over an SSH channel: admitted by
 * the one admission step (without a thread: MINA's thread returns at once), then served on
 * a worker by the same protocol layer as the tunnel. Protocol v2 when the client sends
 * {@code GIT_PROTOCOL=version=2} (OpenSSH's {@code SendEnv}, which git sets). A refusal is
 * git's {@code fatal:} line on stderr and exit status 128.
 */
final class GitSshCommand extends ChannelCommand {
    private static final Logger LOG = Logger.getLogger(GitSshCommand.class);

    private final GitCommandLine line;
    private final SshTransport ssh;
    private final AtomicReference<Runnable> release = new AtomicReference<>(() -> { });
    private volatile Future<?> running;

    GitSshCommand(GitCommandLine line, SshTransport ssh) {
        this.line = line;
        this.ssh = ssh;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        Client client = SshTransport.client(channel.getServerSession());
        int version = version(env.getEnv().get("GIT_PROTOCOL"));
        Runnable clientSlot;
        try {
            clientSlot = ssh.admission().enter(client);
        } catch (Refusal tooMany) {
            refuse(tooMany);
            return;
        }
        AtomicReference<Runnable> packSlot = new AtomicReference<>(() -> { });
        release.set(() -> {
            clientSlot.run();
            packSlot.get().run();
        });
        ssh.admission().admit(Transport.SSH, client, SshTransport.credentials(channel.getServerSession()),
                        line.path(), line.service().permission())
                .flatMap(admitted -> line.service() != GitService.UPLOAD_PACK ? Uni.createFrom().item(admitted)
                        : ssh.admission().packSlot().invoke(packSlot::set).map(slot -> admitted))
                .subscribe().with(admitted -> {
                    try {
                        running = ssh.workers().submit(() -> serve(admitted, version));
                    } catch (RejectedExecutionException full) {
                        refuse(new Refusal(Refusal.Reason.TOO_MANY_REQUESTS, "too many SSH sessions on this "
                                + "instance, try again shortly (gitfn.ssh.max-sessions)"));
                    }
                }, this::refuse);
    }

    /** On a worker: the whole conversation, then the exit status. */
    private void serve(Admitted admitted, int version) {
        String what = line.service().serviceName() + " of " + admitted.name();
        try {
            BufferedOutputStream buffered = new BufferedOutputStream(out, 64 * 1024);
            if (line.service() == GitService.UPLOAD_PACK) {
                try (CachedRepo repo = ssh.cache().open(admitted.name())) {
                    ssh.protocol().uploadPackSession(repo, version, in, buffered);
                }
            } else {
                // 404 before any advertisement
                ssh.cache().openForPush(admitted.name(), ssh.admission().createdByPush(admitted, Transport.SSH)).close();
                ssh.protocol().receivePackSession(admitted.name(), admitted.rules(),
                        admitted.pusher(Transport.SSH), in, buffered);
            }
            buffered.flush();
            finish(0, null);
        } catch (Exception e) {
            Throwable root = rootRefusal(e);
            if (Refusal.of(root).isPresent()) {
                refuse(root);
            } else {
                // The message may quote what the client sent: cut and made printable.
                String message = e.getMessage() == null ? "internal server error" : Printable.of(e.getMessage(), 200);
                LOG.infof("SSH %s ended: %s", what, message);
                fatal(message, 128);
            }
        }
    }

    private static Throwable rootRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (Refusal.of(t).isPresent()) {
                return t;
            }
        }
        return e;
    }

    /** git's {@code GIT_PROTOCOL} value ({@code version=2}, maybe among others joined by {@code :}). */
    static int version(String gitProtocol) {
        int version = 0;
        if (gitProtocol != null) {
            for (String part : gitProtocol.split(":")) {
                if (part.equals("version=2")) {
                    version = 2;
                } else if (part.equals("version=1") && version == 0) {
                    version = 1;
                }
            }
        }
        return version;
    }

    private void refuse(Throwable failure) {
        Optional<Refusal> refusal = Refusal.of(failure);
        if (refusal.isEmpty()) {
            LOG.errorf(failure, "SSH %s of %s failed", line.service().serviceName(), line.path());
            fatal("internal server error", 128);
            return;
        }
        Refusal r = refusal.get();
        fatal(message(r, failure, line.path()), r.reason().sshExitStatus());
    }

    /** A refusal in git's words over SSH, for any command naming the repository at {@code path}. */
    static String message(Refusal r, Throwable failure, String path) {
        return switch (r.reason()) {
            // git's own wording for a repository that is not there (or not readable: the same answer)
            // (a renamed one says where it went: only a client that may read it gets this far)
            case NOT_FOUND, UNAUTHENTICATED -> failure instanceof RepoMovedException ? r.getMessage()
                    : "'" + path + "' does not appear to be a git repository";
            default -> r.getMessage();
        };
    }

    private void fatal(String message, int status) {
        try {
            err.write(("fatal: " + message + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException gone) {
            LOG.debugf("SSH client left before its error: %s", gone.getMessage());
        }
        finish(status, message);
    }

    private void finish(int status, String message) {
        release.getAndSet(() -> { }).run();
        exit.onExit(status, message == null ? "" : message);
    }

    @Override
    public void destroy(ChannelSession channel) {
        Future<?> work = running;
        if (work != null) {
            work.cancel(true); // the channel closed under it: stop reading and writing
        }
        release.getAndSet(() -> { }).run();
    }
}
