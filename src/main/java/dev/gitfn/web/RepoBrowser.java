package dev.gitfn.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import org.eclipse.jgit.diff.DiffEntry;
import org.eclipse.jgit.diff.DiffFormatter;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.AndTreeFilter;
import org.eclipse.jgit.treewalk.filter.PathFilter;
import org.eclipse.jgit.treewalk.filter.TreeFilter;
import org.eclipse.jgit.util.RawParseUtils;

import io.quarkus.qute.TemplateData;

/**
 * What the web view shows of a repository, read through JGit from the cached copy that git
 * is served from: refs, trees, files, logs and diffs, each bounded (pages, sizes, lines) so
 * that no page costs more than its size. Everything returned is plain data; escaping is the
 * templates' (Qute escapes every value it prints into HTML).
 */
public final class RepoBrowser {
    private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern SHORT_ID = Pattern.compile("[0-9a-f]{7,39}");
    /** Branches and tags listed on a repository's page; more are counted, not shown. */
    static final int MAX_REFS_SHOWN = 200;
    /** A diff of one file is cut at this many bytes, whatever its line count. */
    private static final int MAX_DIFF_BYTES = 1 << 20;
    /** Bytes looked at to tell a binary file from text, as git does (its first 8000). */
    private static final int SNIFF_BYTES = 8000;

    private final Repository repo;

    public RepoBrowser(Repository repo) {
        this.repo = repo;
    }

    /** A commit as a row of a list. */
    @TemplateData
    public record CommitRow(String id, String shortId, String subject, String author, String when) {
        static CommitRow of(RevCommit c) {
            PersonIdent a = c.getAuthorIdent();
            return new CommitRow(c.name(), c.abbreviate(7).name(), c.getShortMessage(), a.getName(),
                    Instant.ofEpochSecond(c.getCommitTime()).toString());
        }
    }

    /** A branch or tag and the commit it names. */
    @TemplateData
    public record RefRow(String name, boolean tag, CommitRow commit) {
    }

    /** The refs a repository's page lists. */
    @TemplateData
    public record Refs(String defaultBranch, List<RefRow> branches, List<RefRow> tags, int notShown) {
    }

    /** Where an address like {@code main/src/app.c} points: the ref (or commit id) it names, its commit, the path. */
    @TemplateData
    public record Target(String ref, ObjectId commit, String path) {
        /** Whether the address names a commit by its full id (its pages never change). */
        public boolean immutable() {
            return ref.equals(commit.name());
        }
    }

    /** An entry of a tree. */
    @TemplateData
    public record TreeRow(String name, String path, boolean dir, boolean submodule, String submoduleCommit) {
    }

    /** A line of a file. */
    @TemplateData
    public record Line(int number, String text) {
    }

    /** A file as its page shows it: lines when it is text and not too large. */
    @TemplateData
    public record Blob(String path, long size, boolean binary, boolean tooLarge, List<Line> lines) {
        public boolean shown() {
            return !binary && !tooLarge;
        }
    }

    /** A line of a diff: {@code add}, {@code del}, {@code ctx} or {@code hunk} (the {@code @@} header). */
    @TemplateData
    public record DiffLine(String kind, String text) {
    }

    /** One file's change in a commit. */
    @TemplateData
    public record FileDiff(String change, String oldPath, String newPath, boolean binary, boolean cut,
            List<DiffLine> lines) {
        public String path() {
            return change.equals("delete") ? oldPath : newPath;
        }

        public boolean renamed() {
            return change.equals("rename") || change.equals("copy");
        }
    }

    /** A commit's page: who and what, and one page of its diff against its first parent. */
    @TemplateData
    public record Commit(String id, String shortId, String subject, String body, String author, String authorEmail,
            String authorWhen, String committer, String committerWhen, List<String> parents, List<FileDiff> files,
            int totalFiles, int page, boolean more) {
    }

    /** One page of a log. */
    @TemplateData
    public record Log(List<CommitRow> commits, int page, boolean more) {
    }

    /** The branch HEAD names, whether or not it exists yet. */
    public String defaultBranch() throws IOException {
        Ref head = repo.exactRef(Constants.HEAD);
        if (head != null && head.isSymbolic()) {
            return Repository.shortenRefName(head.getTarget().getName());
        }
        return null;
    }

