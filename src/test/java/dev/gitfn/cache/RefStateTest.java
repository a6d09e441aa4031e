package dev.gitfn.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
