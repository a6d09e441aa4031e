package dev.gitfn.auth;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;
import java.util.regex.Pattern;

/** A user as the store keeps it: name, groups, the hashes of its tokens, and its SSH public keys. */
public record UserRecord(String name, List<String> groups, List<TokenRecord> tokens, List<KeyRecord> keys) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * One token: its id (to revoke it), its SHA-256, when it was made, the name its user gave
     * it, its scopes ({@code read}, {@code write}, {@code admin}; a record without them, made
     * before scopes existed, has all), when it expires (never when null) and when it was last
     * used (recorded at most once a minute, so approximate).
     */
    public record TokenRecord(String id, String sha256, String created, String name, List<String> scopes,
            String expiresAt, String lastUsed) {
        @JsonCreator
        public TokenRecord {
            scopes = scopes == null ? Scope.names(Scope.ALL) : List.copyOf(scopes);
        }

        /** A token with every scope that never expires. */
        public TokenRecord(String id, String sha256, String created) {
            this(id, sha256, created, null, null, null, null);
        }

        /** Its scopes; a record naming an unknown scope grants nothing. */
        public java.util.Set<Scope> scopeSet() {
            return Scope.parse(scopes).orElse(java.util.Set.of());
        }

        /** Whether it has expired at {@code now}; an unreadable expiry counts as expired. */
        public boolean expired(java.time.Instant now) {
            if (expiresAt == null) {
                return false;
            }
            try {
                return !now.isBefore(java.time.Instant.parse(expiresAt));
            } catch (java.time.format.DateTimeParseException e) {
                return true;
            }
        }

        public TokenRecord usedAt(String when) {
            return new TokenRecord(id, sha256, created, name, scopes, expiresAt, when);
        }
    }

    /**
     * One SSH public key: its id (to remove it), the key line without its comment, its
     * {@code SHA256:} fingerprint, the comment it came with, and when it was added.
     */
    public record KeyRecord(String id, String key, String fingerprint, String comment, String created) {
    }

    @JsonCreator
    public UserRecord {
        groups = groups == null ? List.of() : List.copyOf(groups);
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
        keys = keys == null ? List.of() : List.copyOf(keys);
    }

    /** A user without SSH keys. */
    public UserRecord(String name, List<String> groups, List<TokenRecord> tokens) {
        this(name, groups, tokens, List.of());
    }

    public UserRecord withGroups(List<String> newGroups) {
        return new UserRecord(name, newGroups, tokens, keys);
    }

    public UserRecord withTokens(List<TokenRecord> newTokens) {
        return new UserRecord(name, groups, newTokens, keys);
    }

    public UserRecord withKeys(List<KeyRecord> newKeys) {
        return new UserRecord(name, groups, tokens, newKeys);
    }

    /** User and group names: 1 to 64 letters, digits, {@code . _ -}, not starting with punctuation. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
