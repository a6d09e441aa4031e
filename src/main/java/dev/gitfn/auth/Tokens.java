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
}
