package dev.gitfn.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** Webhook secrets at rest: sealed with the configured key, bound to their hook, and never opened otherwise. */
class SecretBoxTest {
    private static final String KEY = Base64.getEncoder().encodeToString("k".repeat(32).getBytes());
    private static final String OTHER = Base64.getEncoder().encodeToString("o".repeat(32).getBytes());

    @Test
    void sealedSecretsOpenOnlyForTheirHookWithTheirKey() {
        SecretBox box = new SecretBox(Optional.of(KEY));
        assertTrue(box.sealing());
        String sealed = box.seal("hunter2", "hook-1");
        assertTrue(sealed.startsWith(SecretBox.PREFIX), sealed);
        assertFalse(sealed.contains("hunter2"));
        assertNotEquals(sealed, box.seal("hunter2", "hook-1"), "a fresh nonce each time");
        assertEquals("hunter2", box.open(sealed, "hook-1"));
        assertThrows(IllegalStateException.class, () -> box.open(sealed, "hook-2"), "another hook's");
        assertThrows(IllegalStateException.class, () -> new SecretBox(Optional.of(OTHER)).open(sealed, "hook-1"));
        assertThrows(IllegalStateException.class, () -> new SecretBox(Optional.empty()).open(sealed, "hook-1"));
        String flipped = sealed.substring(0, sealed.length() - 3) + (sealed.endsWith("A==") ? "B==" : "A==");
        assertThrows(IllegalStateException.class, () -> box.open(flipped, "hook-1"), "changed bytes");
        assertThrows(IllegalStateException.class, () -> box.open(SecretBox.PREFIX + "AAAA", "hook-1"), "too short");
        assertThrows(IllegalStateException.class, () -> box.open(SecretBox.PREFIX + "%%%", "hook-1"), "not base64");
        // Stored before the key was set: used as it is.
        assertEquals("plain", box.open("plain", "hook-1"));
    }

    @Test
    void withoutAKeySecretsAreStoredAsGiven() {
        SecretBox none = new SecretBox(Optional.empty());
        assertFalse(none.sealing());
        assertEquals("hunter2", none.seal("hunter2", "hook-1"));
        assertEquals("hunter2", none.open("hunter2", "hook-1"));
        assertFalse(new SecretBox(Optional.of("  ")).sealing());
    }

    @Test
    void aKeyMustBe32BytesOfBase64() {
        for (String bad : new String[] {"short", Base64.getEncoder().encodeToString(new byte[16]), "%%%%"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new SecretBox(Optional.of(bad)), bad);
            assertTrue(e.getMessage().contains("gitfn.webhooks.secret-key"), e.getMessage());
        }
    }
}
