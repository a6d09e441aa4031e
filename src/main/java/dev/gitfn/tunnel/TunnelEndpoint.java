package dev.gitfn.tunnel;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Client;
import dev.gitfn.admission.Refusal;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.GitService;
import dev.gitfn.protocol.PacedOutput;
import dev.gitfn.protocol.SmartProtocol;
import io.smallrye.mutiny.Uni;
import dev.gitfn.storage.StorageUnavailableException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * git's smart protocol tunnelled over a WebSocket, the way ssh tunnels it:
 * {@code GET /<repo>.git/ws?service=git-upload-pack|git-receive-pack&version=0|1|2}
 * with an {@code Upgrade: websocket} header. Credentials, the repository and
 * the service are checked before the upgrade, so refusals are plain HTTP
 * statuses (401, 403, 404) the helper can report as git does. After it,
 * binary frames carry the service's stdin and stdout in full duplex; an empty
 * binary frame ends the client's stdin; the server's close code and reason end
 * the conversation.
 *
 * <p>This is a Vert.x route rather than a WebSockets Next endpoint because it
 * needs flow control on the inbound side: WebSockets Next queues incoming
 * messages without bound while a handler is busy, which for a push means
 * holding the pack in memory. A raw {@link ServerWebSocket} can be paused.
 */
@ApplicationScoped
public class TunnelEndpoint {
    private static final Logger LOG = Logger.getLogger(TunnelEndpoint.class);
    /** Commands and framing a push sends besides its pack. */
    private static final long COMMAND_ALLOWANCE = 16L * 1024 * 1024;

    private final RepositoryCache cache;
    private final SmartProtocol protocol;
    private final Admission admission;
    private final Vertx vertx;
    private final GitfnConfig.Tunnel config;
    private final long maxPushBytes;
    private final AtomicInteger sessions = new AtomicInteger();
    private final ExecutorService workers;

    public TunnelEndpoint(RepositoryCache cache, SmartProtocol protocol, Admission admission, Vertx vertx,
            GitfnConfig config) {
        this.cache = cache;
        this.protocol = protocol;
        this.admission = admission;
        this.vertx = vertx;
        this.config = config.tunnel();
        this.maxPushBytes = config.limits().maxPackSize().asLongValue() + COMMAND_ALLOWANCE;
        // Tunnels block a thread for their whole life; they get their own, never the request pool.
        AtomicInteger threadIds = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, this.config.maxSessions(), 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "gitfn-tunnel-" + threadIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    void routes(@Observes Router router) {
        // /api/... belongs to the API, even a user named ws
        router.routeWithRegex(HttpMethod.GET, "/(?!api/)(.+)/ws").order(-10).handler(this::upgrade);
    }

    @PreDestroy
    void shutdown() {
        workers.shutdownNow();
    }

    /** What the checks before the upgrade found: the session's parameters and, for fetches, its lease. */
    private record Accepted(RepoName name, GitService service, int version, RepoAccess rules, CachedRepo lease,
            dev.gitfn.cache.Pusher pusher) {
    }

    private void upgrade(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
            refuse(rc, 400, "this is gitfn's WebSocket tunnel: clone ws:// URLs with git-remote-ws");
            return;
        }
        if (sessions.incrementAndGet() > config.maxSessions()) {
            sessions.decrementAndGet();
            rc.response().putHeader("Retry-After", "5");
            refuse(rc, 503, "too many tunnels on this instance, try again shortly");
            return;
        }
        request.pause(); // keep the upgrade request intact while the checks run
        String path = request.path();
        Optional<GitService> service = GitService.fromName(request.getParam("service"));
        OptionalInt version = parseVersion(request.getParam("version"));
        if (service.isEmpty() || version.isEmpty()) {
            sessions.decrementAndGet();
            refuse(rc, 400, service.isEmpty() ? "unknown service: use git-upload-pack or git-receive-pack"
                    : "unknown protocol version: use 0, 1 or 2");
            return;
        }
        Client client = new Client(request.remoteAddress() == null ? null : request.remoteAddress().hostAddress(),
                request.getHeader("Host"), request.getHeader("Origin"));
        Runnable release;
        try {
            release = admission.enter(client); // the client's slot, held for the tunnel's whole life
        } catch (Refusal tooMany) {
            sessions.decrementAndGet();
            refuse(rc, tooMany);
            return;
        }
        Context context = vertx.getOrCreateContext();
        AtomicReference<Runnable> packSlot = new AtomicReference<>(() -> { });
        Runnable releaseAll = () -> {
            release.run();
            packSlot.get().run();
        };
        admission.admit(Transport.TUNNEL, client, request.getHeader("Authorization"),
                        path.substring(1, path.length() - "/ws".length()), service.get().permission())
                // A fetch waits (without a thread) for one of the instance's pack slots, held for the session.
                .flatMap(admitted -> service.get() != GitService.UPLOAD_PACK ? Uni.createFrom().item(admitted)
                        : admission.packSlot().invoke(packSlot::set).map(slot -> admitted))
                .emitOn(task -> context.runOnContext(v -> task.run()))
                // Admitted: only now a worker opens the repository (blocking, it may download packs).
                .flatMap(admitted -> Uni.createFrom().completionStage(vertx.executeBlocking(
                        () -> open(admitted, service.get(), version.getAsInt()), false).toCompletionStage()))
                .subscribe().with(accepted -> request.toWebSocket().onComplete(upgraded -> {
                    if (upgraded.failed()) {
                        LOG.debugf("upgrade failed: %s", upgraded.cause().getMessage());
                        release(accepted);
                        sessions.decrementAndGet();
                        releaseAll.run();
                        return;
                    }
                    start(upgraded.result(), accepted, releaseAll);
                }), failure -> {
                    sessions.decrementAndGet();
                    releaseAll.run();
                    refuse(rc, failure);
                });
    }

