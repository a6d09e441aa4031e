package dev.gitfn.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.TestDirs;

/** What a push records about its pack, and how a damaged copy is told from the real one. */
class PackIntegrityTest {
    private static final String PACK = "pack-" + "a".repeat(40);

    @Test
    void aCopyIsTheRecordedOneOnlyWithTheSameSizeAndHash() throws Exception {
        Path dir = TestDirs.fresh("integrity");
        Path pack = Files.write(dir.resolve("p.pack"), "PACK the real bytes".getBytes());
        Path idx = Files.write(dir.resolve("p.idx"), "index bytes".getBytes());
        PackIntegrity recorded = PackIntegrity.of(pack, idx);
        assertNull(recorded.mismatch(pack, ".pack"));
        assertNull(recorded.mismatch(idx, ".idx"));
        Path flipped = Files.write(dir.resolve("flipped"), "PACK the reel bytes".getBytes());
        assertTrue(recorded.mismatch(flipped, ".pack").startsWith("SHA-256 "), recorded.mismatch(flipped, ".pack"));
        Path shorter = Files.write(dir.resolve("short"), "PACK the".getBytes());
        assertTrue(recorded.mismatch(shorter, ".pack").contains("bytes where"), recorded.mismatch(shorter, ".pack"));
        assertTrue(recorded.mismatch(pack, ".idx") != null, "a pack is not its index");
        // Damage far into a large file is found too: the whole file is hashed, not its start.
        byte[] big = new byte[300_000];
        new java.util.Random(7).nextBytes(big);
        Path large = Files.write(dir.resolve("large.pack"), big);
        PackIntegrity whole = PackIntegrity.of(large, idx);
        big[250_000] ^= 1;
        Path damaged = Files.write(dir.resolve("damaged.pack"), big);
        assertTrue(whole.mismatch(damaged, ".pack") != null, "a flipped byte at 250 000 is seen");
    }

    @Test
    void theRefStateKeepsItAndStillReadsOldStates() {
        PackIntegrity recorded = new PackIntegrity(10, "1".repeat(64), 20, "2".repeat(64));
        RefState state = RefState.empty("main").apply(Map.of("refs/heads/main", ObjectId.fromString("b".repeat(40))),
                List.of(PACK), Map.of(PACK, recorded));
        RefState read = RefState.parse(state.serialize());
        assertEquals(recorded, read.integrityOf(PACK).orElseThrow());
        assertEquals(state, read);
        RefState old = RefState.parse(("gitfn-state 1\nhead refs/heads/main\npack " + PACK + "\n").getBytes());
        assertTrue(old.integrityOf(PACK).isEmpty());
        assertEquals(List.of(PACK), old.packs());
        assertThrows(IllegalStateException.class, () -> RefState.parse(("gitfn-state 1\nhead refs/heads/main\npack "
                + PACK + " 10 zz 20 yy\n").getBytes()));
        assertThrows(IllegalArgumentException.class, () -> new PackIntegrity(-1, "1".repeat(64), 0, "2".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new PackIntegrity(0, "1".repeat(64), -1, "2".repeat(64)));
        assertEquals(0, new PackIntegrity(0, "1".repeat(64), 0, "2".repeat(64)).packBytes(), "empty files are sizes too");
        assertThrows(IllegalArgumentException.class, () -> new PackIntegrity(1, "1".repeat(63), 1, "2".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new PackIntegrity(1, "1".repeat(64), 1, "G".repeat(64)));
        RefState moved = read.withHead("refs/heads/other");
        assertEquals("refs/heads/other", moved.head());
        assertEquals(read.integrity(), moved.integrity(), "moving HEAD keeps what the packs are");
    }

    @org.junit.jupiter.api.Test
    void aBitmapIsRecordedAndCheckedLikeThePack() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("integrity");
        java.nio.file.Path pack = java.nio.file.Files.writeString(dir.resolve("p.pack"), "pack");
        java.nio.file.Path idx = java.nio.file.Files.writeString(dir.resolve("p.idx"), "index");
        java.nio.file.Path bitmap = java.nio.file.Files.writeString(dir.resolve("p.bitmap"), "bitmap!");
        PackIntegrity with = PackIntegrity.of(pack, idx, bitmap);
        org.junit.jupiter.api.Assertions.assertTrue(with.hasBitmap());
        assertEquals(7, with.bitmapBytes());
        assertEquals(with, PackIntegrity.parse(with.serialize()));
        assertEquals(6, with.serialize().split(" ").length);
        assertEquals(null, with.mismatch(bitmap, ".bitmap"));
        assertEquals(null, with.mismatch(idx, ".idx"));
        java.nio.file.Files.writeString(bitmap, "bitmap?");
        org.junit.jupiter.api.Assertions.assertNotNull(with.mismatch(bitmap, ".bitmap"));
        PackIntegrity without = PackIntegrity.of(pack, idx, null);
        org.junit.jupiter.api.Assertions.assertFalse(without.hasBitmap());
        assertEquals(4, without.serialize().split(" ").length);
        assertEquals(without, PackIntegrity.parse(without.serialize()));
        for (String bad : List.of("1 " + "a".repeat(64) + " 2 " + "b".repeat(64) + " 3",
                "1 " + "a".repeat(64) + " 2 " + "b".repeat(64) + " -1 " + "c".repeat(64),
                "1 " + "a".repeat(64) + " 2 " + "b".repeat(64) + " 3 xyz",
                "1 " + "a".repeat(64) + " 2 " + "b".repeat(64) + " 3 " + "c".repeat(64) + " 4")) {
            assertThrows(IllegalArgumentException.class, () -> PackIntegrity.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new PackIntegrity(1, "a".repeat(64), 2, "b".repeat(64), 0, null), "a size needs a hash");
    }
}
