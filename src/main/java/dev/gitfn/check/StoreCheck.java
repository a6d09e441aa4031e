package dev.gitfn.check;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.repo.PackIntegrity;
import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.ServerInfo;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;

/**
 * Reads the store as it is, never through the cache (whose copies could hide damage):
 * every pack, index and bitmap a ref state names exists with its recorded size and
 * SHA-256, every ref tip and history root is in them, every LFS object's bytes hash to
 * its oid, and the derived files (server info, the published copy) match the state. It
 * writes nothing, except with {@code repair}, which rebuilds derived files only.
 */
@ApplicationScoped
public class StoreCheck {
    private static final String STATE_SUFFIX = ".git/" + StoreLayout.STATE_FILE;

    /** One thing found wrong; {@code derived} ones a repair can rebuild. */
    public record Problem(String repo, String what, boolean derived) {
        @Override
        public String toString() {
            return repo + ": " + what;
        }
    }

    /** What a check found, and how many repositories it read. */
    public record Report(int repositories, List<Problem> problems, List<String> repaired) {
        public boolean clean() {
            return problems.stream().allMatch(p -> p.derived() && repaired.contains(p.repo()));
        }
    }

    private final BlobStore store;
    private final RepositoryCache cache;

    public StoreCheck(BlobStore store, RepositoryCache cache) {
        this.store = store;
        this.cache = cache;
    }

    /** Checks {@code only} (empty: every repository, deleted ones within their grace included). */
    public Report check(List<String> only, boolean repair) throws IOException {
        List<RepoName> names = new ArrayList<>();
        if (only.isEmpty()) {
            for (String key : store.list("")) {
                if (key.endsWith(STATE_SUFFIX)) {
                    names.add(RepoName.parse(key.substring(0, key.length() - STATE_SUFFIX.length())));
                }
            }
        } else {
            for (String name : only) {
                names.add(RepoName.parse(name));
            }
        }
        names.sort(Comparator.comparing(RepoName::value));
        List<Problem> problems = new ArrayList<>();
        List<String> repaired = new ArrayList<>();
        for (RepoName name : names) {
            List<Problem> found = checkOne(name);
            problems.addAll(found);
            if (repair && !found.isEmpty() && found.stream().allMatch(Problem::derived)) {
                cache.repairServerInfo(name);
                repaired.add(name.value());
            }
        }
        return new Report(names.size(), problems, repaired);
    }

    private List<Problem> checkOne(RepoName name) throws IOException {
        List<Problem> problems = new ArrayList<>();
        Optional<BlobStore.Versioned> stored = store.get(StoreLayout.stateKey(name));
        if (stored.isEmpty()) {
            problems.add(new Problem(name.value(), "no ref state (" + StoreLayout.stateKey(name) + ")", false));
            return problems;
        }
        RefState state;
        boolean deleted;
        try {
            if (RefState.Renamed.of(stored.get().data()).isPresent()) {
                return problems; // an old name that redirects: it holds no refs of its own
            }
            Optional<RefState.Tombstone> tombstone = RefState.Tombstone.of(stored.get().data());
            deleted = tombstone.isPresent();
            state = tombstone.isPresent() ? RefState.parse(tombstone.get().state())
                    : RefState.readable(name, stored.get().data());
        } catch (RuntimeException e) {
            problems.add(new Problem(name.value(), "unreadable ref state: " + e.getMessage(), false));
            return problems;
        }
        Path work = Files.createTempDirectory("gitfn-check");
        try {
            Path packs = Files.createDirectories(work.resolve("objects/pack"));
            boolean complete = true;
            for (String pack : state.packs()) {
                Optional<PackIntegrity> expected = state.integrityOf(pack);
                List<String> exts = new ArrayList<>(List.of(".pack", ".idx"));
                if (expected.isPresent() && expected.get().hasBitmap()) {
                    exts.add(".bitmap");
                }
                for (String ext : exts) {
                    String key = StoreLayout.packKey(name, pack, ext);
                    Path file = packs.resolve(pack + ext);
                    try {
                        store.download(key, file); // one request: a missing file says so itself
                    } catch (java.nio.file.NoSuchFileException missing) {
                        problems.add(new Problem(name.value(), key + " is missing", false));
                        complete = false;
                        continue;
                    }
                    String wrong = expected.isPresent() ? expected.get().mismatch(file, ext) : null;
                    if (wrong != null) {
                        problems.add(new Problem(name.value(), key + ": " + wrong, false));
                        Files.delete(file);
                        complete = false;
                    }
                }
            }
            Files.writeString(work.resolve("HEAD"), "ref: refs/heads/main\n");
            Files.createDirectories(work.resolve("refs"));
            try (Repository repo = new FileRepositoryBuilder().setGitDir(work.toFile()).setBare().build()) {
                long from = Instant.now().minus(cache.historyKeep()).getEpochSecond();
                for (Map.Entry<String, ObjectId> ref : state.refs().entrySet()) {
                    if (!repo.getObjectDatabase().has(ref.getValue())) {
                        problems.add(new Problem(name.value(), ref.getKey() + " names " + ref.getValue().name()
                                + ", which no pack holds", false));
                    }
                }
                for (ObjectId root : state.historyRoots(from)) {
                    if (!repo.getObjectDatabase().has(root)) {
                        problems.add(new Problem(name.value(), "history names " + root.name()
                                + ", which no pack holds (it cannot be restored)", false));
                    }
                }
                if (!deleted && complete) {
                    derived(name, state, ServerInfo.infoRefs(repo, state), problems);
                }
            }
            checkLargeFiles(name, problems);
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        return problems;
    }

    /** The dumb-HTTP files in the store must say what the state says. */
    private void derived(RepoName name, RefState state, byte[] infoRefs, List<Problem> problems) throws IOException {
        for (Map.Entry<String, byte[]> file : Map.of(StoreLayout.infoRefsKey(name), infoRefs,
                StoreLayout.infoPacksKey(name), ServerInfo.infoPacks(state),
                StoreLayout.headKey(name), ServerInfo.head(state)).entrySet()) {
            Optional<BlobStore.Versioned> actual = store.get(file.getKey());
            if (actual.isEmpty() || !Arrays.equals(actual.get().data(), file.getValue())) {
                problems.add(new Problem(name.value(), file.getKey() + " does not match the ref state (derived; "
                        + "--repair rebuilds it)", true));
            }
        }
    }

    /** Every LFS object's bytes must hash to the oid that names them. */
    private void checkLargeFiles(RepoName name, List<Problem> problems) throws IOException {
        String prefix = name.directory() + "/lfs/objects/";
        for (String key : store.list(prefix)) {
            String oid = key.substring(key.lastIndexOf('/') + 1);
            Path tmp = Files.createTempFile("gitfn-check-lfs", ".bin");
            try {
                store.download(key, tmp);
                String hash = PackIntegrity.sha256(tmp);
                if (!hash.equals(oid)) {
                    problems.add(new Problem(name.value(), key + ": " + Files.size(tmp) + " bytes hashing to " + hash,
                            false));
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The report as the command prints it. */
    public static String render(Report report) {
        StringBuilder b = new StringBuilder();
        for (Problem p : report.problems()) {
            b.append(report.repaired().contains(p.repo()) && p.derived() ? "repaired: " : "problem: ")
                    .append(p).append('\n');
        }
        b.append("checked ").append(report.repositories()).append(report.repositories() == 1 ? " repository" :
                " repositories").append(": ").append(report.clean() ? "no problems" : report.problems().size()
                        + " problem" + (report.problems().size() == 1 ? "" : "s")).append('\n');
        return b.toString();
    }
}
