package dev.gitfn.auth;

import java.util.Set;

/** Who a request acts for: a user of the store, a JWT subject, the bootstrap admin, or nobody. */
public record Principal(String name, Set<String> groups, boolean admin) {
    public static final Principal ANONYMOUS = new Principal(null, Set.of(), false);

    public boolean anonymous() {
        return name == null;
    }

    /** Whether an access-list entry ({@code alice} or {@code group:qa}) names this principal. */
    public boolean matches(String entry) {
        if (anonymous() || entry == null) {
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
