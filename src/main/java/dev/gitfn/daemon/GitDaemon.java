package dev.gitfn.daemon;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Client;
import dev.gitfn.admission.Printable;
import dev.gitfn.admission.Refusal;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.Credentials;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.PacedOutput;
import dev.gitfn.protocol.SmartProtocol;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

/**
 * {@code git daemon}'s protocol on {@code gitfn.daemon.port}: the client's one request line
 * ({@code git-upload-pack /team/app.git\0host=...\0[\0version=2\0]}) is read on the event
 * loop within {@code gitfn.daemon.request-timeout}, admitted anonymously and read-only, and
 * then served on a worker. Refusals are git daemon's {@code ERR} lines, which git prints as
 * {@code fatal: remote error: ...}.
 */
@ApplicationScoped
public class GitDaemon {
    private static final Logger LOG = Logger.getLogger(GitDaemon.class);
    /** git's largest pkt-line (LARGE_PACKET_MAX): a request line may not be longer. */
    static final int MAX_REQUEST = 65520;

    private final GitfnConfig.Daemon config;
    private final Admission admission;
    private final RepositoryCache cache;
    private final SmartProtocol protocol;
    private final Vertx vertx;
    private final String host;
    private final AtomicInteger connections = new AtomicInteger();
    private ExecutorService workers;
    private NetServer server;

    public GitDaemon(GitfnConfig config, Admission admission, RepositoryCache cache, SmartProtocol protocol,
            Vertx vertx, @ConfigProperty(name = "quarkus.http.host") String host) {
        this.config = config.daemon();
        this.admission = admission;
        this.cache = cache;
        this.protocol = protocol;
        this.vertx = vertx;
        this.host = host;
    }

