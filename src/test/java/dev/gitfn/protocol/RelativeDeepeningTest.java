package dev.gitfn.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fetch --deepen over v2: the relative depth JGit lacks, given to it as the absolute depth it amounts to. */
class RelativeDeepeningTest {
    @TempDir
    Path dir;

    FileRepository repo;
    /** A line of six commits, oldest first, and a side branch of two merged into the fifth. */
    final List<ObjectId> line = new ArrayList<>();
    ObjectId merge;
    ObjectId sideTip;

    private ObjectId commit(ObjectInserter ins, String message, ObjectId... parents) throws IOException {
        CommitBuilder c = new CommitBuilder();
        c.setTreeId(ins.insert(new TreeFormatter()));
        c.setParentIds(parents);
        PersonIdent who = new PersonIdent("t", "t@example.com", 1_700_000_000_000L, 0);
        c.setAuthor(who);
        c.setCommitter(who);
        c.setMessage(message);
        return ins.insert(c);
    }

    @BeforeEach
    void setUp() throws IOException {
        repo = new FileRepository(dir.resolve("repo.git").toFile());
        repo.create(true);
        try (ObjectInserter ins = repo.newObjectInserter()) {
            ObjectId parent = null;
            for (int i = 0; i < 6; i++) {
                parent = parent == null ? commit(ins, "c" + i) : commit(ins, "c" + i, parent);
                line.add(parent);
            }
            ObjectId side = commit(ins, "s0", line.get(0));
            sideTip = commit(ins, "s1", side);
            merge = commit(ins, "merge", line.get(5), sideTip);
            ins.flush();
        }
    }

    private static String pkt(String line) {
        return String.format("%04x", line.length() + 4) + line;
    }

    private static InputStream request(String... packets) {
        return new BufferedInputStream(new ByteArrayInputStream(String.join("", packets).getBytes(
                StandardCharsets.UTF_8)));
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void theDeepestShallowCommitIsCountedFromTheWantsByTheShortestPath() throws IOException {
        ObjectId tip = line.get(5);
        assertEquals(1, RelativeDeepening.deepestShallow(repo, List.of(tip), Set.of(tip)), "a want is depth 1");
        assertEquals(4, RelativeDeepening.deepestShallow(repo, List.of(tip), Set.of(line.get(2))));
        assertEquals(4, RelativeDeepening.deepestShallow(repo, List.of(tip), Set.of(line.get(2), line.get(4))),
                "the deepest of them");
        assertEquals(0, RelativeDeepening.deepestShallow(repo, List.of(tip), Set.of()), "not shallow");
        assertEquals(0, RelativeDeepening.deepestShallow(repo, List.of(line.get(1)), Set.of(line.get(4))),
                "not below the wants");
        // through the merge: the line's first commit is 4 down by the side branch, 7 along the line
        assertEquals(4, RelativeDeepening.deepestShallow(repo, List.of(merge), Set.of(line.get(0))));
        assertEquals(2, RelativeDeepening.deepestShallow(repo, List.of(merge), Set.of(sideTip)));
        assertEquals(0, RelativeDeepening.deepestShallow(repo,
                List.of(ObjectId.fromString("0123456789012345678901234567890123456789")), Set.of(tip)),
                "a want it does not have: JGit refuses it later");
    }

    @Test
    void aRelativeDeepenBecomesTheAbsoluteDepthItAmountsTo() throws IOException {
        String tip = line.get(5).name();
        String shallow = line.get(4).name(); // the client holds 2 commits
        String rewritten = text(RelativeDeepening.rewrite(request(pkt("command=fetch\n"), pkt("agent=git/2.39\n"),
                "0001", pkt("thin-pack\n"), pkt("shallow " + shallow + "\n"), pkt("deepen 3\n"),
                pkt("deepen-relative\n"), pkt("want " + tip + "\n"), pkt("have " + tip + "\n"), pkt("done\n"),
                "0000"), repo));
        assertEquals(pkt("command=fetch\n") + pkt("agent=git/2.39\n") + "0001" + pkt("thin-pack\n")
                + pkt("shallow " + shallow + "\n") + pkt("deepen 5\n") + pkt("want " + tip + "\n")
                + pkt("have " + tip + "\n") + pkt("done\n") + "0000", rewritten, "2 held + 3 more");
        String all = text(RelativeDeepening.rewrite(request(pkt("command=fetch\n"), "0001",
                pkt("shallow " + shallow + "\n"), pkt("deepen 2147483647\n"), pkt("deepen-relative\n"),
                pkt("want " + tip + "\n"), "0000"), repo));
        assertEquals(pkt("command=fetch\n") + "0001" + pkt("shallow " + shallow + "\n") + pkt("deepen 2147483647\n")
                + pkt("want " + tip + "\n") + "0000", all, "as deep as it goes, not past an int");
    }

    @Test
    void everyOtherRequestPassesAsItCame() throws IOException {
        String tip = line.get(5).name();
        for (String passing : List.of(
                pkt("command=fetch\n") + "0001" + pkt("deepen 3\n") + pkt("want " + tip + "\n") + pkt("done\n")
                        + "0000",
                pkt("command=fetch\n") + "0001" + pkt("want " + tip + "\n") + pkt("deepen-relative\n") + "0000",
                pkt("command=ls-refs\n") + "0001" + pkt("deepen-relative\n") + "0000",
                pkt("command=fetch\n") + pkt("deepen-relative\n") + "0001" + pkt("done\n") + "0000",
                pkt("command=fetch\n") + "0001" + pkt("thin-pack\n") + "0000",
                // a deepen JGit refuses in its own words ("deepen 0"), relative or not
                pkt("command=fetch\n") + "0001" + pkt("shallow " + tip + "\n") + pkt("deepen 0\n") + pkt("want " + tip
                        + "\n") + "0000",
                "0000")) {
            assertEquals(passing, text(RelativeDeepening.rewrite(request(passing), repo)), passing);
        }
    }

    @Test
    void anUnreadableDeepenIsLeftForJGitToRefuse() throws IOException {
        String tip = line.get(5).name();
        for (String deepen : List.of("deepen 0\n", "deepen x\n")) {
            String request = pkt("command=fetch\n") + "0001" + pkt("shallow " + tip + "\n") + pkt(deepen)
                    + pkt("deepen-relative\n") + pkt("want " + tip + "\n") + "0000";
            assertEquals(pkt("command=fetch\n") + "0001" + pkt("shallow " + tip + "\n") + pkt(deepen)
                    + pkt("want " + tip + "\n") + "0000", text(RelativeDeepening.rewrite(request(request), repo)));
        }
    }

    @Test
    void aBrokenRequestIsRefused() {
        for (String broken : List.of(pkt("command=fetch\n") + "0001" + pkt("deepen-relative\n"), "00zz",
                pkt("command=fetch\n") + "0001" + "0002", pkt("command=fetch\n") + "0003")) {
            assertThrows(IOException.class, () -> text(RelativeDeepening.rewrite(request(broken), repo)), broken);
        }
    }
}
