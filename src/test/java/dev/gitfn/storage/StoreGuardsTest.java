package dev.gitfn.storage;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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
}
