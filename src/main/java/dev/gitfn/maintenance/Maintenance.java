package dev.gitfn.maintenance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.eclipse.jgit.lib.ObjectId;
import org.jboss.logging.Logger;

import dev.gitfn.repo.PackIntegrity;
import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.cache.ServerInfoListener;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;

/**
 * Keeps a repository's packs few and its clones cheap, with any number of instances
 * and no coordinator.
 *
 * <p>Compaction merges packs and writes them to the store first; then one
 * compare-and-swap of the ref state replaces the merged packs' names by the new
 * ones (re-read and re-applied if a push moved the state meanwhile, never
 * overwriting it), and records the merged ones as retired at that time. A full
 * compaction writes the pack of everything the refs reach, with its reachability
 * bitmap, and puts what no ref reaches in a cruft pack stamped with the time. Garbage
 * collection deletes a retired pack's files once the grace period has passed and no
 * state lists it, and drops a cruft pack found unreachable again a grace period later.
 *
 * <p>It runs after a push that leaves many packs (in the background, never delaying
 * the push's answer), and on demand from the API.
 */
@ApplicationScoped
public class Maintenance implements ServerInfoListener {
    private static final Logger LOG = Logger.getLogger(Maintenance.class);
    private static final List<String> PACK_FILES = List.of(".pack", ".idx", ".bitmap");

    /** What to do: {@code AUTO} merges geometrically (fully when that reaches the largest pack). */
    public enum Mode { AUTO, FULL }

    /**
     * What one run did: {@code waiting} counts the retired packs still inside their grace
     * period, {@code deleted} names those deleted now.
     */
    public record Report(String repo, String done, int packsBefore, int packsAfter, long objects,
            boolean bitmap, int waiting, List<String> deleted) {
    }

