package dev.gitfn.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;

/** The files {@code git update-server-info} writes, made from a {@link RefState}. */
public final class ServerInfo {
    private ServerInfo() {
    }

    /** {@code objects/info/packs}: one {@code P <pack>} line per pack, then an empty line. */
    public static byte[] infoPacks(RefState state) {
        StringBuilder b = new StringBuilder();
        for (String pack : state.packs()) {
            b.append("P ").append(pack).append(".pack\n");
        }
        b.append('\n');
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code info/refs}: {@code <id>\t<ref>} per ref, plus the peeled {@code ^{}} line of annotated tags. */
    public static byte[] infoRefs(Repository repo, RefState state) throws IOException {
        StringBuilder b = new StringBuilder();
        try (RevWalk walk = new RevWalk(repo)) {
            for (var ref : state.refs().entrySet()) {
                b.append(ref.getValue().name()).append('\t').append(ref.getKey()).append('\n');
                RevObject object = walk.parseAny(ref.getValue());
                if (object instanceof RevTag) {
                    RevObject peeled = walk.peel(object);
                    b.append(peeled.name()).append('\t').append(ref.getKey()).append("^{}\n");
                }
            }
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code HEAD}: a symbolic ref to the default branch. */
    public static byte[] head(RefState state) {
        return ("ref: " + state.head() + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
