package dev.gitfn.storage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.TestDirs;

/** The last line of the store's guards: what a key may be, and what a delete leaves behind. */
class StoreGuardsTest {
    @Test
    void keysCannotLeaveTheRoot() {
        for (String bad : List.of("", "/abs", "a/", "a//b", "./a", "a/./b", "a/../b", "..", "a\\b", "a\u0001b",
                "a\u001fb", "a\u007fb", "a\nb")) {
            assertThrows(IllegalArgumentException.class, () -> StoreKeys.check(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> StoreKeys.check(null));
        for (String good : List.of("a", "team/app.git/HEAD", "a b", "a~b", ".gitfn/users/x.json")) {
            assertEquals(good, assertDoesNotThrow(() -> StoreKeys.check(good)), good);
        }
    }

    @Test
    void aDeleteTakesEmptyFoldersWithItButNotTheRootOrOthers() throws Exception {
        Path dir = TestDirs.fresh("store-guards");
        FsBlobStore store = new FsBlobStore(dir.resolve("root"), dir.resolve("work"));
        assertEquals(dir.resolve("root").toAbsolutePath().normalize(), store.root());
        store.put("team/app.git/info/refs", "x".getBytes());
        store.put("team/app.git/HEAD", "h".getBytes());
        store.put("team/other.git/HEAD", "h".getBytes());
        store.delete("team/app.git/info/refs");
        assertFalse(Files.exists(dir.resolve("root/team/app.git/info")), "the empty folder went");
        assertTrue(Files.exists(dir.resolve("root/team/app.git/HEAD")), "a folder with files stays");
        store.delete("team/app.git/HEAD");
        assertFalse(Files.exists(dir.resolve("root/team/app.git")));
        assertTrue(Files.exists(dir.resolve("root/team/other.git/HEAD")), "siblings stay");
        store.delete("team/other.git/HEAD");
        assertFalse(Files.exists(dir.resolve("root/team")));
        assertTrue(Files.isDirectory(dir.resolve("root")), "the root itself stays");
        store.delete("never/was/there"); // not an error
        assertTrue(Files.isDirectory(dir.resolve("root")));
        assertFalse(Files.exists(dir.resolve("root/.gitfn")), "temporary files live in the work folder");
        assertTrue(store.list("").isEmpty());
    }

    /** A store whose first {@code vanishing} walks meet a file deleted under them, as a concurrent delete does. */
    private static FsBlobStore withVanishingFiles(Path dir, AtomicInteger walks, int vanishing) {
        return new FsBlobStore(dir.resolve("root"), dir.resolve("work")) {
            @Override
            Stream<Path> walk(Path start) throws IOException {
                if (walks.incrementAndGet() <= vanishing) {
                    return Stream.of(start).map(p -> {
                        throw new UncheckedIOException(new NoSuchFileException(p.toString()));
                    });
                }
                return super.walk(start);
            }
        };
    }

    @Test
    void aListingThatMeetsAVanishedFileListsAgain() throws Exception {
        AtomicInteger walks = new AtomicInteger();
        FsBlobStore store = withVanishingFiles(TestDirs.fresh("store-vanish"), walks, 2);
        store.put("team/app.git/objects/pack/a.pack", "a".getBytes());
        store.put("team/app.git/objects/pack/b.pack", "b".getBytes());
        assertEquals(List.of("team/app.git/objects/pack/a.pack", "team/app.git/objects/pack/b.pack"),
                store.list("team/app.git/objects/pack/").stream().sorted().toList());
        assertEquals(3, walks.get(), "two walks met a vanished file, the third listed");
    }

    @Test
    void aListingFailsOnAnyOtherReadError() throws Exception {
        Path dir = TestDirs.fresh("store-unreadable");
        FsBlobStore store = new FsBlobStore(dir.resolve("root"), dir.resolve("work")) {
            @Override
            Stream<Path> walk(Path start) {
                return Stream.of(start).map(p -> {
                    throw new UncheckedIOException(new java.nio.file.AccessDeniedException(p.toString()));
                });
            }
        };
        store.put("team/x", "x".getBytes());
        assertThrows(java.nio.file.AccessDeniedException.class, () -> store.list("team/"));
    }

    /** A store whose first {@code pruned} renames find their folder removed by a concurrent delete. */
    private static FsBlobStore withPrunedFolders(Path dir, AtomicInteger moves, int pruned) {
        return new FsBlobStore(dir.resolve("root"), dir.resolve("work")) {
            @Override
            void move(Path tmp, Path target) throws IOException {
                if (moves.incrementAndGet() <= pruned) {
                    throw new NoSuchFileException(target.toString());
                }
                super.move(tmp, target);
            }
        };
    }

    @Test
    void aWriteWhoseFolderWasPrunedMakesItAgainTwiceAtMost() throws Exception {
        AtomicInteger moves = new AtomicInteger();
        FsBlobStore store = withPrunedFolders(TestDirs.fresh("store-pruned"), moves, 2);
        store.put("team/app.git/HEAD", "ref: refs/heads/main\n".getBytes());
        assertEquals(3, moves.get());
        assertEquals("ref: refs/heads/main\n", new String(store.get("team/app.git/HEAD").orElseThrow().data()));

        AtomicInteger always = new AtomicInteger();
        FsBlobStore never = withPrunedFolders(TestDirs.fresh("store-pruned-always"), always, Integer.MAX_VALUE);
        assertThrows(NoSuchFileException.class, () -> never.put("team/app.git/HEAD", "x".getBytes()));
        assertEquals(3, always.get(), "three attempts, then the error");
        assertTrue(never.get("team/app.git/HEAD").isEmpty());
    }

    @Test
    void aRenameWhoseTemporaryFileIsGoneIsNotRetried() throws Exception {
        Path dir = TestDirs.fresh("store-tmp-gone");
        AtomicInteger moves = new AtomicInteger();
        FsBlobStore store = new FsBlobStore(dir.resolve("root"), dir.resolve("work")) {
            @Override
            void move(Path tmp, Path target) throws IOException {
                moves.incrementAndGet();
                Files.delete(tmp);
                throw new NoSuchFileException(tmp.toString());
            }
        };
        assertThrows(NoSuchFileException.class, () -> store.put("team/app.git/HEAD", "x".getBytes()));
        assertEquals(1, moves.get(), "nothing left to move: no second attempt");
    }

    @Test
    void gitfnsRecordsAreListedOnlyWhenAskedForAndItsTemporaryFilesAndLocksNever() throws Exception {
        Path root = TestDirs.fresh("store-records").resolve("root");
        FsBlobStore store = new FsBlobStore(root); // work folder inside the root, under .gitfn
        store.put(".gitfn/users/alice.json", "{}".getBytes());
        store.put("team/app.git/HEAD", "h".getBytes());
        store.putIfMatch("team/app.git/.state", "s".getBytes(), null); // leaves a lock file behind
        Files.writeString(root.resolve(".gitfn/tmp/half-written"), "x");
        assertEquals(List.of(".gitfn/users/alice.json"), store.list(".gitfn/"));
        assertEquals(List.of("team/app.git/.state", "team/app.git/HEAD"), store.list("").stream().sorted().toList());
        assertEquals(List.of(), store.list("missing/folder/"), "a folder that does not exist lists nothing");
    }
}
