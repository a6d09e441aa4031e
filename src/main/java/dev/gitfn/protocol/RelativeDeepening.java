package dev.gitfn.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * {@code git fetch --deepen=<n>} over protocol v2 ({@code deepen <n>} with {@code deepen-relative}),
 * which JGit refuses: "n commits below the client's current shallow boundary". gitfn hands JGit
 * the absolute depth that amounts to: the depth of the client's deepest shallow commit below its
 * wants, plus n. Along a line of history that moves every boundary exactly n commits down, as
 * git's server does; where histories merge, depths are counted by the shortest path, as JGit
 * counts {@code --depth}.
 *
 * <p>Only a request that says {@code deepen-relative} is read whole (git sends it, with the
 * shallow lines, before its wants and haves); any other passes through after its first lines.
 */
final class RelativeDeepening {
    private static final String COMMAND = "command=fetch";
    private static final String RELATIVE = "deepen-relative";
    private static final String DEEPEN = "deepen ";
    /** A deepening request holds wants, haves and shallow lines; the negotiation limit bounds them first. */
    private static final int MAX_REQUEST = 8 * 1024 * 1024;

    private RelativeDeepening() {
    }

    /**
     * {@code request} (a v2 request at its start) as JGit can serve it: unchanged unless it is a
     * fetch with {@code deepen-relative}, which becomes the absolute {@code deepen} it amounts to
     * in {@code repo}.
     */
    static InputStream rewrite(InputStream request, Repository repo) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        List<PktLines.Packet> packets = new ArrayList<>();
        boolean arguments = false;
        boolean relative = false;
        while (true) {
            PktLines.Packet packet = PktLines.read(request);
            head.writeBytes(packet.raw());
            packets.add(packet);
            if (packets.size() == 1 && !COMMAND.equals(packet.text())) {
                return resumed(head, request); // another command (or git's "0000" probe)
            }
            if (packet.isFlush()) {
                break;
            }
            if (packet.isDelimiter()) {
                arguments = true;
            } else if (arguments && RELATIVE.equals(packet.text())) {
                relative = true;
            } else if (arguments && !relative && packet.text() != null && (packet.text().startsWith("want ")
                    || packet.text().startsWith("have ") || packet.text().equals("done"))) {
                return resumed(head, request); // past where git says deepen-relative
            }
            if (head.size() > MAX_REQUEST) {
                throw new IOException("fetch request with deepen-relative over " + MAX_REQUEST + " bytes");
            }
        }
        if (!relative) {
            return resumed(head, request);
        }
        return new ByteArrayInputStream(absolute(packets, repo));
    }

    private static InputStream resumed(ByteArrayOutputStream head, InputStream rest) {
        return new SequenceInputStream(new ByteArrayInputStream(head.toByteArray()), rest);
    }

    /** The request again, {@code deepen-relative} left out and {@code deepen n} made absolute. */
    private static byte[] absolute(List<PktLines.Packet> packets, Repository repo) throws IOException {
        List<ObjectId> wants = new ArrayList<>();
        Set<ObjectId> shallows = new HashSet<>();
        int more = 0;
        for (PktLines.Packet packet : packets) {
            String text = packet.text();
            if (text == null) {
                continue;
            }
            if (text.startsWith("want ") && ObjectId.isId(text.substring(5))) {
                wants.add(ObjectId.fromString(text.substring(5)));
            } else if (text.startsWith("shallow ") && ObjectId.isId(text.substring(8))) {
                shallows.add(ObjectId.fromString(text.substring(8)));
            } else if (text.startsWith(DEEPEN) && text.substring(DEEPEN.length()).matches("[0-9]{1,9}")) {
                more = Integer.parseInt(text.substring(DEEPEN.length()));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (PktLines.Packet packet : packets) {
            String text = packet.text();
            if (RELATIVE.equals(text)) {
                continue;
            }
            if (text != null && text.startsWith(DEEPEN) && more > 0) {
                // as deep as an int holds at most: git's "deepen 2147483647" means everything
                long depth = Math.min(Integer.MAX_VALUE, (long) deepestShallow(repo, wants, shallows) + more);
                out.writeBytes(PktLines.of(DEEPEN + depth + "\n"));
            } else {
                out.writeBytes(packet.raw());
            }
        }
        return out.toByteArray();
    }

    /**
     * How many commits down from {@code wants} the deepest of {@code shallows} lies (a want
     * itself is 1), by the shortest path; 0 when none is below them.
     */
    static int deepestShallow(Repository repo, List<ObjectId> wants, Set<ObjectId> shallows) throws IOException {
        if (shallows.isEmpty()) {
            return 0;
        }
        int deepest = 0;
        try (RevWalk walk = new RevWalk(repo)) {
            Map<RevCommit, Integer> depth = new HashMap<>();
            ArrayDeque<RevCommit> queue = new ArrayDeque<>();
            for (ObjectId want : wants) {
                RevObject object = walk.peel(walk.parseAny(want));
                if (object instanceof RevCommit commit && depth.putIfAbsent(commit, 1) == null) {
                    queue.add(commit);
                }
            }
            int found = 0;
            while (!queue.isEmpty() && found < shallows.size()) {
                RevCommit commit = queue.poll();
                int d = depth.get(commit);
                if (shallows.contains(commit)) {
                    found++;
                    deepest = Math.max(deepest, d);
                }
                walk.parseHeaders(commit);
                for (RevCommit parent : commit.getParents()) {
                    if (depth.putIfAbsent(parent, d + 1) == null) {
                        queue.add(parent);
                    }
                }
            }
        } catch (MissingObjectException unknown) {
            return 0; // a want this repository lacks: JGit refuses it in its own words
        }
        return deepest;
    }
}