    void start(@Observes StartupEvent started) throws Exception {
        if (config.port().isEmpty()) {
            return;
        }
        AtomicInteger threadIds = new AtomicInteger();
        workers = new ThreadPoolExecutor(0, config.maxConnections(), 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, "gitfn-daemon-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        server = vertx.createNetServer(new NetServerOptions().setHost(host).setPort(config.port().get()))
                .connectHandler(this::connected);
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("git:// on %s:%d (public repositories, read-only)", host, server.actualPort());
    }

    @PreDestroy
    void stop() {
        if (server != null) {
            server.close();
            workers.shutdownNow();
        }
    }

    /** Connections open now (tests wait for it to settle). */
    int open() {
        return connections.get();
    }

    /** The port git:// listens on; -1 when off. */
    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    /** The request line, parsed: the service, the path as sent, the protocol version asked for. */
    record Request(String service, String path, int version) {
        /** git daemon's request: {@code <service> <path>\0host=<host>\0} and, after an empty field, extra parameters. */
        static Optional<Request> parse(byte[] payload) {
            String text = new String(payload, StandardCharsets.UTF_8);
            String[] fields = text.split("\0", -1);
            String command = fields[0].endsWith("\n") ? fields[0].substring(0, fields[0].length() - 1) : fields[0];
            int space = command.indexOf(' ');
            if (space <= 0 || space == command.length() - 1 || command.indexOf('\n') >= 0) {
                return Optional.empty();
            }
            int version = 0;
            boolean extra = false;
            for (int i = 1; i < fields.length; i++) {
                if (fields[i].isEmpty()) {
                    extra = true;
                } else if (extra && fields[i].equals("version=2")) {
                    version = 2;
                } else if (extra && fields[i].equals("version=1") && version == 0) {
                    version = 1;
                }
            }
            return Optional.of(new Request(command.substring(0, space), command.substring(space + 1), version));
        }
    }

    private void connected(NetSocket socket) {
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable leave = () -> {
            if (counted.getAndSet(false)) {
                connections.decrementAndGet();
            }
        };
        socket.closeHandler(v -> leave.run());
        if (connections.incrementAndGet() > config.maxConnections()) {
            // Said at once, but closed only once git has sent its request (or after a second),
            // so git is not cut off mid-write and prints the reason.
            byte[] text = "ERR too many connections, try again later (gitfn.daemon.max-connections)\n"
                    .getBytes(StandardCharsets.UTF_8);
            socket.write(Buffer.buffer(String.format("%04x", text.length + 4)).appendBytes(text));
            long timer = vertx.setTimer(1000, id -> socket.close());
            socket.handler(request -> {
                vertx.cancelTimer(timer);
                socket.close();
            });
            return;
        }
        Context context = vertx.getOrCreateContext();
        Buffer received = Buffer.buffer();
        long timer = vertx.setTimer(config.requestTimeout().toMillis(), id -> {
            LOG.debugf("git:// client %s sent no request in time", socket.remoteAddress());
            socket.close();
        });
        socket.handler(chunk -> {
            received.appendBuffer(chunk);
            if (received.length() < 4) {
                return;
            }
            int length = lineLength(received);
            if (length < 4 || length > MAX_REQUEST) {
                vertx.cancelTimer(timer);
                socket.handler(null);
                refuse(socket, "protocol error: bad request line");
                return;
            }
            if (received.length() < length) {
                return;
            }
            vertx.cancelTimer(timer);
            socket.pause();
            socket.handler(null);
            Optional<Request> request = Request.parse(received.getBytes(4, length));
            if (request.isEmpty()) {
                refuse(socket, "protocol error: bad request line");
                return;
            }
            admit(socket, context, request.get(), received.getBuffer(length, received.length()), leave);
        });
    }

    /** The pkt-line length in the first four bytes, or -1 when they are not hex. */
    static int lineLength(Buffer buffer) {
        int length = 0;
        for (int i = 0; i < 4; i++) {
            int digit = Character.digit(buffer.getByte(i), 16);
            if (digit < 0) {
                return -1;
            }
            length = length * 16 + digit;
        }
        return length;
    }

    private void admit(NetSocket socket, Context context, Request request, Buffer rest, Runnable leave) {
        Client client = new Client(socket.remoteAddress() == null ? null : socket.remoteAddress().hostAddress(),
                null, null);
        Runnable clientSlot;
        try {
            clientSlot = admission.enter(client);
        } catch (Refusal tooMany) {
            refuse(socket, tooMany.reason().daemonError());
            return;
        }
        AtomicReference<Runnable> packSlot = new AtomicReference<>(() -> { });
        Runnable release = () -> {
            clientSlot.run();
            packSlot.get().run();
        };
        Optional<dev.gitfn.protocol.GitService> service = dev.gitfn.protocol.GitService.fromName(request.service());
        if (service.isEmpty()) {
            release.run();
            refuse(socket, "service not enabled: " + request.path());
            return;
        }
        String path = request.path().startsWith("/") ? request.path().substring(1) : request.path();
        admission.admit(Transport.DAEMON, client, Credentials.NONE, path, service.get().permission())
                .flatMap(admitted -> admission.packSlot().invoke(packSlot::set).map(slot -> admitted))
                .emitOn(task -> context.runOnContext(v -> task.run()))
                .flatMap(admitted -> io.smallrye.mutiny.Uni.createFrom().completionStage(vertx.executeBlocking(
                        () -> cache.open(admitted.name()), false).toCompletionStage()))
                .subscribe().with(repo -> serve(socket, context, repo, request, rest, release, leave), failure -> {
                    release.run();
                    Optional<Refusal> refusal = Refusal.of(failure);
                    if (refusal.isEmpty()) {
                        LOG.errorf(failure, "git:// %s of %s failed", request.service(), request.path());
                    }
                    context.runOnContext(v -> refuse(socket, refusal.map(r -> r.reason().daemonError())
                            .orElse("internal server error") + ": " + request.path()));
                });
    }

    private void serve(NetSocket socket, Context context, CachedRepo repo, Request request, Buffer rest,
            Runnable release, Runnable leave) {
        SocketStreams streams = new SocketStreams(socket, context, config.idleTimeout().toNanos());
        streams.start(rest, leave);
        try {
            workers.execute(() -> {
                try (repo) {
                    java.io.BufferedOutputStream out = new java.io.BufferedOutputStream(
                            PacedOutput.of(context, streams.out), 64 * 1024);
                    protocol.uploadPackSession(repo, request.version(), streams.in, out);
                    out.flush();
                } catch (Exception e) {
                    LOG.infof("git:// upload-pack of %s ended: %s", repo.name(), Printable.of(String.valueOf(e.getMessage()), 200));
                } finally {
                    release.run();
                    context.runOnContext(v -> socket.end().onComplete(x -> socket.close()));
                }
            });
        } catch (RejectedExecutionException full) {
            repo.close();
            release.run();
            refuse(socket, "too many connections, try again later (gitfn.daemon.max-connections)");
        }
    }

    /** git daemon's way to say no: one {@code ERR} pkt-line, then the connection closes. */
    private static void refuse(NetSocket socket, String message) {
        byte[] text = ("ERR " + message + "\n").getBytes(StandardCharsets.UTF_8);
        String length = String.format("%04x", text.length + 4);
        socket.write(Buffer.buffer(length).appendBytes(text)).onComplete(v -> socket.close());
    }
}
