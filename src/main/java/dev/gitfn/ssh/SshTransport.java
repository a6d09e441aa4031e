package dev.gitfn.ssh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSession;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Client;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Credentials;
import dev.gitfn.auth.SshPublicKey;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.SmartProtocol;
import dev.gitfn.storage.BlobStore;
import io.quarkus.runtime.StartupEvent;

/**
 * The SSH server ({@code gitfn.ssh.port}): public-key sign-in only, against the keys in
 * the users' records (any key when authentication is off, as anonymous HTTP is), then
 * one exec command per channel, which must be git's. Shells, subsystems, agent and port
 * forwarding are refused. Limits: sessions per instance, connections not yet signed in,
 * time to sign in, keys tried per connection, idle time.
 */
@ApplicationScoped
public class SshTransport {
    private static final Logger LOG = Logger.getLogger(SshTransport.class);
    /** The key a connection signed in with (set by the authenticator, read by the command). */
    static final AttributeKey<SshPublicKey> SIGNED_IN_KEY = new AttributeKey<>();
    private static final AttributeKey<Boolean> COUNTED_UNAUTHENTICATED = new AttributeKey<>();
    private static final Duration KEY_LOOKUP_LIMIT = Duration.ofSeconds(10);

    private final GitfnConfig.Ssh config;
    private final java.time.Duration lfsTtl;
    private final AccessControl access;
    private final Admission admission;
    private final RepositoryCache cache;
    private final SmartProtocol protocol;
    private final BlobStore store;
    private final String host;
    private final AtomicInteger sessions = new AtomicInteger();
    private final AtomicInteger unauthenticated = new AtomicInteger();
    private ExecutorService workers;
    private SshServer server;
    private String hostKeyFingerprint;

    public SshTransport(GitfnConfig config, AccessControl access, Admission admission, RepositoryCache cache,
            SmartProtocol protocol, BlobStore store, @ConfigProperty(name = "quarkus.http.host") String host) {
        this.config = config.ssh();
        this.lfsTtl = config.lfs().urlTtl();
        this.access = access;
        this.admission = admission;
        this.cache = cache;
        this.protocol = protocol;
        this.store = store;
        this.host = host;
    }

    void start(@Observes StartupEvent started) throws IOException, GeneralSecurityException {
        if (config.port().isEmpty()) {
            return;
        }
        KeyPair hostKey = HostKeys.load(config.hostKey(), store);
        hostKeyFingerprint = KeyUtils.getFingerPrint(hostKey.getPublic());
        AtomicInteger threadIds = new AtomicInteger();
        // Git commands block a thread for their whole life: their own pool, bounded by the session limit.
        workers = new ThreadPoolExecutor(0, config.maxSessions(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "gitfn-ssh-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        server = SshServer.setUpDefaultServer();
        server.setHost(host);
        server.setPort(config.port().get());
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
        server.setPublickeyAuthenticator(this::authenticate);
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        server.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
        server.setAgentFactory(null);
        server.setSubsystemFactories(List.of());
        server.setShellFactory(channel -> new RefusedCommand(
                "gitfn offers git over SSH only, no shell: git clone ssh://git@<host>:<port>/<repo>.git"));
        server.setCommandFactory((channel, command) -> GitCommandLine.parse(command)
                .<org.apache.sshd.server.command.Command>map(line -> new GitSshCommand(line, this))
                .or(() -> LfsAuthenticateCommand.Line.parse(command).map(line -> new LfsAuthenticateCommand(line, this)))
                .orElseGet(() -> new RefusedCommand("unrecognized command '" + printable(command)
                        + "': gitfn serves git-upload-pack, git-receive-pack and git-lfs-authenticate only")));
        CoreModuleProperties.AUTH_TIMEOUT.set(server, config.authTimeout());
        CoreModuleProperties.IDLE_TIMEOUT.set(server, config.idleTimeout());
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, config.maxAuthAttempts());
        CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "gitfn");
        server.addSessionListener(new Limits());
        server.start();
        LOG.infof("SSH on %s:%d, host key %s", host, port(), hostKeyFingerprint);
    }

