package dev.gitfn.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Personal access tokens: 256 random bits, shown once, kept only as a SHA-256
 * hash. A fast hash is enough here (unlike for passwords) because the secret is
 * random, not chosen by a person; comparisons run in constant time.
 */
public final class Tokens {
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String PREFIX = "gfn_";

    private Tokens() {
    }

    /** A new token, e.g. {@code gfn_3q2+...}; URL-safe so it survives {@code user:token@host} URLs. */
    public static String newToken() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** What every deploy token starts with: it is checked against the repository a request names. */
    static final String DEPLOY_PREFIX = "gfd_";

    /** A new deploy token, e.g. {@code gfd_3q2+...}. */
    public static String newDeployToken() {
        return DEPLOY_PREFIX + newToken().substring(PREFIX.length());
    }

    /** Whether a secret is a deploy token (by its form; whether it is valid, its repository says). */
    public static boolean isDeployToken(String secret) {
        return secret != null && secret.startsWith(DEPLOY_PREFIX);
    }

    /** A short random identifier for a token, used to revoke it. */
    public static String newId() {
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    /** The hash kept in the store. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Constant-time comparison of two secrets (or two hashes). */
    public static boolean same(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Longest name a token may be given. */
    static final int MAX_NAME = 64;

    /**
     * What is wrong with a request for a token, or null: a name of at most 64 printable
     * characters, one or more known scopes, an expiry in the future (or none), and no scope
     * beyond what the requesting credential itself has ({@code granting}).
     */
    public static String problem(String name, java.util.List<String> scopes, String expiresAt,
            java.util.Set<Scope> granting, java.time.Instant now) {
        if (name != null && (name.length() > MAX_NAME || !name.chars().allMatch(c -> c >= 0x20 && c != 0x7f))) {
            return "a token's name has at most " + MAX_NAME + " printable characters";
        }
        java.util.Optional<java.util.Set<Scope>> parsed = scopes == null ? java.util.Optional.of(granting)
                : Scope.parse(scopes);
        if (parsed.isEmpty()) {
            return "scopes are one or more of \"read\", \"write\", \"admin\"";
        }
        if (!parsed.get().stream().allMatch(wanted -> Scope.covers(granting, wanted))) {
            return "a token cannot have scopes its maker lacks: this credential has " + Scope.names(granting);
        }
        if (expiresAt != null) {
            try {
                if (!java.time.Instant.parse(expiresAt).isAfter(now)) {
                    return "expiresAt is in the past";
                }
            } catch (java.time.format.DateTimeParseException e) {
                return "expiresAt must be an ISO-8601 instant such as 2027-01-01T00:00:00Z";
            }
        }
        return null;
    }
}
