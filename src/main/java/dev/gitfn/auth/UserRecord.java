package dev.gitfn.auth;

import com.fasterxml.jackson.annotation.JsonCreator;

import java.util.List;
import java.util.regex.Pattern;

/** A user as the store keeps it: name, groups, the hashes of its tokens, and its SSH public keys. */
public record UserRecord(String name, List<String> groups, List<TokenRecord> tokens, List<KeyRecord> keys) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** One token: its id (to revoke it), its SHA-256, and when it was made. */
    public record TokenRecord(String id, String sha256, String created) {
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
