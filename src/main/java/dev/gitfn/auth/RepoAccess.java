package dev.gitfn.auth;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A repository's record beside its git data: who may use it and how it is run. Entries in
 * {@code read} and {@code write} are user names or {@code group:<name>}; write implies
 * read. {@code protectedRefs} are refs (or prefixes ending in {@code *}) that may be
 * neither force-pushed nor deleted. A repository with no record is open to admins only.
 * {@code cdnRedirect}: a public repository's smart clone is sent to its published copy
 * (gitfn.publish.base-url). {@code owner} manages it as an admin would (its access, name,
 * default branch, history, deletion); {@code quotaBytes} caps what its packs and LFS
 * objects may take (null: the server's default); {@code enforceLocks}: a push that changes a
 * file someone else holds a Git LFS lock on is refused. Read on every admission, so a change
 * takes effect within the auth cache's TTL on every instance.
 */
public record RepoAccess(@JsonProperty("public") boolean isPublic, List<String> read, List<String> write,
        List<String> protectedRefs, Boolean cdnRedirect, String owner, String description, Long quotaBytes,
        String created, Boolean enforceLocks) {
    public static final RepoAccess NONE = new RepoAccess(false, List.of(), List.of(), List.of());

    /** Rules without the CDN redirect. */
    public RepoAccess(boolean isPublic, List<String> read, List<String> write, List<String> protectedRefs) {
        this(isPublic, read, write, protectedRefs, false);
    }

    /** Access rules alone: no owner, description or quota. */
    public RepoAccess(boolean isPublic, List<String> read, List<String> write, List<String> protectedRefs,
            Boolean cdnRedirect) {
        this(isPublic, read, write, protectedRefs, cdnRedirect, null, null, null, null, false);
    }

    @JsonCreator
    public RepoAccess {
        read = read == null ? List.of() : List.copyOf(read);
        write = write == null ? List.of() : List.copyOf(write);
        protectedRefs = protectedRefs == null ? List.of() : List.copyOf(protectedRefs);
        cdnRedirect = Boolean.TRUE.equals(cdnRedirect); // records written before the field read as false
        enforceLocks = Boolean.TRUE.equals(enforceLocks);
    }

    /** These settings with other access lists (and CDN choice); owner, description and quota kept. */
    public RepoAccess withLists(boolean newPublic, List<String> newRead, List<String> newWrite,
            Boolean newCdnRedirect) {
        return new RepoAccess(newPublic, newRead, newWrite, protectedRefs,
                newCdnRedirect == null ? cdnRedirect : newCdnRedirect, owner, description, quotaBytes, created,
                enforceLocks);
    }

    public RepoAccess withProtectedRefs(List<String> refs) {
        return new RepoAccess(isPublic, read, write, refs, cdnRedirect, owner, description, quotaBytes, created,
                enforceLocks);
    }

    /** The quota that holds for this repository: its own, else the server's default (null: none). */
    public Long quotaOr(Long serverDefault) {
        return quotaBytes != null ? quotaBytes : serverDefault;
    }

    public RepoAccess withOwner(String newOwner, String createdAt) {
        return new RepoAccess(isPublic, read, write, protectedRefs, cdnRedirect, newOwner, description, quotaBytes,
                createdAt, enforceLocks);
    }

    public RepoAccess withDescription(String newDescription) {
        return new RepoAccess(isPublic, read, write, protectedRefs, cdnRedirect, owner, newDescription, quotaBytes,
                created, enforceLocks);
    }

    /** A quota of its own; null returns to the server's default. */
    public RepoAccess withQuota(Long bytes) {
        return new RepoAccess(isPublic, read, write, protectedRefs, cdnRedirect, owner, description, bytes, created,
                enforceLocks);
    }

    /** Whether a push that changes a file someone else holds an LFS lock on is refused. */
    public RepoAccess withEnforceLocks(boolean enforce) {
        return new RepoAccess(isPublic, read, write, protectedRefs, cdnRedirect, owner, description, quotaBytes,
                created, enforce);
    }

    public boolean canRead(Principal who) {
        return isPublic || canWrite(who) || read.stream().anyMatch(who::matches);
    }

    public boolean canWrite(Principal who) {
        return who.admin() || isOwner(who) || write.stream().anyMatch(who::matches);
    }

    /** Whether {@code who} owns the repository (and so manages it). */
    public boolean isOwner(Principal who) {
        return owner != null && !who.anonymous() && !who.deployOnly() && owner.equals(who.name());
    }

    /** Whether {@code ref} may be neither deleted nor rewound. */
    public boolean isProtected(String ref) {
        for (String pattern : protectedRefs) {
            if (pattern.endsWith("*") ? ref.startsWith(pattern.substring(0, pattern.length() - 1))
                    : ref.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
