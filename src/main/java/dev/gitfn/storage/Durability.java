package dev.gitfn.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What makes the folder store's (and maintenance's) writes survive a power loss: data forced to the disk
 * before a rename, and the rename forced through its directory. Nothing a running
 * system can observe depends on it, so mutation testing leaves calls to it alone
 * ({@code avoidCallsTo} in the pom) instead of counting mutants no test can kill.
 */
public final class Durability {
    private Durability() {
    }

    /** The file's content and metadata on the disk. */
    public static void force(FileChannel file) throws IOException {
        file.force(true);
    }

    /** Makes a rename durable (POSIX needs the directory synced too); best effort elsewhere. */
    public static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // Not every platform can open a directory; the rename itself is still atomic.
        }
    }
}
