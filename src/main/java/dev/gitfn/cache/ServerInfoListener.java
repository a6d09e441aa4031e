package dev.gitfn.cache;

import dev.gitfn.repo.RepoName;

import java.io.IOException;

import dev.gitfn.cache.RepositoryCache.CachedRepo;

/**
 * Told each time a repository's dumb-HTTP files were rewritten in the store (after a push,
 * a creation, a compaction), and when maintenance deleted packs.
 */
public interface ServerInfoListener {
    /** {@code repo} is the lease the files were written from; it stays open during the call. */
    void serverInfoWritten(CachedRepo repo) throws IOException;

    /** Told after maintenance deleted {@code packs} (no state lists them) from the store. */
    default void packsDeleted(RepoName name, java.util.Collection<String> packs) throws IOException {
    }
}
