package dev.gitfn.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.config.GitfnConfig;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * The one place that decides who a request is and what it may do; every
 * transport (smart HTTP, the WebSocket tunnel, the admin API) asks here.
 * Credentials arrive as an HTTP {@code Authorization} header: Basic
 * {@code user:token} with a personal access token or the admin token, or
 * Bearer with the admin token or an OIDC provider's JWT.
 */
@ApplicationScoped
public class AccessControl {
    private static final String ADMIN = "admin";

    private final AuthDirectory directory;
    private final Optional<String> adminTokenHash;
    private final Optional<JwtVerifier> jwt;
    private final String adminGroup;
    private final String realm;
    private final java.time.Clock clock;
    private final TokenUses tokenUses;
    private final LfsTickets tickets;

    @jakarta.inject.Inject
    public AccessControl(AuthDirectory directory, GitfnConfig config) {
        this(directory, config, java.time.Clock.systemUTC());
    }

    /** The short-lived LFS credentials handed out over SSH. */
    public LfsTickets tickets() {
        return tickets;
    }

    /** The users, groups and access records these checks read. */
    public AuthDirectory directory() {
        return directory;
    }

    /** With another clock, for tests of expiry. */
    AccessControl(AuthDirectory directory, GitfnConfig config, java.time.Clock clock) {
        this.directory = directory;
        this.clock = clock;
        this.tokenUses = new TokenUses(directory, clock);
        this.tickets = new LfsTickets(directory.store(), clock);
        this.adminTokenHash = config.auth().adminToken().filter(t -> !t.isBlank()).map(AccessControl::strongEnough)
                .map(Tokens::hash);
        this.jwt = JwtVerifier.fromConfig(config.auth());
        this.adminGroup = config.auth().adminGroup();
        this.realm = config.auth().realm();
    }

    /** Shortest admin token accepted: 32 characters (e.g. {@code openssl rand -base64 32} gives 44). */
    static final int MIN_ADMIN_TOKEN = 32;

    /** The admin token if it is long enough to resist guessing; refuses to start otherwise. */
    static String strongEnough(String token) {
        if (token.length() < MIN_ADMIN_TOKEN) {
            throw new IllegalStateException("gitfn.auth.admin-token (GITFN_AUTH_ADMIN_TOKEN) has " + token.length()
                    + " characters; it must have at least " + MIN_ADMIN_TOKEN
                    + ": generate one with 'openssl rand -base64 32'");
        }
        return token;
    }

    /** Whether any authentication is configured; without it everyone may do everything. */
    public boolean enabled() {
        return adminTokenHash.isPresent() || jwt.isPresent();
    }

    /** The value of {@code WWW-Authenticate} on a 401. */
    public String challenge() {
        return "Basic realm=\"" + realm + "\"";
    }

    /** Who a request is, and the rules (protected refs among them) of the repository it may use. */
    public record Authorized(Principal who, RepoAccess rules) {
    }

    /**
     * Checks that the request may do {@code permission} on {@code repo} and says who it is,
     * with the repository's rules from the same read of its access record.
     * Fails with {@link AuthenticationRequiredException} (anonymous without the right, or
     * wrong credentials: 401), {@link RepoNotFoundException} (signed in but may not read:
     * answered as for a missing repository) or {@link AccessDeniedException} (may read but
     * not push: 403). Store reads block no thread.
     */
    public Uni<Authorized> authorize(String authorization, RepoName repo, Permission permission) {
        return authorize(Credentials.header(authorization), repo, permission);
    }

    /** {@link #authorize(String, RepoName, Permission)} for credentials of any transport. */
    public Uni<Authorized> authorize(Credentials credentials, RepoName repo, Permission permission) {
        if (!enabled()) {
            return Uni.createFrom().item(new Authorized(Principal.ANONYMOUS, RepoAccess.NONE));
        }
        Uni<Principal> signedIn = ticketPrincipal(credentials, repo).or(() -> deployPrincipal(credentials, repo))
                .orElseGet(() -> authenticate(credentials));
        return signedIn.flatMap(who -> directory.accessAsync(repo).map(access -> {
            boolean allowed = allows(who, repo, access, permission);
            if (allowed && !who.scoped(permission)) {
                // The user may; the token it came with may not (a read-only CI token pushing).
                throw new AccessDeniedException("this token's scopes " + Scope.names(who.scopes()) + " do not allow "
                        + (permission == Permission.WRITE ? "pushing to " : "reading ") + repo);
            }
            if (allowed) {
                return new Authorized(who, access);
            }
            if (who.anonymous()) {
                throw new AuthenticationRequiredException("authentication required");
            }
            if (!access.canRead(who)) {
                // Signed in but may not even read: answer as for a missing repository, so
                // names of private repositories are not revealed.
                throw new RepoNotFoundException(repo);
            }
            throw new AccessDeniedException(who + " may not push to " + repo);
        }));
    }

