package dev.gitfn.events;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.cache.ServerInfoListener;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.BlobStore.Versioned;
import dev.gitfn.storage.PreconditionFailedException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Sends each repository's ref updates to its webhooks, after the push and never on its
 * thread. The outbox is the ref state's own history log (one event per ref-state version,
 * so no update can be missed); the hooks record says, per hook, up to which version the
 * receiver has accepted. Whatever instance sees an update first (the pushing one at once,
 * every one on its scan) sends what is due, in order, each event signed with the hook's
 * secret ({@code X-Gitfn-Signature-256: sha256=<hex>} of the body) and retried with backoff
 * and jitter: at least once, and a duplicate carries the same {@code X-Gitfn-Delivery} id.
 * With {@code K_SINK} set (Knative's SinkBinding), every repository's pushes also go there
 * as CloudEvents.
 */
@ApplicationScoped
public class PushEvents implements ServerInfoListener {
    private static final Logger LOG = Logger.getLogger(PushEvents.class);
    private static final int RECENT = 20;
    private static final int MAX_ATTEMPTS = 16;
    /** The progress entry of the CloudEvents sink ({@code K_SINK}) in each hooks record. */
    static final String K_SINK = "k-sink";

    private final BlobStore store;
    private final ObjectMapper json;
    private final GitfnConfig.Webhooks config;
    private final HttpClient http;
    private final SecretBox secrets;
    /** Repositories whose delivery runs now on this instance, and those to run again after it. */
    private final Set<RepoName> running = ConcurrentHashMap.newKeySet();
    private final Set<RepoName> again = ConcurrentHashMap.newKeySet();
    private volatile Cancellable scan;

    public PushEvents(BlobStore store, ObjectMapper json, GitfnConfig config) {
        this.store = store;
        this.json = json;
        this.config = config.webhooks();
        this.secrets = new SecretBox(this.config.secretKey());
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(this.config.timeout()).build();
    }

    void onStart(@Observes StartupEvent event) {
        // Every instance looks for events still due: a delivery that failed, or one whose
        // instance died before it could send.
        scan = Multi.createFrom().ticks().every(config.scanInterval())
                .onItem().transformToUniAndConcatenate(tick -> Uni.createFrom().item(this::reposWithHooks)
                        .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                        .onFailure().recoverWithItem(List.of()))
                .subscribe().with(repos -> repos.forEach(name -> kick(name, false)),
                        failure -> LOG.warn("event scan stopped", failure));
    }

    void onStop(@Observes ShutdownEvent event) {
        Cancellable running = scan;
        if (running != null) {
            running.cancel();
        }
    }

    /** After every change of a ref state: send what became due (returns at once). */
    @Override
    public void serverInfoWritten(CachedRepo repo) {
        kick(repo.name(), true);
    }

    /**
     * Starts a delivery run for {@code name} unless one runs; then it runs once more after it.
     * {@code changed}: its state just changed here (the sink then hears of the latest push
     * even of a repository it has not heard of before; a scan starts the sink after it).
     */
    public void kick(RepoName name, boolean changed) {
        again.add(name); // seen by the run under way, if one is: it runs once more
        if (running.add(name)) {
            start(name, changed);
        }
    }

    private void start(RepoName name, boolean changed) {
        again.remove(name);
        deliverDue(name, changed).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()).subscribe().with(
                done -> finished(name), failure -> {
                    LOG.warnf(failure, "push events of %s: the next scan tries again", name);
                    finished(name);
                });
    }

    private void finished(RepoName name) {
        running.remove(name);
        if (again.contains(name) && running.add(name)) {
            start(name, true);
        }
    }

    /** Sends every hook of {@code name} what is due, in order; a hook that fails waits for the next run. */
    Uni<Void> deliverDue(RepoName name, boolean changed) {
        return Uni.createFrom().item(() -> due(name, changed))
                .onItem().transformToMulti(Multi.createFrom()::iterable)
                .onItem().transformToUniAndConcatenate(work -> deliverInOrder(name, work.hook(), work.events()))
                .collect().asList().replaceWithVoid();
    }

    /** One hook and the events it has not accepted yet, oldest first. */
    private record Due(Hooks.Hook hook, List<Event> events) {
    }

    /** One push: a ref-state version and its ref updates. */
    record Event(long seq, String id, String time, byte[] body) {
    }

    private List<Due> due(RepoName name, boolean changed) {
        try {
            Hooks hooks = read(name).map(v -> parse(v.data())).orElse(Hooks.NONE);
            List<Hooks.Hook> targets = new ArrayList<>(hooks.hooks());
            config.kSink().ifPresent(sink -> targets.add(new Hooks.Hook(K_SINK, sink, null, null)));
            if (targets.isEmpty()) {
                return List.of();
            }
            Optional<Versioned> state = store.get(StoreLayout.stateKey(name));
            if (state.isEmpty()) {
                return List.of();
            }
            List<Event> events = events(name, RefState.readable(name, state.get().data()));
            List<Due> due = new ArrayList<>();
            for (Hooks.Hook hook : targets) {
                // The sink starts at the push that made it hear of a repository (none on a scan).
                long latest = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
                long delivered = hook.id().equals(K_SINK) && !hooks.progress().containsKey(K_SINK)
                        ? changed ? latest - 1 : latest
                        : hooks.progressOf(hook.id()).delivered();
                List<Event> pending = events.stream().filter(e -> e.seq() > delivered).toList();
                if (!pending.isEmpty()) {
                    due.add(new Due(hook, pending));
                }
            }
            return due;
        } catch (RepoNotFoundException gone) {
            return List.of(); // deleted or renamed: its events went with it (or go under the new name)
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The history's updates, one event per ref-state version, oldest first. */
    List<Event> events(RepoName name, RefState state) throws IOException {
        Map<Long, List<RefState.Update>> bySeq = new TreeMap<>();
        for (RefState.Update u : state.log()) {
            bySeq.computeIfAbsent(u.seq(), s -> new ArrayList<>()).add(u);
        }
        List<Event> events = new ArrayList<>();
        for (Map.Entry<Long, List<RefState.Update>> push : bySeq.entrySet()) {
            RefState.Update first = push.getValue().get(0);
            String id = name.value() + "@" + push.getKey();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", id);
            body.put("type", "push");
            body.put("repository", name.value());
            body.put("version", push.getKey());
            body.put("time", Instant.ofEpochSecond(first.at()).toString());
            Map<String, Object> pusher = new LinkedHashMap<>();
            pusher.put("user", first.who());
            pusher.put("tokenId", first.tokenId());
            pusher.put("transport", first.transport());
            body.put("pusher", pusher);
            List<Map<String, String>> updates = new ArrayList<>();
            for (RefState.Update u : push.getValue()) {
                updates.add(Map.of("ref", u.ref(), "before", u.oldId().name(), "after", u.newId().name()));
            }
            body.put("updates", updates);
            events.add(new Event(push.getKey(), id, (String) body.get("time"), json.writeValueAsBytes(body)));
        }
        return events;
    }

    /** Sends {@code events} to {@code hook} one after another, stopping at the first that fails. */
    private Uni<Void> deliverInOrder(RepoName name, Hooks.Hook hook, List<Event> events) {
        Uni<Boolean> chain = Uni.createFrom().item(true);
        for (Event event : events) {
            chain = chain.onItem().transformToUni(ok -> ok ? deliver(name, hook, event) : Uni.createFrom().item(false));
        }
        return chain.replaceWithVoid();
    }

    /** One event to one hook: retried with backoff and jitter; true once the receiver accepted it. */
    private Uni<Boolean> deliver(RepoName name, Hooks.Hook hook, Event event) {
        boolean sink = hook.id().equals(K_SINK);
        String refused = sink ? null : Outbound.refusal(URI.create(hook.url()), config.allowLoopback(),
                config.allowHosts().orElse(List.of()));
        if (refused != null) {
            return record(name, hook, event, 0, refused).replaceWith(false);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(hook.url())).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "gitfn-hookshot")
                .POST(HttpRequest.BodyPublishers.ofByteArray(event.body()));
        if (sink) {
            // CloudEvents 1.0, binary mode: the attributes in ce- headers, the event as the body.
            request.header("ce-specversion", "1.0").header("ce-id", event.id()).header("ce-type", "dev.gitfn.push")
                    .header("ce-source", "/gitfn/" + name.value()).header("ce-subject", name.value())
                    .header("ce-time", event.time());
        } else {
            String secret;
            try {
                secret = secrets.open(hook.secret(), hook.id());
            } catch (IllegalStateException sealedElsewhere) {
                return record(name, hook, event, 0, sealedElsewhere.getMessage()).replaceWith(false);
            }
            request.header("X-Gitfn-Event", "push").header("X-Gitfn-Delivery", event.id())
                    .header("X-Gitfn-Signature-256", "sha256=" + signature(secret, event.body()));
        }
        return send(name, hook, event, request.build());
    }

    private Uni<Boolean> send(RepoName name, Hooks.Hook hook, Event event, HttpRequest request) {
        int[] lastStatus = {0};
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.discarding()))
                .ifNoItem().after(config.timeout()).fail()
                .onItem().transform(response -> {
                    lastStatus[0] = response.statusCode();
                    if (response.statusCode() / 100 != 2) {
                        throw new IllegalStateException("the receiver answered " + response.statusCode());
                    }
                    return response.statusCode();
                })
                .onFailure().invoke(failure -> recordQuietly(name, hook, event, lastStatus[0], describe(failure)))
                .onFailure().retry().withBackOff(config.backoff(), Duration.ofSeconds(30)).withJitter(0.25)
                .atMost(Math.max(0, config.attempts() - 1))
                .onItem().transformToUni(status -> record(name, hook, event, status, null).replaceWith(true))
                .onFailure().recoverWithItem(false);
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        return message.length() > 200 ? message.substring(0, 200) : message;
    }

    private void recordQuietly(RepoName name, Hooks.Hook hook, Event event, int status, String error) {
        try {
            change(name, hooks -> withAttempt(hooks, hook.id(), event, status, error));
        } catch (IOException | RuntimeException e) {
            LOG.warnf("cannot record a delivery to %s: %s", hook.url(), e.getMessage());
        }
    }

    /** Records an attempt; on success moves the hook's progress to the event (never back). */
    private Uni<Void> record(RepoName name, Hooks.Hook hook, Event event, int status, String error) {
        return Uni.createFrom().voidItem().invoke(() -> {
            try {
                change(name, hooks -> withAttempt(hooks, hook.id(), event, status, error));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static Hooks withAttempt(Hooks hooks, String hookId, Event event, int status, String error) {
        if (!hookId.equals(K_SINK) && hooks.hooks().stream().noneMatch(h -> h.id().equals(hookId))) {
            return hooks; // removed meanwhile
        }
        Hooks.Progress was = hooks.progressOf(hookId);
        List<Hooks.Delivery> recent = new ArrayList<>(was.recent());
        recent.add(new Hooks.Delivery(event.id(), Instant.now().toString(), status, error));
        while (recent.size() > RECENT) {
            recent.remove(0);
        }
        boolean ok = error == null;
        Hooks.Progress now = new Hooks.Progress(ok ? Math.max(was.delivered(), event.seq()) : was.delivered(),
                ok ? 0 : was.failures() + 1, recent);
        Map<String, Hooks.Progress> progress = new LinkedHashMap<>(hooks.progress());
        progress.put(hookId, now);
        return new Hooks(hooks.hooks(), progress);
    }

    /** HMAC-SHA256 of the body with the hook's secret, in hex: what receivers verify. */
    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- the hooks record ----

    /** A repository's hooks (none without a record). */
    public Hooks hooks(RepoName name) throws IOException {
        return read(name).map(v -> parse(v.data())).orElse(Hooks.NONE);
    }

    /**
     * Adds a hook; it is told only of updates from now on (the current version counts as told).
     * Throws {@link IllegalArgumentException} for a URL it may not call.
     */
    public Hooks.Hook addHook(RepoName name, String url, String secret) throws IOException {
        URI target;
        try {
            target = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a webhook URL is an absolute http or https URL");
        }
        String refused = Outbound.refusal(target, config.allowLoopback(), config.allowHosts().orElse(List.of()));
        if (refused != null) {
            throw new IllegalArgumentException(refused);
        }
        long now = store.get(StoreLayout.stateKey(name)).map(v -> {
            List<RefState.Update> log = RefState.readable(name, v.data()).log();
            return log.isEmpty() ? 0L : log.get(log.size() - 1).seq();
        }).orElse(0L);
        String id = dev.gitfn.auth.Tokens.newId();
        Hooks.Hook hook = new Hooks.Hook(id, url, secrets.seal(secret, id), Instant.now().toString());
        change(name, hooks -> {
            List<Hooks.Hook> all = new ArrayList<>(hooks.hooks());
            all.add(hook);
            Map<String, Hooks.Progress> progress = new LinkedHashMap<>(hooks.progress());
            progress.put(hook.id(), new Hooks.Progress(now, 0, List.of()));
            return new Hooks(all, progress);
        });
        return hook;
    }

    /** Removes a hook; false if there is none of that id. */
    public boolean removeHook(RepoName name, String id) throws IOException {
        boolean[] found = {false};
        change(name, hooks -> {
            found[0] = hooks.hooks().stream().anyMatch(h -> h.id().equals(id));
            Map<String, Hooks.Progress> progress = new LinkedHashMap<>(hooks.progress());
            progress.remove(id);
            return new Hooks(hooks.hooks().stream().filter(h -> !h.id().equals(id)).toList(), progress);
        });
        return found[0];
    }

    private Optional<Versioned> read(RepoName name) throws IOException {
        return store.get(StoreLayout.hooksKey(name));
    }

    private Hooks parse(byte[] data) {
        try {
            return json.readValue(data, Hooks.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("unreadable hooks record: " + e.getMessage(), e);
        }
    }

    private void change(RepoName name, UnaryOperator<Hooks> change) throws IOException {
        String key = StoreLayout.hooksKey(name);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<Versioned> current = store.get(key);
            Hooks next = change.apply(current.map(v -> parse(v.data())).orElse(Hooks.NONE));
            try {
                store.putIfMatch(key, json.writeValueAsBytes(next), current.map(Versioned::etag).orElse(null));
                return;
            } catch (PreconditionFailedException e) {
                // another delivery or an admin changed it: apply the change to theirs
            }
        }
        throw new IOException("too much contention on " + key);
    }

    /** The repositories a scan looks at: those with hooks, or every one when the sink is set. */
    private List<RepoName> reposWithHooks() {
        try {
            List<RepoName> repos = new ArrayList<>();
            if (config.kSink().isPresent()) {
                String suffix = ".git/" + StoreLayout.STATE_FILE;
                for (String key : store.list("")) {
                    if (key.endsWith(suffix)) {
                        repos.add(RepoName.parse(key.substring(0, key.length() - suffix.length())));
                    }
                }
                return repos;
            }
            for (String key : store.list(StoreLayout.HOOKS_PREFIX)) {
                if (key.endsWith(".json")) {
                    repos.add(RepoName.parse(key.substring(StoreLayout.HOOKS_PREFIX.length(), key.length() - 5)));
                }
            }
            return repos;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
