package dev.gitfn.cache;

/**
 * Where a repository's files live in the store. The layout is a standard bare
 * repository (packs only), so the store folder or bucket can be served as is
 * to dumb-HTTP clients; the ref state is one extra file git ignores.
 */
final class StoreLayout {
    /** The authoritative ref state, changed only by compare-and-swap. */
    static final String STATE_FILE = "gitfn-state";

    private StoreLayout() {
    }

    /**
     * The case-folded name index: one key per repository name in lower case, written
     * with the same create-only write as the repository, so two instances cannot create
     * {@code Team/App} and {@code team/app} (they would collide on case-insensitive file
     * systems and confuse people).
     */
    static String nameIndexKey(RepoName name) {
        return ".gitfn/names/" + name.value().toLowerCase(java.util.Locale.ROOT) + ".name";
    }

    static String stateKey(RepoName name) {
        return name.directory() + "/" + STATE_FILE;
    }

    static String headKey(RepoName name) {
        return name.directory() + "/HEAD";
    }

    static String infoRefsKey(RepoName name) {
        return name.directory() + "/info/refs";
    }

    static String infoPacksKey(RepoName name) {
        return name.directory() + "/objects/info/packs";
    }

    /** {@code pack} is a content name such as {@code pack-<sha1>}, {@code ext} is {@code .pack} or {@code .idx}. */
    static String packKey(RepoName name, String pack, String ext) {
        return name.directory() + "/objects/pack/" + pack + ext;
    }
}
