package dev.gitfn.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.FaultyBlobStore;

/** The audit log's store side: batched, append-only, nothing lost to a failed write, bounded memory. */
class AuditLogTest {
    @TempDir
    Path dir;

    @Test
    void aFailedWriteLosesNothingAndTheNextOneStoresItAll() throws IOException {
        FaultyBlobStore store = new FaultyBlobStore(new FsBlobStore(dir));
        AuditLog log = new AuditLog(store, new ObjectMapper(), 100, Duration.ofHours(1), Clock.systemUTC());
        store.failSwaps = k -> true;
        log.record(log.event("repo.delete", "alice", "t1", "api", "10.0.0.1", "team/app", Map.of()));
        assertThrows(IOException.class, log::flush);
        log.record(log.event("push.force", "bob", null, "ssh", null, "team/app", Map.of("ref", "refs/heads/main")));
        store.heal();
        log.flush();
        List<AuditEvent> read = log.read(Instant.now().minusSeconds(60), "team/app", 10);
        assertEquals(List.of("push.force", "repo.delete"), read.stream().map(AuditEvent::action).toList());
        assertEquals(1, store.list(AuditLog.PREFIX).size(), "both in one object");
        log.flush();
        assertEquals(1, store.list(AuditLog.PREFIX).size(), "nothing queued writes nothing");
    }

    @Test
    void beyondItsBoundItCountsWhatItDroppedAndStoresTheCount() throws IOException {
        FsBlobStore store = new FsBlobStore(dir);
        AuditLog log = new AuditLog(store, new ObjectMapper(), 2, Duration.ofHours(1), Clock.systemUTC());
        for (int i = 0; i < 5; i++) {
            log.record(log.event("auth.refused", null, null, "http", "10.0.0." + i, null, Map.of()));
        }
        assertEquals(3, log.dropped());
        log.flush();
        List<AuditEvent> read = log.read(Instant.now().minusSeconds(60), null, 10);
        assertEquals(3, read.size());
        AuditEvent count = read.stream().filter(e -> e.action().equals("audit.dropped")).findFirst().orElseThrow();
        assertEquals(3, ((Number) count.detail().get("entries")).intValue());
        assertEquals(0, log.dropped());
    }

    @Test
    void readsReachBackByDayAndFilterByTimeRepositoryAndLimit() throws IOException {
        FsBlobStore store = new FsBlobStore(dir);
        Instant twoDaysAgo = Instant.parse("2026-11-29T23:59:00Z");
        AuditLog old = new AuditLog(store, new ObjectMapper(), 100, Duration.ofHours(1),
                Clock.fixed(twoDaysAgo, ZoneOffset.UTC));
        old.record(old.event("repo.create", "alice", null, "api", null, "team/old", Map.of()));
        old.flush();
        AuditLog now = new AuditLog(store, new ObjectMapper(), 100, Duration.ofHours(1),
                Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC));
        for (int i = 0; i < 3; i++) {
            now.record(now.event("repo.update", "alice", null, "api", null, "team/app", Map.of("n", i)));
        }
        now.flush();
        assertEquals(4, now.read(twoDaysAgo, null, 100).size());
        assertEquals(3, now.read(twoDaysAgo.plusSeconds(1), null, 100).size(), "since is a time, not a day");
        assertEquals(List.of("team/old"), now.read(twoDaysAgo, "team/old", 100).stream().map(AuditEvent::repo).toList());
        assertEquals(2, now.read(twoDaysAgo, null, 2).size());
        assertTrue(store.list(AuditLog.PREFIX + "2026-11-29/").size() == 1, "one folder per day");
    }
}
