package dev.gitfn.repo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * A repository's authoritative state: where HEAD points, every ref, and the
 * packs that hold every object those refs reach. Stored as one small text
 * object and changed only by compare-and-swap, so a push of many refs is one
 * atomic step and a reader that sees a ref also sees the packs it needs.
 *
 * <pre>
 * gitfn-state 1
 * head refs/heads/main
 * pack pack-&lt;sha1&gt; &lt;pack bytes&gt; &lt;pack sha256&gt; &lt;idx bytes&gt; &lt;idx sha256&gt;
 * cruft pack-&lt;sha1&gt; &lt;epoch seconds&gt;
 * retired pack-&lt;sha1&gt; &lt;epoch seconds&gt;
 * ref &lt;sha1&gt; refs/heads/main
 * log &lt;seq&gt; &lt;epoch seconds&gt; &lt;transport&gt; &lt;who&gt; &lt;token id&gt; &lt;old sha1&gt; &lt;new sha1&gt; &lt;ref&gt;
 * </pre>
 *
 * The {@code log} lines are the server-side reflog: every accepted ref update, written by
 * the same compare-and-swap that makes it, so the history, undo and maintenance's roots
 * cannot miss one ({@code who} URL-encoded, {@code -} for none; the zero id for a ref
 * created or deleted). Entries older than the history window are dropped by the next
 * update.
 *
 * A pack line without sizes and hashes (written before they were recorded) is still read.
 * Maintenance keeps two more facts here, changed by the same compare-and-swap: a
 * {@code cruft} pack (listed) holds objects no ref reached when it was written, at
 * that time; a {@code retired} pack (no longer listed, or never listed: left by a
 * failed push) has been unlisted since that time, and its files are deleted from the
 * store once the grace period has passed.
 */
