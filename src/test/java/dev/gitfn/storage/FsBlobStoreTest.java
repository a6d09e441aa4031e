package dev.gitfn.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The folder store against the shared contract, plus what only a folder has. */
class FsBlobStoreTest extends BlobStoreContract {

    @Override
    BlobStore newStore(Path scratch) {
        return new FsBlobStore(scratch.resolve("store"));
    }

    @Test
    void keysAreFilesSoAStaticServerCanPublishThem() throws Exception {
        store.put("team/app.git/info/refs", "x\n".getBytes());
        Path file = tmp.resolve("store/team/app.git/info/refs");
        assertArrayEquals("x\n".getBytes(), Files.readAllBytes(file));
    }

    @Test
    void sizesAreThoseOfTheFilesAndMissingKeysHaveNone() throws Exception {
        store.put("team/app.git/lfs/objects/ab/cd/x", new byte[1234]);
        assertEquals(java.util.OptionalLong.of(1234), store.size("team/app.git/lfs/objects/ab/cd/x"));
        assertEquals(java.util.OptionalLong.empty(), store.size("team/app.git/lfs/objects/ab/cd/y"));
        assertEquals(java.util.OptionalLong.empty(), store.size("team/app.git/lfs"), "a folder is not a blob");
        assertTrue(store.presigner().isEmpty(), "the folder store cannot presign: gitfn moves the bytes");
    }

    @Test
    void aCopyIsWholeAndAMissingSourceIsSaidSo() throws Exception {
        byte[] pack = new byte[70_000];
        new java.util.Random(5).nextBytes(pack);
        store.put("team/app.git/objects/pack/p.pack", pack);
        store.copy("team/app.git/objects/pack/p.pack", "team/web.git/objects/pack/p.pack");
        assertArrayEquals(pack, store.get("team/web.git/objects/pack/p.pack").orElseThrow().data());
        assertArrayEquals(pack, store.get("team/app.git/objects/pack/p.pack").orElseThrow().data(), "the source stays");
        store.put("team/web.git/lfs/objects/ab/cd/o", new byte[5]);
        assertEquals(70_005, store.bytesUnder("team/web.git/"));
        assertEquals(5, store.bytesUnder("team/web.git/lfs/"));
        assertEquals(0, store.bytesUnder("team/none.git/"));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> store.copy("team/app.git/none", "team/web.git/none"));
        assertFalse(store.exists("team/web.git/none"));
    }

    @Test
    void twoStoresOnOneFolderShareCompareAndSwap() throws Exception {
        // Two instances of gitfn on one machine share the folder: the OS file lock,
        // not the in-process lock, must decide.
        BlobStore other = new FsBlobStore(tmp.resolve("store"));
        String etag = store.putIfMatch("state", "1".getBytes(), null);
        other.putIfMatch("state", "2".getBytes(), etag);
        org.junit.jupiter.api.Assertions.assertThrows(PreconditionFailedException.class,
                () -> store.putIfMatch("state", "3".getBytes(), etag));
        assertEquals("2", new String(store.get("state").orElseThrow().data()));
    }

    /**
     * Two processes (not threads: the in-process lock cannot help here) add to one
     * counter by compare-and-swap, many rounds each. Every swap that reports a win
     * must count: the final value is the sum of the wins, which fails at once if
     * the operating-system lock is gone (two swaps from one read both "win").
     */
    @Test
    void twoProcessesRacingOnOneFolderEachWinOnlyWhatCounts() throws Exception {
        int rounds = 300;
        Path root = tmp.resolve("raced");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator
                + Path.of("target/test-classes").toAbsolutePath();
        java.util.List<Process> racers = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            racers.add(new ProcessBuilder(javaBin, "-cp", classpath, CounterRacer.class.getName(), root.toString(),
                    Integer.toString(rounds)).redirectErrorStream(true).start());
        }
        for (Process p : racers) {
            assertEquals("ready", new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()))
                    .readLine());
        }
        for (Process p : racers) {
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
        }
        long wins = 0;
        for (Process p : racers) {
            String out = new String(p.getInputStream().readAllBytes()).trim();
            org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
            org.junit.jupiter.api.Assertions.assertTrue(out.startsWith("wins "), out);
            wins += Long.parseLong(out.substring(5));
        }
        assertEquals(2L * rounds, wins);
        assertEquals(Long.toString(wins), new String(new FsBlobStore(root).get("counter").orElseThrow().data()),
                "every win counted once: no two processes swapped from the same version");
    }
}