    /** The one rule of who may read or push, before token scopes. */
    private static boolean allows(Principal who, RepoName repo, RepoAccess access, Permission permission) {
        // A deploy credential holds for its repository whatever the access lists say.
        return who.deployOnly() ? repo.equals(who.deployRepo())
                : permission == Permission.READ ? access.canRead(who) : access.canWrite(who);
    }

    /**
     * The repositories of {@code repos} that {@code who} may read, by the same rule (and token
     * scopes) as {@link #authorize}, in their order: what a listing may show without
     * revealing a private repository's name.
     */
    public Uni<List<RepoName>> readable(Principal who, List<RepoName> repos) {
        if (!enabled()) {
            return Uni.createFrom().item(List.copyOf(repos));
        }
        if (!who.scoped(Permission.READ)) {
            return Uni.createFrom().item(List.of());
        }
        return Multi.createFrom().iterable(repos)
                .onItem().transformToUni(repo -> directory.accessAsync(repo)
                        .map(access -> allows(who, repo, access, Permission.READ) ? Optional.of(repo)
                                : Optional.<RepoName>empty()))
                .merge(8)
                .filter(Optional::isPresent).map(Optional::get)
                .collect().asList()
                .map(found -> repos.stream().filter(found::contains).toList());
    }

    /**
     * The LFS ticket these credentials present, checked for {@code repo}, as the user or deploy
     * key it names now (a removed user or key, or a ticket for another repository: 401), with
     * no more than the ticket's permission; empty when they are no ticket.
     */
    private Optional<Uni<Principal>> ticketPrincipal(Credentials credentials, RepoName repo) {
        String secret = credentials instanceof Credentials.Header h ? secretOf(h.authorization()) : null;
        if (!LfsTickets.isTicket(secret)) {
            return Optional.empty();
        }
        return Optional.of(tickets.verify(secret, repo).flatMap(ticket -> {
            Set<Scope> scopes = ticket.permission() == Permission.WRITE ? Set.of(Scope.READ, Scope.WRITE)
                    : Set.of(Scope.READ);
            if (ticket.deployKey()) {
                return directory.deployAsync(repo).map(deploy -> deploy.keys().stream()
                        .filter(k -> k.id().equals(ticket.name())).findFirst()
                        .map(k -> Principal.deploy(repo, k.id(), k.write() ? scopes : Set.of(Scope.READ)))
                        .orElseThrow(() -> new AuthenticationRequiredException("wrong credentials",
                                "an LFS ticket of a removed deploy key")));
            }
            return directory.userAsync(ticket.name()).map(user -> {
                UserRecord record = user.orElseThrow(() -> new AuthenticationRequiredException("wrong credentials",
                        "an LFS ticket of a removed user"));
                Set<String> groups = Set.copyOf(record.groups());
                return new Principal(record.name(), groups, groups.contains(adminGroup), "lfs-ticket", scopes);
            });
        }));
    }