    public Refs refs() throws IOException {
        List<RefRow> branches = new ArrayList<>();
        List<RefRow> tags = new ArrayList<>();
        List<Ref> heads = repo.getRefDatabase().getRefsByPrefix(Constants.R_HEADS);
        List<Ref> tagRefs = repo.getRefDatabase().getRefsByPrefix(Constants.R_TAGS);
        int notShown = Math.max(0, heads.size() + tagRefs.size() - MAX_REFS_SHOWN);
        try (RevWalk walk = new RevWalk(repo)) {
            for (Ref ref : heads) {
                if (branches.size() < MAX_REFS_SHOWN) {
                    commitOf(walk, ref.getObjectId()).ifPresent(c -> branches.add(
                            new RefRow(Repository.shortenRefName(ref.getName()), false, CommitRow.of(c))));
                }
            }
            for (Ref ref : tagRefs) {
                if (branches.size() + tags.size() < MAX_REFS_SHOWN) {
                    commitOf(walk, ref.getObjectId()).ifPresent(c -> tags.add(
                            new RefRow(Repository.shortenRefName(ref.getName()), true, CommitRow.of(c))));
                }
            }
        }
        String head = defaultBranch();
        branches.sort(Comparator.comparing((RefRow r) -> !r.name().equals(head)).thenComparing(RefRow::name));
        tags.sort(Comparator.comparing((RefRow r) -> r.commit().when()).reversed());
        return new Refs(head, branches, tags, notShown);
    }

    /** The commit an object is or (through annotated tags) names; empty for a tree or blob. */
    private static Optional<RevCommit> commitOf(RevWalk walk, ObjectId id) throws IOException {
        if (id == null) {
            return Optional.empty();
        }
        RevObject peeled = walk.peel(walk.parseAny(id));
        return peeled instanceof RevCommit c ? Optional.of(walk.parseCommit(c)) : Optional.empty();
    }

