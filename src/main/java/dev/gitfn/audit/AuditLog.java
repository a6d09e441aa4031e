package dev.gitfn.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.auth.Principal;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.PreconditionFailedException;

/**
 * Writes audit entries to the console log at once (logger {@code gitfn.audit}) and to the
 * store as append-only objects, {@code .gitfn/audit/<day>/<time>-<instance>-<n>.jsonl}, each
 * created once and never rewritten, so instances never contend and nothing is lost to a race.
 *
 * <p>{@link #record} never blocks (admission calls it on the event loop): entries wait in
 * memory and a background thread stores them every {@code gitfn.audit.flush-interval}, many
 * in one object, so refused sign-ins cannot turn into one store write each.
 * {@link #recordStored} stores before it returns, for actions answered on a worker.
 */
@Singleton
public class AuditLog {
    private static final Logger LOG = Logger.getLogger("gitfn.audit");
    static final String PREFIX = StoreLayout.RECORDS + "audit/";
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HHmmss.SSS")
            .withZone(ZoneOffset.UTC);
    /** How far back one read may reach: one store listing per day. */
    public static final int MAX_DAYS = 400;

    private final BlobStore store;
    private final ObjectMapper json;
    private final Clock clock;
    private final int maxPending;
    /** Names this instance's objects, so two instances never write one key. */
    private final String instance = java.util.UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong written = new AtomicLong();
    private final ConcurrentLinkedQueue<AuditEvent> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    /** Entries a failed store write left behind, first in the next one (guarded by this). */
    private final List<AuditEvent> unstored = new ArrayList<>();
    private final ScheduledExecutorService flusher;

    @jakarta.inject.Inject
    public AuditLog(BlobStore store, ObjectMapper json, GitfnConfig config) {
        this(store, json, config.audit().maxPending(), config.audit().flushInterval(), Clock.systemUTC());
    }

    AuditLog(BlobStore store, ObjectMapper json, int maxPending, Duration flushInterval, Clock clock) {
        this.store = store;
        this.json = json;
        this.clock = clock;
        this.maxPending = maxPending;
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gitfn-audit");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, flushInterval.toMillis());
        flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    /** An entry for {@code action} by {@code who} (null: nobody signed in), stamped now. */
    public AuditEvent event(String action, Principal who, String transport, String client, String repo,
            Map<String, Object> detail) {
        return event(action, who == null ? null : who.name(), who == null ? null : who.tokenId(), transport, client,
                repo, detail);
    }

    /** An entry for {@code action} by {@code user} with {@code tokenId} (either may be null), stamped now. */
    public AuditEvent event(String action, String user, String tokenId, String transport, String client,
            String repo, Map<String, Object> detail) {
        return new AuditEvent(Instant.now(clock).toString(), action, user, tokenId, transport, client, repo,
                detail == null || detail.isEmpty() ? null : detail);
    }

    /** Logs the entry and queues it for the store; never blocks. */
    public void record(AuditEvent event) {
        String line = line(event);
        LOG.info(line);
        if (pendingCount.incrementAndGet() > maxPending) {
            pendingCount.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        pending.add(event);
    }

    /**
     * {@link #record}, then stores everything queued before returning (on a worker thread):
     * an administrative action is in the store when its caller is answered. A store failure is
     * logged and the entries stay queued for the next write.
     */
    public void recordStored(AuditEvent event) {
        record(event);
        flushQuietly();
    }

    /** Entries this instance counted but could not hold (more than gitfn.audit.max-pending at once). */
    public long dropped() {
        return dropped.get();
    }

    /** Stores every queued entry in one new object. */
    public synchronized void flush() throws IOException {
        List<AuditEvent> batch = new ArrayList<>(unstored);
        unstored.clear();
        for (AuditEvent e = pending.poll(); e != null; e = pending.poll()) {
            pendingCount.decrementAndGet();
            batch.add(e);
        }
        long lost = dropped.getAndSet(0);
        if (lost > 0) {
            batch.add(event("audit.dropped", null, null, null, null, null, Map.of("entries", lost)));
        }
        if (batch.isEmpty()) {
            return;
        }
        StringBuilder lines = new StringBuilder();
        for (AuditEvent e : batch) {
            lines.append(line(e)).append('\n');
        }
        Instant now = Instant.now(clock);
        String key = PREFIX + LocalDate.ofInstant(now, ZoneOffset.UTC) + "/" + TIME_OF_DAY.format(now) + "-"
                + instance + "-" + written.incrementAndGet() + ".jsonl";
        try {
            store.putIfMatch(key, lines.toString().getBytes(StandardCharsets.UTF_8), null);
        } catch (PreconditionFailedException e) {
            throw new IllegalStateException("audit object " + key + " exists already", e); // keys are unique
        } catch (IOException | RuntimeException e) {
            // Kept for the next write, oldest first; the count of dropped ones is kept too.
            batch.removeIf(x -> x.action().equals("audit.dropped"));
            unstored.addAll(batch.subList(Math.max(0, batch.size() - maxPending), batch.size()));
            dropped.addAndGet(lost + Math.max(0, batch.size() - maxPending));
            throw e;
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot store audit entries yet (%s); they stay queued", e.toString());
        }
    }

    /**
     * Entries from {@code since} on (at most {@link #MAX_DAYS} days back), optionally of one
     * repository, newest first, at most {@code limit}; what this instance still queues included.
     */
    public List<AuditEvent> read(Instant since, String repo, int limit) throws IOException {
        flushQuietly();
        LocalDate first = LocalDate.ofInstant(since, ZoneOffset.UTC);
        LocalDate last = LocalDate.ofInstant(Instant.now(clock), ZoneOffset.UTC);
        List<AuditEvent> found = new ArrayList<>();
        for (LocalDate day = last; !day.isBefore(first); day = day.minusDays(1)) {
            List<String> keys = new ArrayList<>(store.list(PREFIX + day + "/"));
            keys.sort(Comparator.reverseOrder());
            for (String key : keys) {
                for (AuditEvent e : parse(key)) {
                    if (!Instant.parse(e.time()).isBefore(since) && (repo == null || repo.equals(e.repo()))) {
                        found.add(e);
                    }
                }
            }
            if (found.size() >= limit) {
                break; // older days cannot hold newer entries
            }
        }
        found.sort(Comparator.comparing((AuditEvent e) -> Instant.parse(e.time())).reversed());
        return found.size() > limit ? found.subList(0, limit) : found;
    }

    private List<AuditEvent> parse(String key) throws IOException {
        List<AuditEvent> events = new ArrayList<>();
        byte[] data = store.get(key).map(BlobStore.Versioned::data).orElse(new byte[0]);
        for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                try {
                    events.add(json.readValue(line, AuditEvent.class));
                } catch (JsonProcessingException e) {
                    LOG.warnf("unreadable audit line in %s", key);
                }
            }
        }
        return events;
    }

    private String line(AuditEvent event) {
        try {
            return json.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audit entry is always writable", e);
        }
    }

    @PreDestroy
    void stop() {
        flusher.shutdown();
        flushQuietly();
    }
}
