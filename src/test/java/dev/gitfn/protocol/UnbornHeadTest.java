package dev.gitfn.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.gitfn.repo.RefState;

/** ls-refs' unborn, which gitfn serves in front of JGit: the advertisement, the request, the answer. */
class UnbornHeadTest {
    private static String pkt(String line) {
        return String.format("%04x", line.getBytes(StandardCharsets.UTF_8).length + 4) + line;
    }

    private static InputStream request(String... lines) {
        return new BufferedInputStream(new ByteArrayInputStream(String.join("", lines).getBytes(StandardCharsets.UTF_8)));
    }

    private static final RefState EMPTY = RefState.empty("main");
    private static final RefState BORN = new RefState("refs/heads/main",
            new TreeMap<>(Map.of("refs/heads/main", ObjectId.fromString("0123456789012345678901234567890123456789"))),
            List.of());

    @Test
    void anAdvertisementThatEndsInsideAPacketIsNoAdvertisement() {
        assertThrows(IOException.class, () -> UnbornHead.advertised((pkt("version 2\n") + "00").getBytes(
                StandardCharsets.UTF_8)));
    }

    @Test
    void theAdvertisementOffersUnbornOnLsRefsAndKeepsTheRest() throws IOException {
        String caps = pkt("version 2\n") + pkt("ls-refs\n") + pkt("fetch=shallow\n") + pkt("ls-refs-x\n") + "0000";
        String expected = pkt("version 2\n") + pkt("ls-refs=unborn\n") + pkt("fetch=shallow\n") + pkt("ls-refs-x\n")
                + "0000";
        assertEquals(expected, new String(UnbornHead.advertised(caps.getBytes(StandardCharsets.UTF_8)),
                StandardCharsets.UTF_8));
    }

    @Test
    void unbornIsTakenOutForJGitAndAnsweredForAnEmptyRepository() throws IOException {
        UnbornHead.LsRefs ls = UnbornHead.read(request(pkt("command=ls-refs\n"), pkt("agent=git/2.39\n"), "0001",
                pkt("peel\n"), pkt("symrefs\n"), pkt("unborn\n"), pkt("ref-prefix HEAD\n"),
                pkt("ref-prefix refs/heads/\n"), "0000")).orElseThrow();
        assertEquals(pkt("command=ls-refs\n") + pkt("agent=git/2.39\n") + "0001" + pkt("peel\n") + pkt("symrefs\n")
                + pkt("ref-prefix HEAD\n") + pkt("ref-prefix refs/heads/\n") + "0000",
                new String(ls.forJGit(), StandardCharsets.UTF_8));
        assertEquals(Optional.of("unborn HEAD symref-target:refs/heads/main\n"), ls.line(EMPTY));
        assertEquals(Optional.empty(), ls.line(BORN), "HEAD exists: JGit lists it");
        assertArrayEquals((pkt("unborn HEAD symref-target:refs/heads/main\n")).getBytes(StandardCharsets.UTF_8),
                PktLines.of("unborn HEAD symref-target:refs/heads/main\n"));
    }

    @Test
    void headIsNamedOnlyWhenAskedForWithSymrefsAndItsPrefix() throws IOException {
        assertEquals(Optional.empty(), UnbornHead.read(request(pkt("command=ls-refs\n"), "0001", pkt("unborn\n"),
                "0000")).orElseThrow().line(EMPTY), "no symrefs");
        assertEquals(Optional.empty(), UnbornHead.read(request(pkt("command=ls-refs\n"), "0001", pkt("symrefs\n"),
                "0000")).orElseThrow().line(EMPTY), "no unborn");
        assertEquals(Optional.empty(), UnbornHead.read(request(pkt("command=ls-refs\n"), "0001", pkt("symrefs\n"),
                pkt("unborn\n"), pkt("ref-prefix refs/tags/\n"), "0000")).orElseThrow().line(EMPTY), "HEAD filtered out");
        assertTrue(UnbornHead.read(request(pkt("command=ls-refs\n"), "0001", pkt("symrefs\n"), pkt("unborn\n"),
                pkt("ref-prefix H\n"), "0000")).orElseThrow().line(EMPTY).isPresent(), "a prefix of HEAD");
        assertTrue(UnbornHead.read(request(pkt("command=ls-refs\n"), "0001", pkt("symrefs\n"), pkt("unborn\n"),
                "0000")).orElseThrow().line(EMPTY).isPresent(), "no prefixes: every ref");
        // "unborn" before the delimiter is a capability line, not the argument: left for JGit to judge
        UnbornHead.LsRefs capability = UnbornHead.read(request(pkt("command=ls-refs\n"), pkt("unborn\n"), "0001",
                pkt("symrefs\n"), "0000")).orElseThrow();
        assertEquals(Optional.empty(), capability.line(EMPTY));
        assertTrue(new String(capability.forJGit(), StandardCharsets.UTF_8).contains("unborn"));
    }

    @Test
    void anyOtherCommandIsLeftAsItWas() throws IOException {
        String fetch = pkt("command=fetch\n") + "0001" + pkt("done\n") + "0000";
        InputStream in = request(fetch);
        assertEquals(Optional.empty(), UnbornHead.read(in));
        assertEquals(fetch, new String(in.readAllBytes(), StandardCharsets.UTF_8), "nothing consumed");
        InputStream probe = request("0000");
        assertEquals(Optional.empty(), UnbornHead.read(probe));
        assertEquals("0000", new String(probe.readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void aMalformedOrTruncatedLsRefsRequestIsRefused() throws IOException {
        for (String bad : List.of(pkt("command=ls-refs\n") + "0001" + pkt("symrefs\n"),
                pkt("command=ls-refs\n") + "0001" + "00zz",
                pkt("command=ls-refs\n") + "0001" + "0003",
                pkt("command=ls-refs\n") + "0001" + "0040symrefs",
                pkt("command=ls-refs\n") + "00")) {
            assertThrows(IOException.class, () -> UnbornHead.read(request(bad)), bad);
        }
        String huge = pkt("command=ls-refs\n") + "0001" + pkt("ref-prefix " + "x".repeat(60_000) + "\n").repeat(20)
                + "0000";
        assertThrows(IOException.class, () -> UnbornHead.read(request(huge)), "over a megabyte of arguments");
        // exactly a megabyte is still a request; an empty packet ("0004") is no error either
        StringBuilder exact = new StringBuilder(pkt("command=ls-refs\n") + "0001" + "0004");
        String big = pkt("ref-prefix " + "y".repeat(59_988) + "\n");
        while (exact.length() + big.length() <= 1024 * 1024) {
            exact.append(big);
        }
        int rest = 1024 * 1024 - exact.length(); // the last packet fills the megabyte exactly
        String last = "ref-prefix " + "z".repeat(rest - 4 - 11 - 1) + "\n";
        assertEquals(1024 * 1024, exact.length() + pkt(last).length());
        UnbornHead.LsRefs atLimit = UnbornHead.read(request(exact + pkt(last) + "0000")).orElseThrow();
        assertEquals(last.substring(11, last.length() - 1), atLimit.prefixes().get(atLimit.prefixes().size() - 1));
        assertThrows(IOException.class, () -> UnbornHead.read(request(exact + pkt(last + "z") + "0000")),
                "one byte more");
    }
}