    /**
     * The deploy token or deploy key these credentials present, checked against the record of
     * the repository the request names (the only one they are good for); empty when they are
     * not a deploy credential. A deploy token of another repository is a wrong token (401); a
     * deploy key of another repository reads nothing here (answered as a missing repository).
     */
    private Optional<Uni<Principal>> deployPrincipal(Credentials credentials, RepoName repo) {
        if (credentials instanceof Credentials.SshKey ssh) {
            return Optional.of(directory.sshKeyIndexAsync(ssh.key()).flatMap(index -> {
                if (index.isEmpty() || index.get().deployRepo() == null) {
                    return authenticate(credentials);
                }
                if (!index.get().deployRepo().equals(repo.value())) {
                    return Uni.createFrom().failure(new RepoNotFoundException(repo));
                }
                return directory.deployAsync(repo).map(deploy -> deploy.keys().stream()
                        .filter(k -> k.fingerprint().equals(ssh.key().fingerprint())).findFirst()
                        .map(k -> Principal.deploy(repo, k.id(), k.write() ? Set.of(Scope.READ, Scope.WRITE)
                                : Set.of(Scope.READ)))
                        .orElseThrow(() -> new AuthenticationRequiredException("unknown SSH key "
                                + ssh.key().fingerprint())));
            }));
        }
        String secret = secretOf(((Credentials.Header) credentials).authorization());
        if (!Tokens.isDeployToken(secret)) {
            return Optional.empty();
        }
        String hash = Tokens.hash(secret);
        return Optional.of(directory.deployAsync(repo).map(deploy -> {
            UserRecord.TokenRecord match = validToken(hash, deploy.tokens());
            return Principal.deploy(repo, match.id(), match.scopeSet());
        }));
    }

    /** The secret of a Basic (its password) or Bearer header, or null. */
    private static String secretOf(String authorization) {
        if (authorization != null && authorization.trim().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.trim().substring(7).trim();
        }
        String[] pair = basicPair(authorization);
        return pair == null ? null : pair[1];
    }

