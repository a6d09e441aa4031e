package dev.gitfn.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.gitfn.repo.StoreFormat;
import dev.gitfn.storage.FsBlobStore;

/** The store's format: recorded once, a newer one refused with the version it needs, a foreign file refused. */
class StoreFormatCheckTest {
    @TempDir
    Path dir;

    @Test
    void aStoreWithoutAFormatIsMigratedOnceAndThenReadAsItIs() throws Exception {
        FsBlobStore store = new FsBlobStore(dir);
        assertEquals(StoreFormat.CURRENT, StoreFormatCheck.ensure(store));
        byte[] written = store.get(StoreFormat.KEY).orElseThrow().data();
        assertArrayEquals("gitfn-store-format 1\n".getBytes(), written);
        String etag = store.get(StoreFormat.KEY).orElseThrow().etag();
        assertEquals(StoreFormat.CURRENT, StoreFormatCheck.ensure(store));
        assertEquals(etag, store.get(StoreFormat.KEY).orElseThrow().etag(), "not written again");
    }

    @Test
    void aNewerFormatIsRefusedNamingTheVersionItNeeds() throws Exception {
        FsBlobStore store = new FsBlobStore(dir);
        store.put(StoreFormat.KEY, StoreFormat.render(StoreFormat.CURRENT + 1));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> StoreFormatCheck.ensure(store));
        assertTrue(refused.getMessage().contains("format " + (StoreFormat.CURRENT + 1))
                && refused.getMessage().contains("up to " + StoreFormat.CURRENT), refused.getMessage());
        store.put(StoreFormat.KEY, "something else\n".getBytes());
        assertThrows(IllegalStateException.class, () -> StoreFormatCheck.ensure(store));
        store.put(StoreFormat.KEY, StoreFormat.render(0));
        assertThrows(IllegalStateException.class, () -> StoreFormatCheck.ensure(store), "no migration from a file 0");
    }

    @Test
    void theFormatFileIsParsedStrictly() {
        assertEquals(7, StoreFormat.parse("gitfn-store-format 7\n".getBytes()).getAsInt());
        assertEquals(7, StoreFormat.parse("gitfn-store-format 7".getBytes()).getAsInt());
        assertTrue(StoreFormat.parse("gitfn-store-format -1\n".getBytes()).isEmpty());
        assertTrue(StoreFormat.parse("gitfn-store-format 1\nmore".getBytes()).isEmpty());
        assertEquals(null, StoreFormat.refusal(StoreFormat.CURRENT));
        assertTrue(StoreFormat.refusal(StoreFormat.CURRENT + 1) != null);
    }
}
