package dev.gitfn.auth;

import java.util.Set;

import dev.gitfn.repo.RepoName;

/**
 * Who a request acts for: a user of the store, a JWT subject, the bootstrap admin, or nobody;
 * with the token it presented (its id, for the history and the audit log; null for other
 * credentials) and what that credential may be used for; or a repository's deploy token or
 * key ({@link #deployRepo}), good for that repository only.
 */
public record Principal(String name, Set<String> groups, boolean admin, String tokenId, Set<Scope> scopes,
        RepoName deployRepo) {
    public static final Principal ANONYMOUS = new Principal(null, Set.of(), false);

    public Principal {
        groups = Set.copyOf(groups);
        scopes = Set.copyOf(scopes);
    }

    /** A user (or JWT subject) whose credential has these scopes. */
    public Principal(String name, Set<String> groups, boolean admin, String tokenId, Set<Scope> scopes) {
        this(name, groups, admin, tokenId, scopes, null);
    }

    /**
     * A repository's deploy token or key: it may do what its scopes say in {@code repo} and
     * nothing anywhere else (no access list names it, it is no one's owner, it has no API).
     */
    public static Principal deploy(RepoName repo, String credentialId, Set<Scope> scopes) {
        return new Principal(DeployCredentials.principalName(credentialId), Set.of(), false, credentialId,
                java.util.EnumSet.copyOf(scopes.isEmpty() ? Set.of(Scope.READ) : scopes).stream()
                        .filter(s -> s != Scope.ADMIN).collect(java.util.stream.Collectors.toSet()), repo);
    }

    /** Whether this is a deploy credential, which holds for {@link #deployRepo} only. */
    public boolean deployOnly() {
        return deployRepo != null;
    }

    /** A principal whose credential is not a scoped token: every scope. */
    public Principal(String name, Set<String> groups, boolean admin) {
        this(name, groups, admin, null, Scope.ALL);
    }

    public boolean anonymous() {
        return name == null;
    }

    /** Whether the credential may be used for {@code permission} (the rules decide whether the user may). */
    public boolean scoped(Permission permission) {
        return Scope.allows(scopes, permission);
    }

    /** Whether the credential may use the API (the rules decide for what). */
    public boolean mayAdminister() {
        return scopes.contains(Scope.ADMIN);
    }

    /** Whether an access-list entry ({@code alice} or {@code group:qa}) names this principal. */
    public boolean matches(String entry) {
        if (anonymous() || entry == null || deployOnly()) {
            return false;
        }
        if (entry.startsWith("group:")) {
            return groups.contains(entry.substring("group:".length()));
        }
        return entry.equals(name);
    }

    @Override
    public String toString() {
        return anonymous() ? "anonymous" : name;
    }
}