    @PreDestroy
    void stop() throws IOException {
        if (server != null) {
            server.stop(true);
            workers.shutdownNow();
        }
    }

    /** The port SSH listens on (the configured one, or the one picked for port 0); -1 when off. */
    public int port() {
        if (server == null) {
            return -1;
        }
        for (SocketAddress bound : server.getBoundAddresses()) {
            if (bound instanceof InetSocketAddress inet) {
                return inet.getPort();
            }
        }
        return server.getPort();
    }

    /**
     * Public-key sign-in (the signature is checked by MINA after this says yes): a key
     * listed for a user or as a repository's deploy key, or any key when authentication is
     * off. Runs on an SSH I/O thread and waits for the lookup, which is a cached record read
     * (one conditional store read per key and {@code gitfn.auth.cache-ttl}).
     */
    private boolean authenticate(String username, PublicKey key, ServerSession session) {
        SshPublicKey presented;
        try {
            presented = SshPublicKey.parse(PublicKeyEntry.toString(key));
        } catch (IllegalArgumentException e) {
            LOG.debugf("SSH key refused from %s: %s", session.getClientAddress(), e.getMessage());
            return false;
        }
        if (access.enabled()) {
            String refused;
            try {
                refused = access.signsIn(presented).await().atMost(KEY_LOOKUP_LIMIT) ? null : "unknown SSH key";
            } catch (RuntimeException failed) {
                refused = failed.getMessage();
            }
            if (refused != null) {
                LOG.infof("SSH key %s refused from %s: %s", presented.fingerprint(), session.getClientAddress(), refused);
                admission.refusedKey(client(session), presented.fingerprint(), refused);
                return false;
            }
        }
        session.setAttribute(SIGNED_IN_KEY, presented);
        return true;
    }

    /** Sessions per instance and connections not yet signed in, each bounded. */
    private final class Limits implements SessionListener {
        @Override
        public void sessionCreated(Session session) {
            int open = sessions.incrementAndGet();
            int waiting = unauthenticated.incrementAndGet();
            session.setAttribute(COUNTED_UNAUTHENTICATED, Boolean.TRUE);
            if (open > config.maxSessions() || waiting > config.maxUnauthenticated()) {
                LOG.infof("SSH connection from %s closed: %s", session.getRemoteAddress(), open > config.maxSessions()
                        ? "too many sessions (gitfn.ssh.max-sessions)"
                        : "too many connections signing in (gitfn.ssh.max-unauthenticated)");
                session.close(true);
            }
        }

        @Override
        public void sessionEvent(Session session, Event event) {
            if (event == Event.Authenticated) {
                leaveUnauthenticated(session);
            }
        }

        @Override
        public void sessionClosed(Session session) {
            sessions.decrementAndGet();
            leaveUnauthenticated(session);
        }

        private void leaveUnauthenticated(Session session) {
            if (session.removeAttribute(COUNTED_UNAUTHENTICATED) != null) {
                unauthenticated.decrementAndGet();
            }
        }
    }

    AccessControl access() {
        return access;
    }

    /** Where git-lfs is sent to by git-lfs-authenticate, when configured. */
    java.util.Optional<java.net.URI> lfsUrl() {
        return config.lfsUrl();
    }

    /** How long an LFS ticket holds: as long as a presigned URL. */
    java.time.Duration lfsTtl() {
        return lfsTtl;
    }

    Admission admission() {
        return admission;
    }

    RepositoryCache cache() {
        return cache;
    }

    SmartProtocol protocol() {
        return protocol;
    }

    ExecutorService workers() {
        return workers;
    }

    /** What the admission step knows of an SSH client. */
    static Client client(ServerSession session) {
        String address = session.getClientAddress() instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() : String.valueOf(session.getClientAddress());
        return new Client(address, null, null);
    }

    static Credentials credentials(ServerSession session) {
        SshPublicKey key = session.getAttribute(SIGNED_IN_KEY);
        return key == null ? Credentials.NONE : new Credentials.SshKey(key);
    }

    static String printable(String text) {
        String cut = text == null ? "" : text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
