package dev.gitfn.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
