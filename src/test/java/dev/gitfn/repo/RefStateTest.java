package dev.gitfn.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

class RefStateTest {
    private static final ObjectId A = ObjectId.fromString("1111111111111111111111111111111111111111");
    private static final ObjectId B = ObjectId.fromString("2222222222222222222222222222222222222222");
    private static final String PACK = "pack-3333333333333333333333333333333333333333";

    @Test
    void roundTripsAndApplies() {
        RefState state = RefState.empty("main").apply(Map.of("refs/heads/main", A, "refs/tags/v1", B), List.of(PACK));
        RefState parsed = RefState.parse(state.serialize());
        assertEquals(state, parsed);
        assertEquals("refs/heads/main", parsed.head());

        Map<String, ObjectId> delete = new HashMap<>();
        delete.put("refs/tags/v1", null);
        RefState next = parsed.apply(delete, List.of(PACK));
        assertEquals(Map.of("refs/heads/main", A), next.refs());
        assertEquals(List.of(PACK), next.packs(), "a pack is listed once");
    }

    @Test
    void readsTheShortestValidLines() {
        RefState one = RefState.parse(("gitfn-state 1\nhead refs/heads/m\nref " + A.name() + " a/b\n").getBytes(
                StandardCharsets.UTF_8));
        assertEquals(Map.of("a/b", A), one.refs(), "the shortest valid ref name");
        assertEquals("refs/heads/m", one.head());
        RefState bare = RefState.parse("gitfn-state 1\nhead refs/heads/main".getBytes(StandardCharsets.UTF_8));
        assertEquals(Map.of(), bare.refs());
        IllegalStateException where = assertThrows(IllegalStateException.class, () -> RefState.parse(
                ("gitfn-state 1\nhead refs/heads/main\nref " + A.name() + " refs/heads/a\njunk\n")
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("malformed ref state line 4", where.getMessage(), "the message names the line");
        IllegalStateException badPack = assertThrows(IllegalStateException.class, () -> RefState.parse(
                ("gitfn-state 1\nhead refs/heads/main\npack pack-" + "1".repeat(40) + " 1 x 2 y\n")
                        .getBytes(StandardCharsets.UTF_8)));
        assertEquals("malformed ref state line 3", badPack.getMessage());
    }

    @org.junit.jupiter.api.Test
    void refusesMalformedState() {
        for (String text : List.of("", "gitfn-state 2\nhead refs/heads/main\n",
                "gitfn-state 1\nhead refs/heads/main\nref 1111 refs/heads/x\n",
                "gitfn-state 1\nhead refs/heads/main\npack ../../etc/passwd\n",
                "gitfn-state 1\nhead refs/heads/main\nref " + A.name() + " refs/heads/a..b\n",
                "gitfn-state 1\n",
                "gitfn-state 1\nmain\n",
                "gitfn-state 1\nhead refs/heads/main\nref " + A.name() + "xrefs/heads/x\n",
                "gitfn-state 1\nhead refs/heads/main\nref " + A.name() + " \n",
                "gitfn-state 1\nhead refs/heads/main\npack pack-" + "1".repeat(40) + " 1 x 2 y\n")) {
            assertThrows(IllegalStateException.class, () -> RefState.parse(text.getBytes(StandardCharsets.UTF_8)),
                    text);
        }
    }

    private static final String OTHER = "pack-4444444444444444444444444444444444444444";

    @Test
    void keepsMaintenanceFactsThroughARoundTrip() {
        RefState state = RefState.empty("main").apply(Map.of("refs/heads/main", A), List.of(PACK, OTHER))
                .withPacks(List.of(PACK, OTHER), Map.of(), Map.of(OTHER, 7L), Map.of("pack-" + "5".repeat(40), 9L));
        String text = new String(state.serialize(), StandardCharsets.UTF_8);
        assertEquals("gitfn-state 1\nhead refs/heads/main\npack " + PACK + "\npack " + OTHER + "\ncruft " + OTHER
                + " 7\nretired pack-" + "5".repeat(40) + " 9\nref " + A.name() + " refs/heads/main\n", text);
        assertEquals(state, RefState.parse(state.serialize()));
        assertEquals(Map.of(OTHER, 7L), RefState.parse(state.serialize()).cruft());
        assertEquals(Map.of("pack-" + "5".repeat(40), 9L), RefState.parse(state.serialize()).retired());
        // A push and a new HEAD keep them.
        assertEquals(state.cruft(), state.apply(Map.of(), List.of()).cruft());
        assertEquals(state.retired(), state.withHead("refs/heads/x").retired());
        assertEquals(state.cruft(), state.withHead("refs/heads/x").cruft());
    }

    @Test
    void aPushListingARetiredPackRevivesIt() {
        RefState state = RefState.empty("main").withPacks(List.of(), Map.of(), Map.of(), Map.of(PACK, 1L, OTHER, 2L));
        RefState pushed = state.apply(Map.of("refs/heads/main", A), List.of(PACK));
        assertEquals(Map.of(OTHER, 2L), pushed.retired());
        assertEquals(List.of(PACK), pushed.packs());
    }

    @Test
    void storedBytesCountsEveryListedPackAndIndexAsRecorded() {
        PackIntegrity one = new PackIntegrity(100, "1".repeat(64), 7, "2".repeat(64));
        PackIntegrity two = new PackIntegrity(1000, "3".repeat(64), 30, "4".repeat(64));
        RefState state = RefState.empty("main").apply(Map.of(), List.of(PACK, OTHER), Map.of(PACK, one, OTHER, two));
        assertEquals(1137, state.storedBytes());
        assertEquals(107, state.apply(Map.of(), List.of(), Map.of()).withPacks(List.of(PACK), Map.of(PACK, one),
                Map.of(), Map.of()).storedBytes(), "an unlisted pack counts no more");
        assertEquals(0, RefState.empty("main").apply(Map.of(), List.of(PACK)).storedBytes(), "sizes not recorded");
    }

    @Test
    void withPacksDropsTheIntegrityOfPacksNoLongerListed() {
        PackIntegrity one = new PackIntegrity(1, "1".repeat(64), 2, "2".repeat(64));
        RefState state = RefState.empty("main").apply(Map.of(), List.of(PACK, OTHER), Map.of(PACK, one, OTHER, one));
        RefState next = state.withPacks(List.of(OTHER), state.integrity(), Map.of(), Map.of());
        assertEquals(Map.of(OTHER, one), next.integrity());
        assertEquals(List.of(OTHER), next.packs());
    }

    @Test
    void refusesMalformedMaintenanceLines() {
        String head = "gitfn-state 1\nhead refs/heads/main\npack " + PACK + "\n";
        for (String line : List.of("cruft " + PACK, "cruft " + PACK + " x", "cruft " + PACK + " -1",
                "retired ../x 1", "retired " + PACK + " 1 2", "cruft pack-" + "6".repeat(40) + " 1",
                "retired " + PACK + " 1234567890123456789", "cruftx " + PACK + " 1")) {
            assertThrows(IllegalStateException.class,
                    () -> RefState.parse((head + line + "\n").getBytes(StandardCharsets.UTF_8)), line);
        }
        assertEquals(Map.of(PACK, 123456789012345678L),
                RefState.parse((head + "retired " + PACK + " 123456789012345678\n").getBytes(StandardCharsets.UTF_8))
                        .retired());
        assertThrows(IllegalStateException.class, () -> RefState.empty("main").withPacks(List.of(), Map.of(),
                Map.of(PACK, 1L), Map.of()), "a cruft pack must be listed");
    }

    @Test
    void theHistoryRoundTripsIsWindowedAndNamesItsRoots() {
        ObjectId zero = ObjectId.zeroId();
        RefState.Update create = new RefState.Update(1, 100, "http", "alice", "0123456789ab", "refs/heads/main", zero, A);
        RefState.Update force = new RefState.Update(2, 200, "ssh", "Jane Doe/äö", null, "refs/heads/main", A, B);
        RefState.Update delete = new RefState.Update(2, 200, "ssh", null, null, "refs/heads/x", B, zero);
        RefState empty = RefState.empty("main");
        assertEquals(1, empty.nextSeq());
        RefState state = empty.apply(Map.of("refs/heads/main", B), List.of(PACK)).logged(List.of(create), 0)
                .logged(List.of(force, delete), 0);
        assertEquals(3, state.nextSeq());
        assertEquals(List.of(create, force, delete), RefState.parse(state.serialize()).log());
        assertEquals(state, RefState.parse(state.serialize()));
        assertEquals(java.util.Set.of(A, B), state.historyRoots(0), "never the zero id");
        assertEquals(java.util.Set.of(A, B), state.historyRoots(200), "the window's start is in it");
        assertEquals(java.util.Set.of(), state.historyRoots(201));
        assertEquals(List.of(force, delete), state.logged(List.of(), 200).log(), "older than the window: dropped");
        assertEquals(List.of(create, force, delete), state.logged(List.of(), 100).log(), "at the window's start: kept");
        assertEquals(state.log(), state.withHead("refs/heads/x").log());
        assertEquals(state.log(), state.apply(Map.of("refs/heads/y", A), List.of()).log());
        assertEquals(state.log(), state.withPacks(List.of(), Map.of(), Map.of(), Map.of()).log());
        String text = new String(state.serialize(), StandardCharsets.UTF_8);
        assertTrue(text.contains(" Jane+Doe%2F%C3%A4%C3%B6 - "), text);
        for (String bad : List.of("log 1 100 http alice - " + A.name() + " " + B.name(),
                "log x 100 http alice - " + A.name() + " " + B.name() + " refs/heads/m",
                "log 1 1y0 http alice - " + A.name() + " " + B.name() + " refs/heads/m",
                "log 1 100 HTTP alice - " + A.name() + " " + B.name() + " refs/heads/m",
                "log 1 100 http alice - nothex " + B.name() + " refs/heads/m",
                "log 1 100 http alice - " + A.name() + " nothex refs/heads/m",
                "log 1 100 http alice - " + A.name() + " " + B.name() + " refs/heads/a..b")) {
            assertThrows(IllegalStateException.class, () -> RefState.parse(("gitfn-state 1\nhead refs/heads/m\n" + bad
                    + "\n").getBytes(StandardCharsets.UTF_8)), bad);
        }
    }

    @Test
    void aTombstoneHoldsTheWholeStateItReplaced() {
        byte[] state = RefState.empty("main").apply(Map.of("refs/heads/main", A), List.of(PACK)).serialize();
        RefState.Tombstone tomb = new RefState.Tombstone(1234, state);
        byte[] data = tomb.serialize();
        assertTrue(new String(data, StandardCharsets.UTF_8).startsWith("gitfn-deleted 1234\ngitfn-state 1\n"));
        RefState.Tombstone read = RefState.Tombstone.of(data).orElseThrow();
        assertEquals(1234, read.deletedAt());
        assertEquals(RefState.parse(state), RefState.parse(read.state()));
        assertTrue(RefState.Tombstone.of(state).isEmpty(), "a live state is no tombstone");
        assertTrue(RefState.Tombstone.of("gitfn-del".getBytes(StandardCharsets.UTF_8)).isEmpty());
        for (String bad : List.of("gitfn-deleted 12x\ngitfn-state 1\n", "gitfn-deleted 12", "gitfn-deleted \nx")) {
            assertThrows(IllegalStateException.class, () -> RefState.Tombstone.of(bad.getBytes(StandardCharsets.UTF_8)),
                    bad);
        }
        assertThrows(IllegalStateException.class, () -> RefState.parse(data), "never read as a live state");
        assertEquals(0, RefState.Tombstone.of("gitfn-deleted 0\n".getBytes(StandardCharsets.UTF_8)).orElseThrow()
                .state().length);
    }

    @Test
    void aRenameFreezesTheStateThenLeavesOnlyWhereItWent() {
        RepoName from = RepoName.parse("team/old");
        RepoName to = RepoName.parse("team/new");
        byte[] state = RefState.empty("main").apply(Map.of("refs/heads/main", A), List.of(PACK)).serialize();
        byte[] renaming = new RefState.Renaming(77, to, state).serialize();
        assertTrue(new String(renaming, StandardCharsets.UTF_8).startsWith("gitfn-renaming 77 team/new\ngitfn-state 1\n"));
        RefState.Renaming frozen = RefState.Renaming.of(renaming).orElseThrow();
        assertEquals(77, frozen.at());
        assertEquals(to, frozen.to());
        // Reads go on from the frozen state; a change may not start from it.
        assertEquals(RefState.parse(state), RefState.readable(from, renaming));
        RepoMovedException underWay = assertThrows(RepoMovedException.class, () -> RefState.writable(from, renaming));
        assertEquals(to, underWay.to());
        assertEquals(from, underWay.from());
        assertTrue(!underWay.settled() && underWay.getMessage().contains("being renamed to team/new"));

        byte[] renamed = new RefState.Renamed(78, to).serialize();
        assertEquals("gitfn-renamed 78 team/new\n", new String(renamed, StandardCharsets.UTF_8));
        assertEquals(new RefState.Renamed(78, to), RefState.Renamed.of(renamed).orElseThrow());
        for (byte[] gone : List.of(renamed)) {
            RepoMovedException moved = assertThrows(RepoMovedException.class, () -> RefState.readable(from, gone));
            assertTrue(moved.settled() && moved.getMessage().equals("repository team/old was renamed to team/new"));
        }
        byte[] tomb = new RefState.Tombstone(5, state).serialize();
        RepoNotFoundException deleted = assertThrows(RepoNotFoundException.class, () -> RefState.readable(from, tomb));
        assertTrue(!(deleted instanceof RepoMovedException));
        assertThrows(RepoNotFoundException.class, () -> RefState.writable(from, tomb));
        assertEquals(RefState.parse(state), RefState.writable(from, state));
        assertEquals(RefState.parse(state), RefState.readable(from, state));
        // Each record is only what it says, and a malformed one is never taken for another.
        assertTrue(RefState.Renaming.of(renamed).isEmpty() && RefState.Renamed.of(renaming).isEmpty());
        assertTrue(RefState.Renamed.of(state).isEmpty() && RefState.Renaming.of(tomb).isEmpty());
        assertTrue(RefState.Renamed.of("gitfn-ren".getBytes(StandardCharsets.UTF_8)).isEmpty());
        for (String bad : List.of("gitfn-renamed 7x team/new\n", "gitfn-renamed 7 team/new", "gitfn-renamed 7\n",
                "gitfn-renamed  team/new\n", "gitfn-renamed ")) {
            assertThrows(IllegalStateException.class, () -> RefState.Renamed.of(bad.getBytes(StandardCharsets.UTF_8)),
                    bad);
        }
        assertThrows(InvalidRepoNameException.class,
                () -> RefState.Renamed.of("gitfn-renamed 7 ../x\n".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalStateException.class, () -> RefState.parse(renaming), "never read as a live state");
    }
}
