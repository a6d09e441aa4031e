package dev.gitfn.publish;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.cache.ServerInfoListener;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.PackUris;
import dev.gitfn.storage.BlobStore;
import io.quarkus.runtime.StartupEvent;

/**
 * Keeps the published area equal to the public part of the store: for each
 * public repository (every repository while authentication is off) its packs,
 * then {@code objects/info/packs}, {@code info/refs} and {@code HEAD}, in that
 * order, so a dumb reader never sees a ref without its pack; for any other
 * repository, nothing at all. It is derived data: {@link #rebuild} makes it
 * again from the store.
 */
@ApplicationScoped
public class Publisher implements ServerInfoListener {
    private static final Logger LOG = Logger.getLogger(Publisher.class);

    private final PublishedArea area;
    private final AccessControl access;
    private final AuthDirectory directory;
    private final RepositoryCache cache;
    /** Where the published area is reached from outside (the CDN), without a trailing slash. */
    private final Optional<String> baseUrl;
    /** Packs this instance knows are in the published area, so a push checks only its new ones. */
    private final Map<RepoName, Set<String>> publishedPacks = new ConcurrentHashMap<>();
    /** Other files (LFS objects) this instance knows are in the published area, by key. */
    private final Map<RepoName, Set<String>> publishedFiles = new ConcurrentHashMap<>();
    /** The repositories' store, which published files are copied from. */
    private final BlobStore store;
    private final Path work;
    /** Told when a repository's whole published copy was brought in line, so LFS publishes its objects too. */
    private final Event<Refreshed> refreshed;

    /** The CDN in front of the published area, told when a repository is withdrawn. */
    private final CdnInvalidation cdn;

    public Publisher(PublishedArea area, AccessControl access, AuthDirectory directory, RepositoryCache cache,
            GitfnConfig config, BlobStore store, Event<Refreshed> refreshed, CdnInvalidation cdn) {
        this.cdn = cdn;
        this.baseUrl = config.publish().baseUrl().map(u -> u.toString().replaceAll("/+$", ""));
        this.area = area;
        this.access = access;
        this.directory = directory;
        this.cache = cache;
        this.store = store;
        this.work = config.cache().dir().resolve("publish-tmp");
        this.refreshed = refreshed;
    }

    /** A public repository's published copy was brought in line with the store (not after each push). */
    public record Refreshed(RepoName name) {
    }

    /** At start-up, so a misplaced published area stops the server before it serves anything. */
    void checkAtStartup(@Observes StartupEvent event) {
        LOG.infof("published area: %s", area.description());
    }

    /**
     * Where clients of {@code name} may download its packs themselves: from the published
     * area through {@code gitfn.publish.base-url}, for a public repository, and only a pack
     * whose published copy is already written (this instance wrote it, or the area has it).
     * Never for a private repository: its packs are not in the published area at all.
     */
    public PackUris packUris(RepoName name) throws IOException {
        if (!enabled() || baseUrl.isEmpty() || !isPublic(name)) {
            return PackUris.NONE;
        }
        return pack -> {
            String key = name.directory() + "/objects/pack/" + pack + ".pack";
            return written(publishedPacks, name, pack, key) ? Optional.of(URI.create(baseUrl.get() + "/" + key))
                    : Optional.empty();
        };
    }