    /** On a worker, for an admitted request: that the repository exists, and for fetches its lease. */
    private Accepted open(Admitted admitted, GitService service, int version) throws IOException {
        if (service == GitService.UPLOAD_PACK) {
            return new Accepted(admitted.name(), service, version, admitted.rules(), cache.open(admitted.name()),
                    admitted.pusher(Transport.TUNNEL));
        }
        // 404 now; the push takes its own lease
        cache.openForPush(admitted.name(), admission.createdByPush(admitted, Transport.TUNNEL)).close();
        return new Accepted(admitted.name(), service, version, admitted.rules(), null,
                admitted.pusher(Transport.TUNNEL));
    }

    private static OptionalInt parseVersion(String value) {
        if (value == null || value.isEmpty()) {
            return OptionalInt.of(0);
        }
        return switch (value) {
            case "0" -> OptionalInt.of(0);
            case "1" -> OptionalInt.of(1);
            case "2" -> OptionalInt.of(2);
            default -> OptionalInt.empty();
        };
    }

    /** On the event loop, right after the upgrade: wires the streams and hands the session to a thread. */
    private void start(ServerWebSocket ws, Accepted accepted, Runnable releaseSlots) {
        Context context = vertx.getOrCreateContext();
        long idle = config.idleTimeout().toNanos();
        WebSocketInputStream in = new WebSocketInputStream(ws, context, idle,
                accepted.service() == GitService.RECEIVE_PACK ? maxPushBytes : Long.MAX_VALUE);
        WebSocketOutputStream out = new WebSocketOutputStream(ws, context, idle);
        in.start();
        ws.closeHandler(v -> {
            out.notifyDrained();
            releaseSlots.run();
        });
        long timer = vertx.setTimer(config.maxDuration().toMillis(), id -> close(ws, CloseCodes.POLICY,
                "time limit: the tunnel was open " + config.maxDuration().toSeconds()
                        + " s (gitfn.tunnel.max-duration)"));
        try {
            workers.execute(() -> {
                try {
                    serve(ws, accepted, in, PacedOutput.of(context, out));
                } finally {
                    vertx.cancelTimer(timer);
                    sessions.decrementAndGet();
                    releaseSlots.run();
                }
            });
        } catch (RuntimeException rejected) {
            vertx.cancelTimer(timer);
            sessions.decrementAndGet();
            releaseSlots.run();
            release(accepted);
            close(ws, CloseCodes.GOING_AWAY, "server is shutting down");
        }
    }

    private void serve(ServerWebSocket ws, Accepted accepted, WebSocketInputStream in, java.io.OutputStream raw) {
        String what = accepted.service().serviceName() + " of " + accepted.name();
        try {
            BufferedOutputStream out = new BufferedOutputStream(raw, 64 * 1024);
            if (accepted.service() == GitService.UPLOAD_PACK) {
                try (CachedRepo repo = accepted.lease()) {
                    protocol.uploadPackSession(repo, accepted.version(), in, out);
                }
            } else {
                protocol.receivePackSession(accepted.name(), accepted.rules(), accepted.pusher(), in, out);
            }
            out.flush();
            close(ws, CloseCodes.NORMAL, "");
        } catch (Exception e) {
            TunnelClosedException closed = find(e, TunnelClosedException.class);
            if (closed != null) {
                LOG.infof("tunnel %s ended: %s", what, closed.getMessage());
                close(ws, closed.code(), closed.getMessage());
            } else if (find(e, StorageUnavailableException.class) != null) {
                LOG.warnf("tunnel %s: storage unavailable: %s", what, e.getMessage());
                close(ws, CloseCodes.INTERNAL_ERROR, "storage unavailable, try again shortly");
            } else if (ws.isClosed()) {
                LOG.infof("tunnel %s: the client left: %s", what, e.getMessage());
            } else {
                LOG.warnf(e, "tunnel %s failed", what);
                close(ws, CloseCodes.INTERNAL_ERROR, e.getMessage() == null ? "internal server error" : e.getMessage());
            }
        }
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static void release(Accepted accepted) {
        if (accepted.lease() != null) {
            accepted.lease().close();
        }
    }

    private static void close(ServerWebSocket ws, short code, String reason) {
        if (!ws.isClosed()) {
            ws.close(code, truncate(reason));
        }
    }

    /** A close reason has at most 123 bytes of UTF-8. */
    static String truncate(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= 123) {
            return reason;
        }
        String cut = new String(bytes, 0, 120, StandardCharsets.UTF_8);
        return cut.substring(0, cut.length() - 1) + "...";
    }

    /** A refusal before the upgrade, from the one table: the HTTP status git-remote-ws reports as git does. */
    private void refuse(RoutingContext rc, Throwable cause) {
        Optional<Refusal> refusal = Refusal.of(cause);
        if (refusal.isEmpty()) {
            LOG.errorf(cause, "tunnel upgrade failed");
            refuse(rc, 500, "internal server error");
            return;
        }
        Refusal r = refusal.get();
        if (r.reason() == Refusal.Reason.UNAUTHENTICATED) {
            rc.response().putHeader("WWW-Authenticate", r.challenge() != null ? r.challenge() : admission.challenge());
        }
        if (r.retryAfterSeconds() > 0) {
            rc.response().putHeader("Retry-After", Integer.toString(r.retryAfterSeconds()));
        }
        refuse(rc, r.reason().httpStatus(), r.getMessage());
    }

    private static void refuse(RoutingContext rc, int status, String message) {
        rc.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(message + "\n");
    }
}
