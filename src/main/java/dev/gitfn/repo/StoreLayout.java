package dev.gitfn.repo;

/**
 * Where a repository's files live in the store. The layout is a standard bare
 * repository (packs only, with their bitmaps after maintenance) plus the ref state
 * and the maintenance lease, files git ignores. The store is private: dumb-HTTP
 * clients read the published area, a copy of public repositories only.
 */
public final class StoreLayout {
    /** The authoritative ref state, changed only by compare-and-swap. */
    public static final String STATE_FILE = "gitfn-state";

    /** gitfn's own records: a name no repository can have, and never published. */
    public static final String RECORDS = ".gitfn/";

    private StoreLayout() {
    }

    /** A user's record: groups and token hashes. */
    public static String userKey(String user) {
        return RECORDS + "users/" + user + ".json";
    }

    /**
     * Which user an SSH public key belongs to, by the SHA-256 of the key's blob: a pointer
     * only; the user's record, which lists the key, is what counts.
     */
    public static String sshKeyKey(String sha256Hex) {
        return RECORDS + "ssh-keys/" + sha256Hex + ".json";
    }

    /** The fleet's SSH host key, generated once by whichever instance starts first. */
    /** The key that signs LFS tickets handed out over SSH ({@code git-lfs-authenticate}). */
    public static String lfsTicketKeyKey() {
        return RECORDS + "ssh/lfs-ticket.key";
    }

    public static String sshHostKeyKey() {
        return RECORDS + "ssh/host-key.pem";
    }

    /**
     * The mark that a repository is deleted (its state key holds the tombstone): seen by the
     * same listing that finds repositories, so it skips deleted ones without reading every state.
     */
    public static String deletedKey(RepoName repo) {
        return repo.directory() + "/" + DELETED_FILE;
    }

    /** The deletion mark's file name in a repository's folder. */
    public static final String DELETED_FILE = "gitfn-deleted";

    /** A repository's webhooks and how far each has been told. */
    public static String hooksKey(RepoName repo) {
        return RECORDS + "hooks/" + repo.value() + ".json";
    }

    /** Where every repository's hooks record lives. */
    public static final String HOOKS_PREFIX = RECORDS + "hooks/";

    /** A repository's deploy tokens and deploy keys. */
    public static String deployKey(RepoName repo) {
        return RECORDS + "deploy/" + repo.value() + ".json";
    }

    /** A repository's access lists and protected refs. */
    public static String accessKey(RepoName repo) {
        return RECORDS + "access/" + repo.value() + ".json";
    }

    /**
     * The case-folded name index: one key per repository name in lower case, written
     * with the same create-only write as the repository, so two instances cannot create
     * {@code Team/App} and {@code team/app} (they would collide on case-insensitive file
     * systems and confuse people).
     */
    public static String nameIndexKey(RepoName name) {
        return RECORDS + "names/" + name.value().toLowerCase(java.util.Locale.ROOT) + ".name";
    }

    /**
     * The maintenance lease: which instance compacts the repository now, and until when
     * (changed by compare-and-swap, so at most one does at a time).
     */
    public static String leaseKey(RepoName name) {
        return name.directory() + "/gitfn-maintenance";
    }

    /**
     * A Git LFS object of one repository, by its SHA-256 (64 hex digits, checked by the
     * caller): per repository, so an oid known in one grants nothing in another.
     */
    public static String lfsObjectKey(RepoName name, String oid) {
        return name.directory() + "/lfs/objects/" + oid.substring(0, 2) + "/" + oid.substring(2, 4) + "/" + oid;
    }

    /** The mark that an LFS object's bytes were hashed and match its oid (for stores that do not check). */
    public static String lfsVerifiedKey(RepoName name, String oid) {
        return name.directory() + "/lfs/verified/" + oid;
    }

    /** A repository's Git LFS file locks (beside its LFS objects, so a rename takes them along). */
    public static String lfsLocksKey(RepoName name) {
        return name.directory() + "/lfs/locks.json";
    }

    /** Where every Git LFS object of a repository (and its verified marks) lives. */
    public static String lfsFolderKey(RepoName name) {
        return name.directory() + "/lfs/";
    }

    /** Where a repository's LFS objects themselves live (what its quota counts). */
    public static String lfsObjectsFolderKey(RepoName name) {
        return name.directory() + "/lfs/objects/";
    }

    /** Where every pack file of a repository lives. */
    public static String packFolderKey(RepoName name) {
        return name.directory() + "/objects/pack/";
    }

    public static String stateKey(RepoName name) {
        return name.directory() + "/" + STATE_FILE;
    }

    public static String headKey(RepoName name) {
        return name.directory() + "/HEAD";
    }

    public static String infoRefsKey(RepoName name) {
        return name.directory() + "/info/refs";
    }

    public static String infoPacksKey(RepoName name) {
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
