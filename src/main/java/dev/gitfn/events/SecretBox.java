package dev.gitfn.events;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook secrets at rest: with {@code gitfn.webhooks.secret-key} (32 random bytes in
 * base64) a secret is stored AES-256-GCM-sealed, bound to its hook's id (a sealed secret
 * copied onto another hook does not open), so a reader of the private store does not
 * learn it; without a key it is stored as given, as the other private records are.
 * Secrets stored before a key was set keep working.
 */
public final class SecretBox {
    static final String PREFIX = "aes-gcm:";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    /** Throws {@link IllegalArgumentException} for a key that is not 32 bytes of base64. */
    public SecretBox(Optional<String> base64Key) {
        if (base64Key.isEmpty() || base64Key.get().isBlank()) {
            this.key = null;
            return;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Key.get().trim());
        } catch (IllegalArgumentException e) {
            raw = new byte[0];
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("gitfn.webhooks.secret-key must be 32 bytes in base64 "
                    + "(openssl rand -base64 32)");
        }
        this.key = new SecretKeySpec(raw, "AES");
    }

    public boolean sealing() {
        return key != null;
    }

    /** The secret as stored for the hook {@code hookId}. */
    public String seal(String secret, String hookId) {
        if (key == null) {
            return secret;
        }
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(hookId.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length)
                    .put(iv).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a webhook secret", e);
        }
    }

    /**
     * The secret a stored value holds for the hook {@code hookId}. Throws
     * {@link IllegalStateException} when it was sealed and cannot be opened here (no key, another
     * key, another hook's, or changed).
     */
    public String open(String stored, String hookId) {
        if (!stored.startsWith(PREFIX)) {
            return stored; // stored before a key was set
        }
        if (key == null) {
            throw new IllegalStateException("the secret is sealed and gitfn.webhooks.secret-key is not set");
        }
        try {
            byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
            if (all.length <= IV_BYTES) {
                throw new IllegalStateException("a sealed webhook secret that is too short");
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
            cipher.updateAAD(hookId.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("the sealed secret does not open with gitfn.webhooks.secret-key "
                    + "(another key, or another hook's)", e);
        }
    }
}