    private final BlobStore store;
    private final RepositoryCache cache;
    private final Path workRoot;
    private final Iterable<ServerInfoListener> listeners;
    private final int threshold;
    private final int factor;
    private final Duration grace;
    private final Duration leaseLength;
    private final Clock clock;
    private final String holder = UUID.randomUUID().toString();
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gitfn-maintenance");
        t.setDaemon(true);
        return t;
    });
    private final Set<RepoName> queued = ConcurrentHashMap.newKeySet();
    /** How long a deleted repository stays restorable (gitfn.repos.delete-grace); then {@link #runAll} purges it. */
    private java.time.Duration deleteGrace = java.time.Duration.ofDays(7);
    /** How long a renamed repository's old name redirects (gitfn.repos.rename-redirect). */
    private java.time.Duration renameRedirect = java.time.Duration.ofDays(30);

    @Inject
    public Maintenance(BlobStore store, RepositoryCache cache, GitfnConfig config,
            Instance<ServerInfoListener> listeners) {
        this(store, cache, config.cache().dir(), config.maintenance(), listeners, Clock.systemUTC());
        this.deleteGrace = config.repos().deleteGrace();
        this.renameRedirect = config.repos().renameRedirect();
    }

    /** For tests: another cache, another clock, other settings. */
    public Maintenance(BlobStore store, RepositoryCache cache, Path cacheDir, GitfnConfig.Maintenance config,
            Iterable<ServerInfoListener> listeners, Clock clock) {
        this.store = store;
        this.cache = cache;
        this.workRoot = cacheDir.toAbsolutePath().normalize();
        this.listeners = listeners;
        this.threshold = config.packThreshold();
        this.factor = Math.max(2, config.geometricFactor());
        this.grace = config.grace();
        this.leaseLength = config.lease();
        this.clock = clock;
    }

    /** After a push (or any state change): queue a compaction when the packs call for one. */
    @Override
    public void serverInfoWritten(CachedRepo repo) {
        if (threshold > 0 && due(repo.state()) && queued.add(repo.name())) {
            RepoName name = repo.name();
            background.execute(() -> {
                queued.remove(name);
                try {
                    run(name, Mode.AUTO);
                } catch (IOException | RuntimeException e) {
                    LOG.warnf(e, "background maintenance of %s failed; the next push or run tries again", name);
                }
            });
        }
    }

    /** Whether a state has enough packs, or an unindexed largest pack, to be worth compacting. */
    boolean due(RefState state) {
        Map<String, Long> sizes = sizes(state, liveAndUncrufted(state));
        if (sizes.size() >= threshold) {
            return true;
        }
        String largest = GeometricPlan.largest(sizes);
        return largest != null && state.integrityOf(largest).map(i -> !i.hasBitmap()).orElse(false);
    }

    /**
     * Compacts one repository (unless another instance holds its lease) and collects
     * its garbage.
     */
    public Report run(RepoName name, Mode mode) throws IOException {
        Optional<Lease> taken = Lease.acquire(store, StoreLayout.leaseKey(name), holder, leaseLength, clock);
        if (taken.isEmpty()) {
            return new Report(name.value(), "busy: another instance is maintaining it", 0, 0, 0, false, 0,
                    List.of());
        }
        Path work = Files.createDirectories(workRoot).resolve(".maintenance-" + UUID.randomUUID());
        try (Lease lease = taken.get(); CachedRepo repo = cache.open(name)) {
            Files.createDirectories(work);
            RefState before = repo.state();
            Compaction compaction = plan(repo, mode, work);
            String done = compaction == null ? "nothing to compact" : compaction.kind;
            if (compaction != null) {
                for (PackRewriter.Written out : compaction.outputs) {
                    upload(name, out, before);
                }
                RefState written = cache.changeState(name, current -> compaction.applyTo(current, nowSeconds()),
                        state -> {
                            for (PackRewriter.Written out : compaction.outputs) {
                                cache.adoptPack(name, work, out.name(), state);
                            }
                        });
                if (written == null) {
                    done = "stood down: its packs changed meanwhile";
                    LOG.infof("compaction of %s stood down: its packs changed meanwhile", name);
                } else {
                    LOG.infof("compacted %s (%s): %d packs to %d", name, compaction.kind, before.packs().size(),
                            written.packs().size());
                }
            }
            List<String> deleted = collect(name);
            long objects = compaction == null ? 0
                    : compaction.outputs.stream().mapToLong(PackRewriter.Written::objects).sum();
            RefState last = currentState(name);
            boolean bitmap = last.packs().stream().anyMatch(p -> last.integrityOf(p).map(PackIntegrity::hasBitmap)
                    .orElse(false));
            return new Report(name.value(), done, before.packs().size(), last.packs().size(), objects, bitmap, last.retired().size(), deleted);
        } finally {
            deleteTree(work);
        }
    }

    /**
     * Runs {@link #run} for every repository in the store (the scheduled job), after removing
     * for good every deleted repository whose grace has passed (and the old names of renamed
     * ones whose redirect has ended).
     */
    public List<Report> runAll(Mode mode) throws IOException {
        List<Report> reports = new ArrayList<>();
        long deletedBefore = clock.instant().minus(deleteGrace).getEpochSecond();
        for (RepoName name : cache.listDeleted()) {
            try {
                if (cache.purge(name, deletedBefore)) {
                    reports.add(new Report(name.value(), "purged: deleted more than " + deleteGrace + " ago", 0, 0, 0,
                            false, 0, List.of()));
                } else {
                    // A renamed one's old name: its copied data goes once no reader can still
                    // be on it (the pack grace), its redirect at the end of its window.
                    cache.purgeRenamed(name, clock.instant().minus(grace).getEpochSecond(),
                            clock.instant().minus(renameRedirect).getEpochSecond())
                            .ifPresent(done -> reports.add(new Report(name.value(), done, 0, 0, 0, false, 0, List.of())));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "purging deleted repository %s failed; the next run tries again", name);
            }
        }
        for (RepoName name : cache.list()) {
            try {
                reports.add(run(name, mode));
            } catch (IOException | RuntimeException e) {
                LOG.warnf(e, "maintenance of %s failed", name);
                reports.add(new Report(name.value(), "failed: " + e.getMessage(), 0, 0, 0, false, 0, List.of()));
            }
        }
        return reports;
    }

    /** The packs one compaction replaces and the packs it writes. */
    private static final class Compaction {
        final String kind;
        final Set<String> inputs;
        final List<PackRewriter.Written> outputs;
        final String cruft;

        Compaction(String kind, Set<String> inputs, List<PackRewriter.Written> outputs, String cruft) {
            this.kind = kind;
            this.inputs = inputs;
            this.outputs = outputs;
            this.cruft = cruft;
        }

        /**
         * {@code current} with the inputs replaced by the outputs, or null when some input is no
         * longer listed (another compaction replaced it first: its result stands).
         */
        RefState applyTo(RefState current, long now) {
            if (!current.packs().containsAll(inputs)) {
                return null;
            }
            Set<String> outNames = new HashSet<>();
            List<String> packs = new ArrayList<>();
            Map<String, PackIntegrity> integrity = new HashMap<>(current.integrity());
            for (PackRewriter.Written out : outputs) {
                outNames.add(out.name());
                packs.add(out.name());
                integrity.put(out.name(), out.integrity());
            }
            for (String pack : current.packs()) {
                if (!inputs.contains(pack) && !outNames.contains(pack)) {
                    packs.add(pack); // kept, or pushed since the compaction read the state
                }
            }
            Map<String, Long> cruftSince = new HashMap<>(current.cruft());
            cruftSince.keySet().removeAll(inputs);
            if (cruft != null) {
                cruftSince.put(cruft, now);
            }
            Map<String, Long> retired = new HashMap<>(current.retired());
            retired.keySet().removeAll(outNames);
            for (String input : inputs) {
                if (!outNames.contains(input)) {
                    retired.put(input, now);
                }
            }
            return current.withPacks(packs, integrity, cruftSince, retired);
        }
    }

    /** Decides and writes a compaction; null when the packs are fine as they are. */
    private Compaction plan(CachedRepo repo, Mode mode, Path work) throws IOException {
        RefState state = repo.state();
        List<String> live = liveAndUncrufted(state);
        Map<String, Long> sizes = sizes(state, live);
        List<String> rollUp = GeometricPlan.rollUp(sizes, factor);
        String largest = GeometricPlan.largest(sizes);
        boolean full = mode == Mode.FULL || (largest != null && (rollUp.contains(largest)
                || state.integrityOf(largest).map(i -> !i.hasBitmap()).orElse(false)))
                || state.cruft().values().stream().anyMatch(since -> since + grace.toSeconds() <= nowSeconds());
        if (!full) {
            if (rollUp.isEmpty()) {
                return null;
            }
            Set<ObjectId> ids = new HashSet<>();
            for (String pack : rollUp) {
                ids.addAll(PackRewriter.idsIn(RepositoryCache.packFile(repo, pack, ".idx")));
            }
            PackRewriter.Written merged = PackRewriter.objects(repo.repository(), ids, work);
            return new Compaction("geometric", new TreeSet<>(rollUp), List.of(merged), null);
        }
        long now = nowSeconds();
        Set<String> youngCruft = new TreeSet<>();
        Set<String> inputs = new TreeSet<>(live);
        state.cruft().forEach((pack, since) -> {
            if (since + grace.toSeconds() <= now) {
                inputs.add(pack); // unreachable for a whole grace period: its objects may go
            } else {
                youngCruft.add(pack);
            }
        });
        if (inputs.isEmpty()) {
            return null;
        }
        Set<ObjectId> reached = new HashSet<>();
        List<PackRewriter.Written> outputs = new ArrayList<>();
        PackRewriter.Written main = PackRewriter.reachable(repo.repository(), state,
                nowSeconds() - cache.historyKeep().toSeconds(), work, reached);
        if (main != null) {
            outputs.add(main);
        }
        // What the refs and the history do not reach: kept in a cruft pack, from every pack but expired cruft.
        Set<ObjectId> unreached = new HashSet<>();
        for (String pack : live) {
            unreached.addAll(PackRewriter.idsIn(RepositoryCache.packFile(repo, pack, ".idx")));
        }
        unreached.removeAll(reached);
        for (String pack : youngCruft) {
            unreached.removeAll(PackRewriter.idsIn(RepositoryCache.packFile(repo, pack, ".idx")));
        }
        PackRewriter.Written cruft = PackRewriter.objects(repo.repository(), unreached, work);
        if (cruft != null) {
            outputs.add(cruft);
        }
        return new Compaction("full", inputs, outputs, cruft == null ? null : cruft.name());
    }

    /**
     * Garbage collection: retires packs in the store that no state lists (a failed or
     * killed push's, a crashed compaction's), and deletes the files of packs retired for
     * longer than the grace period, never one a state lists. Returns the deleted packs.
     */
    List<String> collect(RepoName name) throws IOException {
        RefState state = cache.changeState(name, current -> {
            Set<String> orphans = packsInStore(name);
            orphans.removeAll(current.packs());
            orphans.removeAll(current.retired().keySet());
            if (orphans.isEmpty()) {
                return null;
            }
            Map<String, Long> retired = new HashMap<>(current.retired());
            long now = nowSeconds();
            orphans.forEach(pack -> retired.put(pack, now));
            // A push in flight (uploaded, not yet swapped) lists its own pack again.
            LOG.debugf("%s: %d pack(s) no state lists, retired: %s", name, orphans.size(), orphans);
            return current.withPacks(current.packs(), current.integrity(), current.cruft(), retired);
        }, written -> {
        });
        if (state == null) {
            state = currentState(name);
        }
        long now = nowSeconds();
        List<String> expired = new ArrayList<>();
        state.retired().forEach((pack, since) -> {
            if (since + grace.toSeconds() <= now) {
                expired.add(pack);
            }
        });
        expired.sort(null);
        List<String> deleted = new ArrayList<>();
        for (String pack : expired) {
            // Read again right before deleting: a pack listed since (a push that sent exactly
            // the objects of a retired one) stays.
            if (currentState(name).packs().contains(pack)) {
                continue;
            }
            for (String ext : PACK_FILES) {
                store.delete(StoreLayout.packKey(name, pack, ext));
            }
            deleted.add(pack);
        }
        if (!deleted.isEmpty()) {
            for (ServerInfoListener listener : listeners) {
                listener.packsDeleted(name, deleted);
            }
            cache.changeState(name, current -> {
                Map<String, Long> retired = new HashMap<>(current.retired());
                retired.keySet().removeAll(deleted);
                return current.withPacks(current.packs(), current.integrity(), current.cruft(), retired);
            }, written -> {
            });
            LOG.infof("%s: deleted %d retired pack(s): %s", name, deleted.size(), deleted);
        }
        return deleted;
    }

    private void upload(RepoName name, PackRewriter.Written out, RefState before) throws IOException {
        boolean listed = before.packs().contains(out.name()); // the very same bytes are there already
        for (Path file : out.files()) {
            String ext = file.getFileName().toString().substring(out.name().length());
            if (!listed || ext.equals(".bitmap")) {
                store.upload(StoreLayout.packKey(name, out.name(), ext), file);
            }
        }
    }

    private RefState currentState(RepoName name) throws IOException {
        try (CachedRepo repo = cache.open(name)) {
            return repo.state();
        }
    }

    private Set<String> packsInStore(RepoName name) throws IOException {
        String folder = StoreLayout.packFolderKey(name);
        Set<String> packs = new TreeSet<>();
        for (String key : store.list(folder)) {
            String file = key.substring(folder.length());
            int dot = file.lastIndexOf('.');
            if (file.startsWith("pack-") && dot > 0 && !file.contains("/")) {
                packs.add(file.substring(0, dot));
            }
        }
        return packs;
    }

    /** Listed packs that are not cruft. */
    private static List<String> liveAndUncrufted(RefState state) {
        return state.packs().stream().filter(p -> !state.cruft().containsKey(p)).toList();
    }

    private static Map<String, Long> sizes(RefState state, Collection<String> packs) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        for (String pack : packs) {
            sizes.put(pack, state.integrityOf(pack).map(PackIntegrity::packBytes).orElse(0L));
        }
        return sizes;
    }

    private long nowSeconds() {
        return clock.instant().getEpochSecond();
    }

    private static void deleteTree(Path root) throws IOException {
        org.eclipse.jgit.util.FileUtils.delete(root.toFile(),
                org.eclipse.jgit.util.FileUtils.RECURSIVE | org.eclipse.jgit.util.FileUtils.SKIP_MISSING);
    }

    @PreDestroy
    void stop() {
        background.shutdownNow();
    }
}
