package dev.gitfn.admission;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.gitfn.audit.AuditLog;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.AuthenticationRequiredException;
import dev.gitfn.auth.Credentials;
import dev.gitfn.auth.Permission;
import dev.gitfn.auth.Principal;
import dev.gitfn.repo.RepoName;
import dev.gitfn.config.GitfnConfig;
import io.smallrye.mutiny.Uni;

/**
 * The one entry step of every transport: from what arrives before any body
 * (transport, client, credentials, repository path, wanted permission) to an
 * {@link Admitted} request or a {@link Refusal}. It runs without holding a
 * thread (store reads are asynchronous), so refused and anonymous load costs
 * event-loop time only; only admitted requests reach the blocking git work.
 */
@ApplicationScoped
public class Admission {
    private static final Logger LOG = Logger.getLogger(Admission.class);

    private final AccessControl access;
    private final BrowserChecks browsers;
    private final ClientLimits clients;
    private final FailedLogins failures;
    private final PackSlots packs;
    private final AuditLog audit;

    public Admission(AccessControl access, GitfnConfig config, AuditLog audit) {
        this.access = access;
        this.audit = audit;
        this.browsers = new BrowserChecks(config.http());
        this.clients = new ClientLimits(config.limits().maxRequestsPerClient());
        this.failures = new FailedLogins(config.auth().maxFailures(), config.auth().failureWindow(),
                config.auth().failureBackoff());
        this.packs = new PackSlots(config.limits().maxConcurrentPacks(), config.limits().packQueueWait());
    }

    /**
     * For an admitted request that builds a pack (upload-pack): a slot of the instance's
     * bounded pack work, waited for without a thread, or a 503 refusal. Run the handle when
     * the response has ended.
     */
    public Uni<Runnable> packSlot() {
        return packs.take();
    }

    /**
     * Takes one of the client's slots for a request or tunnel, first of all; run the
     * returned handle when it ends. Throws a 429 refusal when the client has too many.
     */
    public Runnable enter(Client client) {
        return clients.enter(client.address());
    }

    /** Pack builds running now on this instance. */
    public int packsRunning() {
        return packs.busy();
    }

    /** Pack builds waiting in line for a slot. */
    public int packsWaiting() {
        return packs.waiting();
    }

    /** Failed sign-ins seen by this instance. */
    public long failedSignIns() {
        return failures.total();
    }

    /**
     * Admits a request to read or push to the repository at {@code repoPath} (a trailing
     * {@code .git} is optional). Pushes and every tunnel count as state-changing for the
     * cross-site check (a tunnel can push).
     */
    public Uni<Admitted> admit(Transport transport, Client client, String authorization, String repoPath,
            Permission permission) {
        return admit(transport, client, Credentials.header(authorization), repoPath, permission);
    }

    /**
     * {@link #admit(Transport, Client, String, String, Permission)} for any transport's
     * credentials. git:// may only read, whatever it asks for.
     */
    public Uni<Admitted> admit(Transport transport, Client client, Credentials credentials, String repoPath,
            Permission permission) {
        boolean stateChanging = permission == Permission.WRITE || transport == Transport.TUNNEL;
        return Uni.createFrom().item(() -> {
            if (transport == Transport.DAEMON && permission != Permission.READ) {
                throw new Refusal(Refusal.Reason.FORBIDDEN, "service not enabled");
            }
            if (transport.browserReachable()) {
                browsers.check(client, access.enabled(), stateChanging);
            }
            return RepoName.parse(repoPath);
        })
                .flatMap(name -> signedIn(transport, client, credentials, name,
                        access.authorize(credentials, name, permission))
                        .map(granted -> new Admitted(name, granted.who(), granted.rules())))
                .onFailure().transform(this::typed);
    }

    /** Admits a request to the admin API; {@code stateChanging} for anything but GET and HEAD. */
    public Uni<Principal> admitAdmin(Transport transport, Client client, String authorization,
            boolean stateChanging) {
        return admitNamingNoRepository(transport, client, authorization, stateChanging, () -> access.requireAdmin(authorization));
    }

    /** Admits a signed-in user to the API about itself (its own tokens): any user, with an admin-scoped credential. */
    public Uni<Principal> admitUser(Transport transport, Client client, String authorization,
            boolean stateChanging) {
        return admitNamingNoRepository(transport, client, authorization, stateChanging,
                () -> access.requireSignedIn(authorization));
    }

    /**
     * Admits a visitor of the web view's pages that name no repository (the list, sign-in):
     * who its credentials say, anonymous without any; wrong ones count as a failed sign-in.
     */
    public Uni<Principal> admitVisitor(Transport transport, Client client, String authorization,
            boolean stateChanging) {
        return admitNamingNoRepository(transport, client, authorization, stateChanging, () -> access.authenticate(authorization));
    }