    /**
     * Resolves {@code ref/and/path} (as it follows {@code /tree/} or {@code /blob/}): the
     * longest leading segments that name a branch or tag, else a commit id in the first
     * segment; the rest is the path. Empty when nothing resolves.
     */
    public Optional<Target> resolve(String refAndPath) throws IOException {
        String address = refAndPath == null ? "" : refAndPath.replaceAll("^/+|/+$", "");
        if (address.isEmpty()) {
            String head = defaultBranch();
            return head == null ? Optional.empty() : resolve(head);
        }
        String[] segments = address.split("/+");
        try (RevWalk walk = new RevWalk(repo)) {
            for (int take = segments.length; take >= 1; take--) {
                String ref = String.join("/", Arrays.copyOfRange(segments, 0, take));
                String path = String.join("/", Arrays.copyOfRange(segments, take, segments.length));
                for (String prefix : List.of(Constants.R_HEADS, Constants.R_TAGS)) {
                    Ref found = ref.contains("..") ? null : repo.exactRef(prefix + ref);
                    Optional<RevCommit> commit = found == null ? Optional.empty() : commitOf(walk, found.getObjectId());
                    if (commit.isPresent()) {
                        return Optional.of(new Target(ref, commit.get().copy(), path));
                    }
                }
            }
            String first = segments[0].toLowerCase(Locale.ROOT);
            String path = String.join("/", Arrays.copyOfRange(segments, 1, segments.length));
            Optional<ObjectId> id = objectId(first);
            if (id.isPresent()) {
                Optional<RevCommit> commit = commitOf(walk, id.get());
                if (commit.isPresent()) {
                    return Optional.of(new Target(first, commit.get().copy(), path));
                }
            }
        } catch (org.eclipse.jgit.errors.MissingObjectException | org.eclipse.jgit.errors.IncorrectObjectTypeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The commit a full or unambiguous abbreviated id (7 or more hex digits) names; never a ref. */
    public Optional<ObjectId> commitById(String hex) throws IOException {
        Optional<ObjectId> id = objectId(hex.toLowerCase(Locale.ROOT));
        if (id.isEmpty()) {
            return Optional.empty();
        }
        try (RevWalk walk = new RevWalk(repo)) {
            return commitOf(walk, id.get()).map(RevCommit::copy);
        } catch (org.eclipse.jgit.errors.MissingObjectException e) {
            return Optional.empty();
        }
    }

    /** A full or unambiguous abbreviated object id. */
    private Optional<ObjectId> objectId(String hex) throws IOException {
        if (FULL_ID.matcher(hex).matches()) {
            ObjectId id = ObjectId.fromString(hex);
            return repo.getObjectDatabase().has(id) ? Optional.of(id) : Optional.empty();
        }
        if (SHORT_ID.matcher(hex).matches()) {
            try (ObjectReader reader = repo.newObjectReader()) {
                var found = reader.resolve(AbbreviatedObjectId.fromString(hex));
                return found.size() == 1 ? Optional.of(found.iterator().next().copy()) : Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The entries of the tree at {@code path} of the commit, folders first; empty when it is no folder. */
    public Optional<List<TreeRow>> tree(ObjectId commitId, String path) throws IOException {
        try (RevWalk walk = new RevWalk(repo)) {
            RevTree root = walk.parseCommit(commitId).getTree();
            TreeWalk tw;
            if (path.isEmpty()) {
                tw = new TreeWalk(repo);
                tw.addTree(root);
            } else {
                try (TreeWalk at = TreeWalk.forPath(repo, path, root)) {
                    if (at == null || at.getFileMode(0) != FileMode.TREE) {
                        return Optional.empty();
                    }
                    tw = new TreeWalk(repo);
                    tw.addTree(at.getObjectId(0));
                }
            }
            try (tw) {
                tw.setRecursive(false);
                List<TreeRow> rows = new ArrayList<>();
                while (tw.next()) {
                    FileMode mode = tw.getFileMode(0);
                    String name = tw.getNameString();
                    String full = path.isEmpty() ? name : path + "/" + name;
                    boolean submodule = mode == FileMode.GITLINK;
                    rows.add(new TreeRow(name, full, mode == FileMode.TREE, submodule,
                            submodule ? tw.getObjectId(0).name() : null));
                }
                rows.sort(Comparator.comparing((TreeRow r) -> !r.dir()).thenComparing(TreeRow::name));
                return Optional.of(rows);
            }
        }
    }

    /** The blob at {@code path} of the commit, or empty when there is none (or it is a folder). */
    public Optional<ObjectId> blobId(ObjectId commitId, String path) throws IOException {
        if (path.isEmpty()) {
            return Optional.empty();
        }
        try (RevWalk walk = new RevWalk(repo);
                TreeWalk at = TreeWalk.forPath(repo, path, walk.parseCommit(commitId).getTree())) {
            if (at == null || (at.getRawMode(0) & FileMode.TYPE_MASK) != FileMode.TYPE_FILE) {
                return Optional.empty();
            }
            return Optional.of(at.getObjectId(0));
        }
    }

    /** A file for its page: its lines when it is text of at most {@code maxShown} bytes. */
    public Blob blob(ObjectId blobId, String path, long maxShown) throws IOException {
        ObjectLoader loader = repo.open(blobId, Constants.OBJ_BLOB);
        long size = loader.getSize();
        if (size > maxShown) {
            return new Blob(path, size, isBinary(loader), true, List.of());
        }
        byte[] bytes = loader.getCachedBytes();
        if (RawText.isBinary(bytes, Math.min(bytes.length, SNIFF_BYTES), bytes.length <= SNIFF_BYTES)) {
            return new Blob(path, size, true, false, List.of());
        }
        List<Line> lines = new ArrayList<>();
        String text = RawParseUtils.decode(bytes);
        int number = 1;
        for (String line : text.split("\n", -1)) {
            lines.add(new Line(number++, line.endsWith("\r") ? line.substring(0, line.length() - 1) : line));
        }
        if (lines.size() > 1 && lines.get(lines.size() - 1).text().isEmpty()) {
            lines.remove(lines.size() - 1); // the final newline ends the last line, it starts none
        }
        return new Blob(path, size, false, false, lines);
    }

    /** Whether a blob looks binary to git (a NUL in its first 8000 bytes). */
    public boolean isBinary(ObjectLoader loader) throws IOException {
        try (var in = loader.openStream()) {
            byte[] head = in.readNBytes(SNIFF_BYTES);
            return RawText.isBinary(head, head.length, head.length < SNIFF_BYTES);
        }
    }

    /** The object loader of a blob, to stream it. */
    public ObjectLoader open(ObjectId blobId) throws IOException {
        return repo.open(blobId, Constants.OBJ_BLOB);
    }

    /** Page {@code page} (from 1) of the log from {@code start}, only commits touching {@code path} when given. */
    public Log log(ObjectId start, String path, int page, int perPage) throws IOException {
        try (RevWalk walk = new RevWalk(repo)) {
            walk.markStart(walk.parseCommit(start));
            if (!path.isEmpty()) {
                walk.setTreeFilter(AndTreeFilter.create(PathFilter.create(path), TreeFilter.ANY_DIFF));
            }
            walk.setRevFilter(RevFilter.ALL);
            long skip = (long) (page - 1) * perPage;
            List<CommitRow> rows = new ArrayList<>();
            boolean more = false;
            for (RevCommit c : walk) {
                if (skip > 0) {
                    skip--;
                    continue;
                }
                if (rows.size() == perPage) {
                    more = true;
                    break;
                }
                rows.add(CommitRow.of(c));
            }
            return new Log(rows, page, more);
        }
    }

    /** A commit and page {@code page} (from 1) of the files its diff against its first parent changes. */
    public Commit commit(ObjectId id, int page, int filesPerPage, int maxLines) throws IOException {
        try (RevWalk walk = new RevWalk(repo);
                DiffFormatter format = new DiffFormatter(OutputStream.nullOutputStream())) {
            RevCommit c = walk.parseCommit(id);
            RevCommit parent = c.getParentCount() == 0 ? null : walk.parseCommit(c.getParent(0));
            format.setRepository(repo);
            format.setDiffComparator(RawTextComparator.DEFAULT);
            format.setDetectRenames(true);
            List<DiffEntry> entries = format.scan(parent == null ? null : parent.getTree(), c.getTree());
            int from = Math.min(entries.size(), (page - 1) * filesPerPage);
            int to = Math.min(entries.size(), from + filesPerPage);
            List<FileDiff> files = new ArrayList<>();
            for (DiffEntry entry : entries.subList(from, to)) {
                files.add(fileDiff(entry, maxLines));
            }
            String message = c.getFullMessage();
            int split = message.indexOf('\n');
            String body = split < 0 ? "" : message.substring(split + 1).strip();
            List<String> parents = Arrays.stream(c.getParents()).map(RevCommit::name).toList();
            PersonIdent a = c.getAuthorIdent();
            PersonIdent k = c.getCommitterIdent();
            return new Commit(c.name(), c.abbreviate(7).name(), c.getShortMessage(), body, a.getName(),
                    a.getEmailAddress(), a.getWhenAsInstant().toString(), k.getName(),
                    k.getWhenAsInstant().toString(), parents, files, entries.size(), page, to < entries.size());
        }
    }

    private FileDiff fileDiff(DiffEntry entry, int maxLines) throws IOException {
        BoundedBuffer out = new BoundedBuffer(MAX_DIFF_BYTES);
        try (DiffFormatter one = new DiffFormatter(out)) {
            one.setRepository(repo);
            one.setDiffComparator(RawTextComparator.DEFAULT);
            one.format(entry);
        } catch (UncheckedFull full) {
            // the first MAX_DIFF_BYTES are shown, cut
        }
        List<DiffLine> lines = new ArrayList<>();
        boolean binary = false;
        boolean inHunk = false;
        boolean cut = out.full;
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!inHunk) {
                if (line.startsWith("Binary files")) {
                    binary = true;
                }
                if (!line.startsWith("@@")) {
                    continue; // the diff --git, index, ---/+++ lines: the page says those itself
                }
                inHunk = true;
            }
            if (lines.size() == maxLines) {
                cut = true;
                break;
            }
            String kind = line.startsWith("@@") ? "hunk" : line.startsWith("+") ? "add"
                    : line.startsWith("-") ? "del" : "ctx";
            lines.add(new DiffLine(kind, line));
        }
        String change = entry.getChangeType().name().toLowerCase(Locale.ROOT);
        return new FileDiff(change, entry.getOldPath(), entry.getNewPath(), binary, cut, lines);
    }

    /** A buffer that stops taking bytes (throwing {@link UncheckedFull}) past its bound. */
    private static final class BoundedBuffer extends ByteArrayOutputStream {
        private final int bound;
        boolean full;

        BoundedBuffer(int bound) {
            this.bound = bound;
        }

        @Override
        public synchronized void write(int b) {
            if (count >= bound) {
                full = true;
                throw new UncheckedFull();
            }
            super.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + len > bound) {
                super.write(b, off, Math.max(0, bound - count));
                full = true;
                throw new UncheckedFull();
            }
            super.write(b, off, len);
        }
    }

    /** Thrown through DiffFormatter (whose writes declare no IOException here) when the buffer is full. */
    private static final class UncheckedFull extends RuntimeException {
        UncheckedFull() {
            super("diff too large", null, false, false);
        }
    }

    /** The first README of the commit's root tree, by git hosts' usual order, with its name. */
    public Optional<NamedBlob> readme(ObjectId commitId) throws IOException {
        Optional<List<TreeRow>> root = tree(commitId, "");
        if (root.isEmpty()) {
            return Optional.empty();
        }
        for (String wanted : List.of("readme.md", "readme.markdown", "readme", "readme.txt")) {
            for (TreeRow row : root.get()) {
                if (!row.dir() && !row.submodule() && row.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                    Optional<ObjectId> blob = blobId(commitId, row.path());
                    if (blob.isPresent()) {
                        return Optional.of(new NamedBlob(row.name(), blob.get()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** A blob and the name it has in its tree. */
    @TemplateData
    public record NamedBlob(String name, ObjectId id) {
    }
}
