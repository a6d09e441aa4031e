package dev.gitfn.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.FsBlobStore;

class LeaseTest {
    private static final String KEY = "team/app.git/gitfn-maintenance";
    private static final Duration LENGTH = Duration.ofMinutes(15);

    @TempDir
    Path dir;

    private static Clock at(long millis) {
        return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    @Test
    void oneHolderAtATimeUntilItGivesTheLeaseBack() throws Exception {
        BlobStore store = new FsBlobStore(dir);
        Optional<Lease> first = Lease.acquire(store, KEY, "a", LENGTH, at(1000));
        assertTrue(first.isPresent());
        assertEquals("a", first.get().holder());
        assertTrue(Lease.acquire(store, KEY, "b", LENGTH, at(1000)).isEmpty(), "held");
        assertTrue(Lease.acquire(store, KEY, "b", LENGTH, at(1000 + LENGTH.toMillis() - 1)).isEmpty(),
                "held until the last millisecond");
        first.get().close();
        assertTrue(Lease.acquire(store, KEY, "b", LENGTH, at(2000)).isPresent(), "given back");
    }

    @Test
    void anExpiredLeaseIsTakenOverAndTheOldHolderCannotGiveItBack() throws Exception {
        BlobStore store = new FsBlobStore(dir);
        Lease crashed = Lease.acquire(store, KEY, "a", LENGTH, at(0)).orElseThrow();
        Lease next = Lease.acquire(store, KEY, "b", LENGTH, at(LENGTH.toMillis())).orElseThrow();
        crashed.close(); // too late: b holds it now
        assertTrue(Lease.acquire(store, KEY, "c", LENGTH, at(LENGTH.toMillis() + 1)).isEmpty(), "b still holds it");
        next.close();
        assertTrue(Lease.acquire(store, KEY, "c", LENGTH, at(LENGTH.toMillis() + 1)).isPresent());
    }

    @Test
    void readsExpiry() {
        assertTrue(Lease.expired("holder a\nuntil 10\n".getBytes(StandardCharsets.UTF_8), at(10)));
        assertFalse(Lease.expired("holder a\nuntil 11\n".getBytes(StandardCharsets.UTF_8), at(10)));
        assertTrue(Lease.expired("holder a\nuntil x\n".getBytes(StandardCharsets.UTF_8), at(10)), "unreadable");
        assertTrue(Lease.expired("holder a\n".getBytes(StandardCharsets.UTF_8), at(10)), "no expiry");
    }
}