    /**
     * The shape of every admission that names no repository: the browser checks first, then
     * {@code check} of the credentials (made only after them), wrong ones counted as a failed
     * sign-in, every failure a typed refusal.
     */
    private Uni<Principal> admitNamingNoRepository(Transport transport, Client client, String authorization,
            boolean stateChanging, java.util.function.Supplier<Uni<Principal>> check) {
        return Uni.createFrom().voidItem().invoke(() -> browsers.check(client, access.enabled(), stateChanging))
                .flatMap(ok -> signedIn(transport, client, Credentials.header(authorization), null, check.get()))
                .onFailure().transform(this::typed);
    }

    /** Admits a request to manage the repository at {@code repoPath}: an admin or its owner. */
    public Uni<Admitted> admitManager(Transport transport, Client client, String authorization, String repoPath,
            boolean stateChanging) {
        return Uni.createFrom().item(() -> {
            browsers.check(client, access.enabled(), stateChanging);
            return RepoName.parse(repoPath);
        })
                .flatMap(name -> signedIn(transport, client, Credentials.header(authorization), name,
                        access.requireManager(authorization, name))
                        .map(granted -> new Admitted(name, granted.who(), granted.rules())))
                .onFailure().transform(this::typed);
    }

    /**
     * A check whose wrong credentials count as a failed sign-in: logged and audited (the user
     * name and address, never the secret), answered later each time, then with 429.
     */
    private <T> Uni<T> signedIn(Transport transport, Client client, Credentials credentials, RepoName repo,
            Uni<T> check) {
        if (!credentials.presented()) {
            return check; // anonymous: nothing was tried
        }
        return check.onFailure(AuthenticationRequiredException.class).recoverWithUni(e -> {
            String user = credentials instanceof Credentials.Header h ? AccessControl.claimedUser(h.authorization())
                    : null;
            FailedLogins.Verdict verdict = failures.record(client.address(), user);
            LOG.infof("failed sign-in%s from %s (%s; %d in this window)", user == null ? "" : " as '"
                    + Printable.of(user, 64) + "'", client.address(), reason(e), verdict.failures());
            java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
            if (user != null) {
                detail.put("claimedUser", Printable.of(user, 64));
            }
            detail.put("reason", Printable.of(reason(e), 200));
            audit.record(audit.event("auth.refused", (Principal) null, transport.name().toLowerCase(java.util.Locale.ROOT),
                    client.address(), repo == null ? null : repo.value(), detail));
            Throwable answer = verdict.overLimit()
                    ? new Refusal(Refusal.Reason.TOO_MANY_REQUESTS, "too many failed sign-ins from this address or "
                            + "for this user; try again later (gitfn.auth.max-failures)", (int) verdict.retryAfterSeconds())
                    : e;
            Uni<T> failed = Uni.createFrom().failure(answer);
            return verdict.delay().isZero() ? failed
                    : Uni.createFrom().voidItem().onItem().delayIt().by(verdict.delay()).flatMap(v -> failed);
        });
    }

    /**
     * An SSH key refused at sign-in, audited as a refused sign-in (queued, never a store write
     * of its own); not counted against the address, since SSH clients offer every key they hold.
     */
    public void refusedKey(Client client, String fingerprint, String reason) {
        java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("key", fingerprint);
        detail.put("reason", Printable.of(reason == null ? "unknown SSH key" : reason, 200));
        audit.record(audit.event("auth.refused", (Principal) null, "ssh", client.address(), null, detail));
    }

    /** Why a sign-in failed, as the log and the audit keep it (more than the client hears). */
    private static String reason(Throwable failure) {
        return failure instanceof AuthenticationRequiredException a ? a.reason() : failure.getMessage();
    }

    /** Failures of the layers below as typed refusals; anything else stays what it is. */
    private Throwable typed(Throwable failure) {
        return Refusal.of(failure).<Throwable>map(r -> r.reason() == Refusal.Reason.UNAUTHENTICATED
                ? r.withChallenge(access.challenge()) : r).orElse(failure);
    }

    /** The {@code WWW-Authenticate} value for refusals raised outside this step. */
    public String challenge() {
        return access.challenge();
    }

    /**
     * What a push that creates its repository (gitfn.create-on-push) records once it is
     * created, as {@code POST /api/repos} would: the pusher as its owner (none with
     * authentication off) and a {@code repo.create} audit entry.
     */
    public dev.gitfn.storage.BlobStore.IoAction createdByPush(Admitted admitted, Transport transport) {
        return () -> {
            Principal who = admitted.who();
            java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
            detail.put("by", "push");
            if (!who.anonymous()) {
                access.directory().updateAccess(admitted.name(), a -> a.owner() != null ? a
                        : a.withOwner(who.name(), java.time.Instant.now().toString()));
                detail.put("owner", who.name());
            }
            audit.recordStored(audit.event("repo.create", who, transport.name().toLowerCase(java.util.Locale.ROOT),
                    null, admitted.name().value(), detail));
        };
    }
}