public record RefState(String head, SortedMap<String, ObjectId> refs, List<String> packs,
        Map<String, PackIntegrity> integrity, Map<String, Long> cruft, Map<String, Long> retired,
        List<Update> log) {

    /** One accepted ref update, as the history shows it. */
    public record Update(long seq, long at, String transport, String who, String tokenId, String ref,
            ObjectId oldId, ObjectId newId) {
        String serialize() {
            return "log " + seq + ' ' + at + ' ' + transport + ' ' + word(who) + ' ' + word(tokenId) + ' '
                    + oldId.name() + ' ' + newId.name() + ' ' + ref;
        }

        private static String word(String value) {
            return value == null ? "-" : java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
        }

        static Update parse(String line) {
            String[] f = line.split(" ", 9);
            if (f.length != 9 || !f[1].matches("[0-9]{1,18}") || !f[2].matches("[0-9]{1,18}")
                    || !f[3].matches("[a-z]{1,16}") || !ObjectId.isId(f[6]) || !ObjectId.isId(f[7])
                    || !Repository.isValidRefName(f[8])) {
                throw new IllegalArgumentException("malformed log line");
            }
            return new Update(Long.parseLong(f[1]), Long.parseLong(f[2]), f[3], unword(f[4]), unword(f[5]), f[8],
                    ObjectId.fromString(f[6]), ObjectId.fromString(f[7]));
        }

        private static String unword(String value) {
            return value.equals("-") ? null : java.net.URLDecoder.decode(value, StandardCharsets.UTF_8);
        }
    }
    private static final String MAGIC = "gitfn-state 1";
    private static final Pattern PACK_NAME = Pattern.compile("pack-[0-9a-f]{40,64}");

    public RefState {
        refs = Collections.unmodifiableSortedMap(new TreeMap<>(refs));
        packs = List.copyOf(packs);
        integrity = Map.copyOf(integrity);
        cruft = Map.copyOf(cruft);
        retired = Map.copyOf(retired);
        log = log == null ? List.of() : List.copyOf(log);
        if (!packs.containsAll(cruft.keySet())) {
            throw new IllegalStateException("a cruft pack that is not listed");
        }
    }

    public RefState(String head, SortedMap<String, ObjectId> refs, List<String> packs,
            Map<String, PackIntegrity> integrity) {
        this(head, refs, packs, integrity, Map.of(), Map.of(), List.of());
    }

    /** The sequence number the next logged update gets. */
    public long nextSeq() {
        return log.isEmpty() ? 1 : log.get(log.size() - 1).seq() + 1;
    }

    /**
     * This state with {@code entries} appended to its log, and entries before
     * {@code keepFrom} (epoch seconds) dropped: the history window.
     */
    public RefState logged(List<Update> entries, long keepFrom) {
        List<Update> next = new ArrayList<>();
        for (Update u : log) {
            if (u.at() >= keepFrom) {
                next.add(u);
            }
        }
        next.addAll(entries);
        return new RefState(head, refs, packs, integrity, cruft, retired, next);
    }

    /**
     * Every id the history names since {@code from} (epoch seconds; old and new, not the
     * zero id): maintenance keeps what they reach, so whatever the history can restore is
     * never collected.
     */
    public java.util.Set<ObjectId> historyRoots(long from) {
        java.util.Set<ObjectId> roots = new java.util.LinkedHashSet<>();
        for (Update u : log) {
            if (u.at() < from) {
                continue;
            }
            for (ObjectId id : List.of(u.oldId(), u.newId())) {
                if (!id.equals(ObjectId.zeroId())) {
                    roots.add(id);
                }
            }
        }
        return roots;
    }

    public RefState(String head, SortedMap<String, ObjectId> refs, List<String> packs) {
        this(head, refs, packs, Map.of());
    }

    public static RefState empty(String defaultBranch) {
        return new RefState("refs/heads/" + defaultBranch, new TreeMap<>(), List.of());
    }

    /** What {@code pack} was when it was committed, if recorded. */
    public java.util.Optional<PackIntegrity> integrityOf(String pack) {
        return java.util.Optional.ofNullable(integrity.get(pack));
    }

    /** Bytes the listed packs take in the store (pack and index), as recorded; what a quota counts. */
    public long storedBytes() {
        long bytes = 0;
        for (String pack : packs) {
            bytes += integrityOf(pack).map(i -> i.packBytes() + i.idxBytes()).orElse(0L);
        }
        return bytes;
    }

    /** This state with {@code updates} applied (a null id deletes) and {@code newPacks} added. */
    public RefState apply(Map<String, ObjectId> updates, List<String> newPacks) {
        return apply(updates, newPacks, Map.of());
    }

    /** As {@link #apply(Map, List)}, recording what each new pack is. */
    public RefState apply(Map<String, ObjectId> updates, List<String> newPacks,
            Map<String, PackIntegrity> newIntegrity) {
        TreeMap<String, ObjectId> next = new TreeMap<>(refs);
        updates.forEach((name, id) -> {
            if (id == null) {
                next.remove(name);
            } else {
                next.put(name, id);
            }
        });
        List<String> allPacks = new ArrayList<>(packs);
        for (String pack : newPacks) {
            if (!allPacks.contains(pack)) {
                allPacks.add(pack);
            }
        }
        Map<String, PackIntegrity> allIntegrity = new java.util.HashMap<>(integrity);
        allIntegrity.putAll(newIntegrity);
        // A push that sends exactly the objects of a retired pack (a failed push, retried)
        // lists it again: it is no longer garbage.
        Map<String, Long> stillRetired = new java.util.HashMap<>(retired);
        stillRetired.keySet().removeAll(newPacks);
        return new RefState(head, next, allPacks, allIntegrity, cruft, stillRetired, log);
    }

    public RefState withHead(String newHead) {
        return new RefState(newHead, refs, packs, integrity, cruft, retired, log);
    }

    /** This state's refs and HEAD with another pack list (maintenance's only change). */
    public RefState withPacks(List<String> newPacks, Map<String, PackIntegrity> newIntegrity,
            Map<String, Long> newCruft, Map<String, Long> newRetired) {
        Map<String, PackIntegrity> kept = new java.util.HashMap<>(newIntegrity);
        kept.keySet().retainAll(newPacks);
        return new RefState(head, refs, newPacks, kept, newCruft, newRetired, log);
    }

    public byte[] serialize() {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("head ").append(head).append('\n');
        for (String pack : packs) {
            b.append("pack ").append(pack);
            if (integrity.containsKey(pack)) {
                b.append(' ').append(integrity.get(pack).serialize());
            }
            b.append('\n');
        }
        new TreeMap<>(cruft).forEach((pack, at) -> b.append("cruft ").append(pack).append(' ').append(at).append('\n'));
        new TreeMap<>(retired).forEach((pack, at) -> b.append("retired ").append(pack).append(' ').append(at)
                .append('\n'));
        refs.forEach((name, id) -> b.append("ref ").append(id.name()).append(' ').append(name).append('\n'));
        log.forEach(u -> b.append(u.serialize()).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a stored state, refusing anything malformed rather than guessing. */
    public static RefState parse(byte[] data) {
        String[] lines = new String(data, StandardCharsets.UTF_8).split("\n");
        if (lines.length < 2 || !lines[0].equals(MAGIC) || !lines[1].startsWith("head ")) {
            throw new IllegalStateException("not a gitfn ref state");
        }
        String head = lines[1].substring(5);
        TreeMap<String, ObjectId> refs = new TreeMap<>();
        List<String> packs = new ArrayList<>();
        Map<String, PackIntegrity> integrity = new java.util.HashMap<>();
        Map<String, Long> cruft = new java.util.HashMap<>();
        Map<String, Long> retired = new java.util.HashMap<>();
        List<Update> log = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            String line = lines[i];
            String[] pack = line.startsWith("pack ") ? line.substring(5).split(" ", 2) : null;
            String[] dated = line.startsWith("cruft ") || line.startsWith("retired ") ? line.split(" ") : null;
            if (pack != null && PACK_NAME.matcher(pack[0]).matches()) {
                packs.add(pack[0]);
                if (pack.length == 2) {
                    try {
                        integrity.put(pack[0], PackIntegrity.parse(pack[1]));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalStateException("malformed ref state line " + (i + 1));
                    }
                }
            } else if (dated != null && dated.length == 3 && PACK_NAME.matcher(dated[1]).matches()
                    && dated[2].matches("[0-9]{1,18}")) {
                (dated[0].equals("cruft") ? cruft : retired).put(dated[1], Long.parseLong(dated[2]));
            } else if (line.startsWith("ref ") && line.length() > 46 && line.charAt(44) == ' '
                    && Repository.isValidRefName(line.substring(45))) {
                refs.put(line.substring(45), ObjectId.fromString(line.substring(4, 44)));
            } else if (line.startsWith("log ")) {
                try {
                    log.add(Update.parse(line));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("malformed ref state line " + (i + 1));
                }
            } else {
                throw new IllegalStateException("malformed ref state line " + (i + 1));
            }
        }
        return new RefState(head, refs, packs, integrity, cruft, retired, log);
    }

    private static final String DELETED = "gitfn-deleted ";

    /**
     * A deleted repository's state key holds a tombstone: the deletion's time and the
     * whole state it replaced, written by compare-and-swap, so a push racing the deletion
     * either lands before it (and is kept in it) or fails; restore swaps the state back.
     */
    public record Tombstone(long deletedAt, byte[] state) {
        public byte[] serialize() {
            byte[] head = (DELETED + deletedAt + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] all = java.util.Arrays.copyOf(head, head.length + state.length);
            System.arraycopy(state, 0, all, head.length, state.length);
            return all;
        }

        /** The tombstone in {@code data}, if it is one. */
        public static java.util.Optional<Tombstone> of(byte[] data) {
            byte[] magic = DELETED.getBytes(StandardCharsets.UTF_8);
            if (data.length < magic.length || !java.util.Arrays.equals(data, 0, magic.length, magic, 0, magic.length)) {
                return java.util.Optional.empty();
            }
            int newline = magic.length;
            while (newline < data.length && data[newline] != '\n') {
                newline++;
            }
            String at = new String(data, magic.length, newline - magic.length, StandardCharsets.UTF_8);
            if (newline == data.length || !at.matches("[0-9]{1,18}")) {
                throw new IllegalStateException("malformed tombstone");
            }
            return java.util.Optional.of(new Tombstone(Long.parseLong(at),
                    java.util.Arrays.copyOfRange(data, newline + 1, data.length)));
        }
    }

    private static final String RENAMING = "gitfn-renaming ";
    private static final String RENAMED = "gitfn-renamed ";

    /**
     * A repository being renamed: its state frozen under the old name (reads serve it, writes
     * are refused) while the new name's state is written; one compare-and-swap in, and either
     * back to the state (the rename lost) or on to {@link Renamed}.
     */
    public record Renaming(long at, RepoName to, byte[] state) {
        public byte[] serialize() {
            byte[] head = (RENAMING + at + " " + to.value() + "\n").getBytes(StandardCharsets.UTF_8);
            byte[] all = java.util.Arrays.copyOf(head, head.length + state.length);
            System.arraycopy(state, 0, all, head.length, state.length);
            return all;
        }

        public static java.util.Optional<Renaming> of(byte[] data) {
            return marked(data, RENAMING).map(m -> new Renaming(m.at(), m.to(), m.rest()));
        }
    }

    /** A renamed repository's old name: where it went and when, until the redirect window ends. */
    public record Renamed(long at, RepoName to) {
        public byte[] serialize() {
            return (RENAMED + at + " " + to.value() + "\n").getBytes(StandardCharsets.UTF_8);
        }

        public static java.util.Optional<Renamed> of(byte[] data) {
            return marked(data, RENAMED).map(m -> new Renamed(m.at(), m.to()));
        }
    }

    private record Mark(long at, RepoName to, byte[] rest) {
    }

    /** {@code <magic><epoch seconds> <repo name>\n<rest>}, if data starts with the magic. */
    private static java.util.Optional<Mark> marked(byte[] data, String magicText) {
        byte[] magic = magicText.getBytes(StandardCharsets.UTF_8);
        if (data.length < magic.length || !java.util.Arrays.equals(data, 0, magic.length, magic, 0, magic.length)) {
            return java.util.Optional.empty();
        }
        int newline = magic.length;
        while (newline < data.length && data[newline] != '\n') {
            newline++;
        }
        String[] fields = new String(data, magic.length, newline - magic.length, StandardCharsets.UTF_8).split(" ", 2);
        if (newline == data.length || fields.length != 2 || !fields[0].matches("[0-9]{1,18}")) {
            throw new IllegalStateException("malformed rename record");
        }
        return java.util.Optional.of(new Mark(Long.parseLong(fields[0]), RepoName.parse(fields[1]),
                java.util.Arrays.copyOfRange(data, newline + 1, data.length)));
    }

    /**
     * The state a repository serves reads from: its own, or the one frozen by a rename under
     * way. Throws {@link RepoNotFoundException} for a deleted one, {@link RepoMovedException}
     * for a renamed one.
     */
    public static RefState readable(RepoName name, byte[] data) {
        java.util.Optional<Renaming> renaming = Renaming.of(data);
        if (renaming.isPresent()) {
            return parse(renaming.get().state());
        }
        return writable(name, data);
    }

    /**
     * The state a change (a push, maintenance, a new HEAD) may swap against: only a live one;
     * throws {@link RepoNotFoundException} (deleted) or {@link RepoMovedException} (renamed, or
     * being renamed).
     */
    public static RefState writable(RepoName name, byte[] data) {
        if (Tombstone.of(data).isPresent()) {
            throw new RepoNotFoundException(name);
        }
        java.util.Optional<Renaming> renaming = Renaming.of(data);
        if (renaming.isPresent()) {
            throw new RepoMovedException(name, renaming.get().to(), false);
        }
        java.util.Optional<Renamed> renamed = Renamed.of(data);
        if (renamed.isPresent()) {
            throw new RepoMovedException(name, renamed.get().to(), true);
        }
        return parse(data);
    }
}
