package dev.gitfn.cache;

/**
 * Where a repository's files live in the store. The layout is a standard bare
 * repository (packs only, with their bitmaps after maintenance) plus the ref state
 * and the maintenance lease, files git ignores. The store is private: dumb-HTTP
 * clients read the published area, a copy of public repositories only.
 */
public final class StoreLayout {
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

    /**
     * The maintenance lease: which instance compacts the repository now, and until when
     * (changed by compare-and-swap, so at most one does at a time).
     */
    public static String leaseKey(RepoName name) {
        return name.directory() + "/gitfn-maintenance";
    }

    /** Where every pack file of a repository lives. */
    public static String packFolderKey(RepoName name) {
        return name.directory() + "/objects/pack/";
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

    /**
     * {@code pack} is a content name such as {@code pack-<sha1>}, {@code ext} is {@code .pack},
     * {@code .idx} or {@code .bitmap}.
     */
    public static String packKey(RepoName name, String pack, String ext) {
        return name.directory() + "/objects/pack/" + pack + ext;
    }
}