    /** Whether the published area holds {@code key} ({@code entry} in {@code index}): remembered once seen. */
    private boolean written(Map<RepoName, Set<String>> index, RepoName name, String entry, String key)
            throws IOException {
        Set<String> known = index.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet());
        if (!known.contains(entry)) {
            if (!area.store().get().exists(key)) {
                return false;
            }
            known.add(entry);
        }
        return true;
    }

    /**
     * Where clients may download the file the store holds at {@code key} (an LFS object of
     * {@code name}) from the published area: as {@link #packUris}, only for a public
     * repository and only once the published copy is written.
     */
    public Optional<URI> publishedUrl(RepoName name, String key) throws IOException {
        if (!enabled() || baseUrl.isEmpty() || !isPublic(name)) {
            return Optional.empty();
        }
        return written(publishedFiles, name, key, key) ? Optional.of(URI.create(baseUrl.get() + "/" + key))
                : Optional.empty();
    }

    /**
     * Copies the file the store holds at {@code key} into the published area under the same
     * key, if {@code name} is public and the copy is not there yet. The store's file must be
     * complete and checked: nothing here looks inside it.
     */
    public void publishFile(RepoName name, String key) throws IOException {
        if (!enabled() || !isPublic(name)) {
            return;
        }
        if (written(publishedFiles, name, key, key)) {
            return;
        }
        java.nio.file.Files.createDirectories(work);
        Path tmp = java.nio.file.Files.createTempFile(work, "publish-", ".tmp");
        try {
            store.download(key, tmp);
            area.store().get().upload(key, tmp);
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
        publishedFiles.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet()).add(key);
    }

    /**
     * Whether {@code name}'s published copy (public, checked by the caller) serves what its ref
     * state says now: its {@code info/refs}, written last, equal to the one the state gives. A
     * copy left behind (an instance that died between the swap and its derived writes, a failed
     * write) is written again here first; false only when that fails, and the caller then serves
     * the request itself rather than send a client to stale files.
     */
    public boolean publishedCopyCurrent(RepoName name) throws IOException {
        if (!enabled()) {
            return false;
        }
        try (CachedRepo repo = cache.open(name)) {
            byte[] expected = cache.infoRefs(repo);
            var published = area.store().get().get(name.directory() + "/info/refs");
            if (published.isPresent() && java.util.Arrays.equals(published.get().data(), expected)) {
                return true;
            }
            LOG.warnf("the published copy of %s is behind its ref state: writing it again", name);
            try {
                publish(repo);
                return true;
            } catch (IOException | RuntimeException e) {
                LOG.errorf(e, "cannot bring the published copy of %s up to date; serving it directly", name);
                return false;
            }
        }
    }

    /** Whether anything is published at all. */
    public boolean enabled() {
        return area.store().isPresent();
    }

    @Override
    public void serverInfoWritten(CachedRepo repo) throws IOException {
        if (!enabled()) {
            return;
        }
        if (isPublic(repo.name())) {
            publish(repo);
        } else {
            withdraw(repo.name());
        }
    }

    /** Brings one repository's published copy in line with its access record (after a change to it). */
    public void refresh(RepoName name) throws IOException {
        if (!enabled()) {
            return;
        }
        try (CachedRepo repo = cache.open(name)) {
            serverInfoWritten(repo);
        } catch (RepoNotFoundException gone) {
            withdraw(name);
            return;
        }
        if (isPublic(name)) {
            refreshed.fire(new Refreshed(name));
        }
    }

    /** What {@link #rebuild} did. */
    public record Rebuilt(List<String> published, List<String> withdrawn) {
    }

    /** Rewrites the whole published area from the store, and removes what should not be there. */
    public Rebuilt rebuild() throws IOException {
        List<String> published = new ArrayList<>();
        List<String> withdrawn = new ArrayList<>();
        if (!enabled()) {
            return new Rebuilt(published, withdrawn);
        }
        BlobStore out = area.store().get();
        Set<String> repos = new java.util.TreeSet<>();
        for (RepoName name : cache.list()) {
            repos.add(name.directory());
            refresh(name);
            (isPublic(name) ? published : withdrawn).add(name.value());
        }
        // Whatever else is there (a repository that left the store, a stray file) goes.
        publishedPacks.clear();
        publishedFiles.clear();
        for (String key : out.list("")) {
            int end = key.indexOf(".git/");
            if (end < 0 || !repos.contains(key.substring(0, end + 4))) {
                out.delete(key);
            }
        }
        return new Rebuilt(published, withdrawn);
    }

    private boolean isPublic(RepoName name) throws IOException {
        return !access.enabled() || directory.access(name).isPublic();
    }

    private void publish(CachedRepo repo) throws IOException {
        BlobStore out = area.store().get();
        RepoName name = repo.name();
        Set<String> known = publishedPacks.computeIfAbsent(name, n -> ConcurrentHashMap.newKeySet());
        List<String> added = new ArrayList<>();
        List<BlobStore.IoAction> uploads = new ArrayList<>();
        for (String pack : repo.state().packs()) {
            if (known.contains(pack)) {
                continue;
            }
            added.add(pack);
            for (String ext : List.of(".pack", ".idx")) {
                String key = name.directory() + "/objects/pack/" + pack + ext;
                Path file = cache.publishedPack(repo, pack, ext)
                        .orElseThrow(() -> new IOException("pack " + pack + ext + " of " + name + " is not cached"));
                uploads.add(() -> {
                    if (!out.exists(key)) {
                        out.upload(key, file);
                    }
                });
            }
        }
        BlobStore.inParallel(uploads);
        known.addAll(added);
        // Packs first (above), then the list that names them with HEAD, then the refs: a
        // dumb reader never sees a ref whose pack it cannot find.
        BlobStore.inParallel(List.of(
                () -> out.put(name.directory() + "/objects/info/packs", cache.infoPacks(repo)),
                () -> out.put(name.directory() + "/HEAD", cache.head(repo))));
        out.put(name.directory() + "/info/refs", cache.infoRefs(repo));
    }

    /**
     * Maintenance deleted these packs from the store after the grace period: the published
     * copy drops them too (its {@code objects/info/packs} stopped naming them when they were
     * replaced, so a dumb clone that started before then has had the same grace).
     */
    @Override
    public void packsDeleted(RepoName name, java.util.Collection<String> packs) throws IOException {
        if (!enabled()) {
            return;
        }
        BlobStore out = area.store().get();
        Set<String> known = publishedPacks.get(name);
        for (String pack : packs) {
            if (known != null) {
                known.remove(pack);
            }
            for (String ext : List.of(".pack", ".idx")) {
                out.delete(name.directory() + "/objects/pack/" + pack + ext);
            }
        }
    }

    /** Removes a repository from the published area: the files naming packs first, then the packs. */
    public void withdraw(RepoName name) throws IOException {
        if (!enabled()) {
            return;
        }
        BlobStore out = area.store().get();
        publishedPacks.remove(name);
        publishedFiles.remove(name);
        List<String> keys = new ArrayList<>(out.list(name.directory() + "/"));
        if (keys.isEmpty()) {
            return;
        }
        keys.sort(Comparator.comparing((String k) -> k.contains("/objects/pack/")).thenComparing(k -> k));
        for (String key : keys) {
            out.delete(key);
        }
        LOG.infof("withdrew %s from the published area (%s)", name, area.description());
        // The CDN may still hold copies: ask it to forget them (in the background, retried).
        cdn.invalidate(name).subscribe().with(accepted -> {
        });
    }
}
