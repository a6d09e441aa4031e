package dev.gitfn.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.gitfn.cache.RepoName;
import dev.gitfn.cache.RepoNotFoundException;
import dev.gitfn.config.GitfnConfig;

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

    public AccessControl(AuthDirectory directory, GitfnConfig config) {
        this.directory = directory;
        this.adminTokenHash = config.auth().adminToken().filter(t -> !t.isBlank()).map(Tokens::hash);
        this.jwt = JwtVerifier.fromConfig(config.auth());
        this.adminGroup = config.auth().adminGroup();
        this.realm = config.auth().realm();
    }

    /** Whether any authentication is configured; without it everyone may do everything. */
    public boolean enabled() {
        return adminTokenHash.isPresent() || jwt.isPresent();
    }

    /** The value of {@code WWW-Authenticate} on a 401. */
    public String challenge() {
        return "Basic realm=\"" + realm + "\"";
    }

    /**
     * Checks that the request may do {@code permission} on {@code repo} and says who it is.
     *
     * @throws AuthenticationRequiredException anonymous without the right, or wrong credentials (401)
     * @throws AccessDeniedException a known principal without the right (403)
     */
    public Principal authorize(String authorization, RepoName repo, Permission permission) throws IOException {
        if (!enabled()) {
            return Principal.ANONYMOUS;
        }
        Principal who = authenticate(authorization);
        RepoAccess access = directory.access(repo);
        boolean allowed = permission == Permission.READ ? access.canRead(who) : access.canWrite(who);
        if (allowed) {
            return who;
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
    }

    /** The repository's rules (protected refs among them); no rules when authentication is off. */
    public RepoAccess rules(RepoName repo) throws IOException {
        return enabled() ? directory.access(repo) : RepoAccess.NONE;
    }

    /** Checks that the request comes from an admin (always true with authentication off). */
    public Principal requireAdmin(String authorization) throws IOException {
        if (!enabled()) {
            return Principal.ANONYMOUS;
        }
        Principal who = authenticate(authorization);
        if (who.anonymous()) {
            throw new AuthenticationRequiredException("authentication required");
        }
        if (!who.admin()) {
            throw new AccessDeniedException(who + " is not an admin");
        }
        return who;
    }

    /** Who the credentials name: {@link Principal#ANONYMOUS} without any, 401 when they are wrong. */
    public Principal authenticate(String authorization) throws IOException {
        if (authorization == null || authorization.isBlank()) {
            return Principal.ANONYMOUS;
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
                return adminPrincipal();
            }
            if (jwt.isPresent()) {
                return jwt.get().verify(value);
            }
        }
        throw new AuthenticationRequiredException("unsupported credentials");
    }

    private Principal basic(String encoded) throws IOException {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AuthenticationRequiredException("malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new AuthenticationRequiredException("malformed Basic credentials");
        }
        String user = decoded.substring(0, colon);
        String secret = decoded.substring(colon + 1);
        if (isAdminToken(secret)) {
            return adminPrincipal();
        }
        Optional<UserRecord> record = directory.user(user);
        if (record.isPresent()) {
            String hash = Tokens.hash(secret);
            boolean match = false;
            for (UserRecord.TokenRecord token : record.get().tokens()) {
                match |= Tokens.same(hash, token.sha256()); // no early exit: constant time per user
            }
            if (match) {
                Set<String> groups = Set.copyOf(record.get().groups());
                return new Principal(record.get().name(), groups, groups.contains(adminGroup));
            }
        }
        throw new AuthenticationRequiredException("wrong user name or token");
    }

    private boolean isAdminToken(String secret) {
        // Hashes have one length, so the comparison time says nothing about the token.
        return adminTokenHash.isPresent() && Tokens.same(adminTokenHash.get(), Tokens.hash(secret));
    }

    private Principal adminPrincipal() {
        return new Principal(ADMIN, Set.of(adminGroup), true);
    }
}
