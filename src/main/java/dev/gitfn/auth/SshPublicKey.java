package dev.gitfn.auth;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/**
 * A user's SSH public key as {@code authorized_keys} writes it ({@code ssh-ed25519 AAAA... comment}),
 * checked: a type gitfn accepts (ed25519, ECDSA, RSA of at least 2048 bits), a blob that is well
 * formed and names the same type. Its identity is the SHA-256 of the blob, as OpenSSH's
 * fingerprints are; the comment is kept for people only.
 */
public record SshPublicKey(String type, byte[] blob, String comment) {
    static final int MIN_RSA_BITS = 2048;
    private static final int MAX_LINE = 16 * 1024;
    private static final Set<String> ECDSA = Set.of("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521");

    /** Parses and checks a key line; {@link IllegalArgumentException} with a message a user can act on. */
    public static SshPublicKey parse(String line) {
        if (line == null || line.isBlank()) {
            throw new IllegalArgumentException("no key: send {\"key\":\"ssh-ed25519 AAAA... comment\"}");
        }
        if (line.length() > MAX_LINE || line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("a key is one line of at most " + MAX_LINE + " characters");
        }
        String[] parts = line.trim().split("\\s+", 3);
        if (parts.length < 2) {
            throw new IllegalArgumentException("a key line is '<type> <base64> [comment]'");
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the key is not valid base64");
        }
        SshPublicKey key = new SshPublicKey(parts[0], blob, parts.length > 2 ? parts[2] : "");
        key.check();
        return key;
    }

    /** The key a transport received, in the SSH wire form (its blob). */
    public static SshPublicKey ofBlob(byte[] blob) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            SshPublicKey key = new SshPublicKey(new String(readString(in), StandardCharsets.US_ASCII), blob, "");
            key.check();
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed key");
        }
    }

    private void check() {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            String inner = new String(readString(in), StandardCharsets.US_ASCII);
            if (!inner.equals(type)) {
                throw new IllegalArgumentException("the key says it is " + inner + " but the line says " + type);
            }
            switch (type) {
                case "ssh-ed25519" -> {
                    if (readString(in).length != 32) {
                        throw new IllegalArgumentException("an ed25519 key has 32 bytes");
                    }
                }
                case "ssh-rsa" -> {
                    readString(in); // the public exponent
                    int bits = new BigInteger(1, readString(in)).bitLength();
                    if (bits < MIN_RSA_BITS) {
                        throw new IllegalArgumentException("RSA keys need at least " + MIN_RSA_BITS
                                + " bits; this one has " + bits);
                    }
                }
                default -> {
                    if (!ECDSA.contains(type)) {
                        throw new IllegalArgumentException("unsupported key type " + type
                                + ": use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa (2048 bits or more)");
                    }
                    readString(in); // the curve's name
                    if (readString(in).length == 0) {
                        throw new IllegalArgumentException("an ECDSA key needs its point");
                    }
                }
            }
            if (in.available() > 0) {
                throw new IllegalArgumentException("the key has trailing bytes");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + type + " key");
        }
    }

    private static byte[] readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IOException("truncated");
        }
        return in.readNBytes(length);
    }

    /** The SHA-256 of the blob in hex: the key's name in the store. */
    public String sha256Hex() {
        return HexFormat.of().formatHex(sha256());
    }

    /** As {@code ssh-keygen -l} shows it: {@code SHA256:<base64 without padding>}. */
    public String fingerprint() {
        return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(sha256());
    }

    /** The line without its comment, as stored and listed. */
    public String line() {
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }

    private byte[] sha256() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(blob);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
