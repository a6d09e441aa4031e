package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The start-up rule for the bootstrap admin token, in this JVM so that mutation testing sees it. */
class AdminTokenTest {
    @Test
    void tokensShorterThan32CharactersAreRefusedWithAMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> AccessControl.strongEnough("x".repeat(31)));
        assertTrue(e.getMessage().contains("at least 32") && e.getMessage().contains("openssl rand"), e.getMessage());
        assertEquals("y".repeat(32), AccessControl.strongEnough("y".repeat(32)));
    }

    @Test
    void theBasicUserNameIsReadWithoutTheSecret() {
        assertEquals("alice", AccessControl.claimedUser("Basic " + java.util.Base64.getEncoder()
                .encodeToString("alice:gfn_secret".getBytes())));
        assertEquals(null, AccessControl.claimedUser("Bearer abc"));
        assertEquals(null, AccessControl.claimedUser("Basic !!!"));
        assertEquals(null, AccessControl.claimedUser(null));
    }
}
