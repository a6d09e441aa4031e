package dev.gitfn.auth;

import java.util.List;
import java.util.regex.Pattern;

/** A user as the store keeps it: name, groups, and the hashes of its tokens. */
public record UserRecord(String name, List<String> groups, List<TokenRecord> tokens) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** One token: its id (to revoke it), its SHA-256, and when it was made. */
    public record TokenRecord(String id, String sha256, String created) {
    }

    public UserRecord {
        groups = groups == null ? List.of() : List.copyOf(groups);
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    /** User and group names: 1 to 64 letters, digits, {@code . _ -}, not starting with punctuation. */
    public static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }
}
