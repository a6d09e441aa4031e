package dev.gitfn.auth;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Who may use one repository. Entries in {@code read} and {@code write} are user
 * names or {@code group:<name>}; write implies read. {@code protectedRefs} are
 * refs (or prefixes ending in {@code *}) that may be neither force-pushed nor
 * deleted. A repository with no record is open to admins only. {@code cdnRedirect}:
 * a public repository's smart clone is sent to its published copy (gitfn.publish.base-url).
 */
public record RepoAccess(@JsonProperty("public") boolean isPublic, List<String> read, List<String> write,
        List<String> protectedRefs, Boolean cdnRedirect) {
    public static final RepoAccess NONE = new RepoAccess(false, List.of(), List.of(), List.of());

    /** Rules without the CDN redirect. */
    public RepoAccess(boolean isPublic, List<String> read, List<String> write, List<String> protectedRefs) {
        this(isPublic, read, write, protectedRefs, false);
    }

    public RepoAccess {
        read = read == null ? List.of() : List.copyOf(read);
        write = write == null ? List.of() : List.copyOf(write);
        protectedRefs = protectedRefs == null ? List.of() : List.copyOf(protectedRefs);
        cdnRedirect = Boolean.TRUE.equals(cdnRedirect); // records written before the field read as false
    }

    public boolean canRead(Principal who) {
        return isPublic || canWrite(who) || read.stream().anyMatch(who::matches);
    }

    public boolean canWrite(Principal who) {
        return who.admin() || write.stream().anyMatch(who::matches);
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