    /** The user name and secret of a Basic header, or null when it is none (or malformed). */
    private static String[] basicPair(String authorization) {
        if (authorization == null) {
            return null;
        }
        String header = authorization.trim();
        if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether an SSH key may sign in at all (a user's key, or some repository's deploy key);
     * which repository it may use is decided per command by {@link #authorize}.
     */
    public Uni<Boolean> signsIn(SshPublicKey key) {
        return directory.sshKeyIndexAsync(key).flatMap(index -> {
            if (index.isPresent() && index.get().deployRepo() != null) {
                return directory.deployAsync(RepoName.parse(index.get().deployRepo())).map(deploy -> deploy.keys()
                        .stream().anyMatch(k -> k.fingerprint().equals(key.fingerprint())));
            }
            return keyOwner(key).map(who -> true).onFailure(AuthenticationRequiredException.class)
                    .recoverWithItem(false);
        });
    }

    /** Checks that the request comes from an admin (always true with authentication off). */
    public Uni<Principal> requireAdmin(String authorization) {
        if (!enabled()) {
            return Uni.createFrom().item(Principal.ANONYMOUS);
        }
        return authenticate(authorization).map(who -> {
            if (who.anonymous()) {
                throw new AuthenticationRequiredException("authentication required");
            }
            if (!who.admin()) {
                throw new AccessDeniedException(who + " is not an admin");
            }
            requireAdminScope(who);
            return who;
        });
    }

    /**
     * Checks that the request comes from a signed-in user whose credential may use the API
     * (its own tokens, say). With authentication off there are no users: refused.
     */
    public Uni<Principal> requireSignedIn(String authorization) {
        if (!enabled()) {
            return Uni.createFrom().failure(new AccessDeniedException(
                    "authentication is off (gitfn.auth.*): there are no users to sign in"));
        }
        return authenticate(authorization).map(who -> {
            if (who.anonymous()) {
                throw new AuthenticationRequiredException("authentication required");
            }
            requireAdminScope(who);
            return who;
        });
    }

    /**
     * Checks that the request may manage {@code repo} (its settings, history, deletion): an
     * admin, or its owner, with a credential scoped for the API. Anyone else who may read it
     * gets 403; who may not even read it, 404 (as for a missing repository).
     */
    public Uni<Authorized> requireManager(String authorization, RepoName repo) {
        if (!enabled()) {
            return Uni.createFrom().item(new Authorized(Principal.ANONYMOUS, RepoAccess.NONE));
        }
        return authenticate(authorization).flatMap(who -> directory.accessAsync(repo).map(access -> {
            if (who.anonymous()) {
                throw new AuthenticationRequiredException("authentication required");
            }
            if (!who.admin() && !access.isOwner(who)) {
                if (!access.canRead(who)) {
                    throw new RepoNotFoundException(repo);
                }
                throw new AccessDeniedException(who + " neither owns " + repo + " nor is an admin");
            }
            requireAdminScope(who);
            return new Authorized(who, access);
        }));
    }

    private static void requireAdminScope(Principal who) {
        if (!who.mayAdminister()) {
            throw new AccessDeniedException("this token's scopes " + Scope.names(who.scopes())
                    + " do not include admin, which the API needs");
        }
    }

    /** Who the credentials name: {@link Principal#ANONYMOUS} without any, 401 when they are wrong. */
    public Uni<Principal> authenticate(Credentials credentials) {
        if (credentials instanceof Credentials.SshKey ssh) {
            return keyOwner(ssh.key());
        }
        return authenticate(((Credentials.Header) credentials).authorization());
    }

    /**
     * The user an SSH key signs in: the one its index entry names, if that user's record
     * still lists the key (removing the key from the record, or the user, ends it at once).
     */
    public Uni<Principal> keyOwner(SshPublicKey key) {
        return directory.sshKeyOwnerAsync(key)
                .flatMap(owner -> owner.isEmpty() ? Uni.createFrom().item(Optional.<UserRecord>empty())
                        : directory.userAsync(owner.get()))
                .map(record -> {
                    boolean listed = record.map(u -> u.keys().stream()
                            .anyMatch(k -> k.fingerprint().equals(key.fingerprint()))).orElse(false);
                    if (!listed) {
                        throw new AuthenticationRequiredException("unknown SSH key " + key.fingerprint());
                    }
                    Set<String> groups = Set.copyOf(record.get().groups());
                    return new Principal(record.get().name(), groups, groups.contains(adminGroup));
                });
    }

    /** Who an {@code Authorization} header names. */
    public Uni<Principal> authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().item(Principal.ANONYMOUS);
        }
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space);
        String value = space < 0 ? "" : header.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic")) {
            return basic(value);
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            if (isAdminToken(value)) {
                return Uni.createFrom().item(adminPrincipal());
            }
            if (jwt.isPresent()) {
                // jose4j may fetch the provider's keys over HTTP, blocking: never on the event loop.
                return Uni.createFrom().item(() -> jwt.get().verify(value))
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            }
        }
        return Uni.createFrom().failure(new AuthenticationRequiredException("unsupported credentials"));
    }

    /** The user name a Basic header claims (for rate limits and logs), or null. */
    public static String claimedUser(String authorization) {
        String[] pair = basicPair(authorization);
        return pair == null ? null : pair[0];
    }

    private Uni<Principal> basic(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(new AuthenticationRequiredException("malformed Basic credentials"));
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Uni.createFrom().failure(new AuthenticationRequiredException("malformed Basic credentials"));
        }
        String user = decoded.substring(0, colon);
        String secret = decoded.substring(colon + 1);
        if (isAdminToken(secret)) {
            return Uni.createFrom().item(adminPrincipal());
        }
        String hash = Tokens.hash(secret);
        return directory.userAsync(user).map(record -> {
            UserRecord.TokenRecord match = validToken(hash, record.map(UserRecord::tokens).orElse(List.of()));
            tokenUses.noteUse(record.get().name(), match);
            Set<String> groups = Set.copyOf(record.get().groups());
            return new Principal(record.get().name(), groups, groups.contains(adminGroup), match.id(),
                    match.scopeSet());
        });
    }

    /**
     * The token among {@code tokens} whose hash is {@code hash}, if it has not expired; else
     * 401, an expired one answered exactly as a wrong or revoked one (the log says why).
     */
    private UserRecord.TokenRecord validToken(String hash, List<UserRecord.TokenRecord> tokens) {
        UserRecord.TokenRecord match = null;
        for (UserRecord.TokenRecord token : tokens) {
            if (Tokens.same(hash, token.sha256())) { // no early exit: constant time per record
                match = token;
            }
        }
        if (match == null) {
            throw new AuthenticationRequiredException("wrong user name or token");
        }
        if (match.expired(clock.instant())) {
            throw new AuthenticationRequiredException("wrong user name or token",
                    "token " + match.id() + " expired at " + match.expiresAt());
        }
        return match;
    }

    private boolean isAdminToken(String secret) {
        // Hashes have one length, so the comparison time says nothing about the token.
        return adminTokenHash.isPresent() && Tokens.same(adminTokenHash.get(), Tokens.hash(secret));
    }

    private Principal adminPrincipal() {
        return new Principal(ADMIN, Set.of(adminGroup), true);
    }
}
