package dev.gitfn.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Scratch folders under {@code target/}, one per test, kept for post-mortems. */
public final class TestDirs {
    /** Unique per test run, so repository names never collide with an earlier run's store. */
    public static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    private TestDirs() {
    }

    /** A repository name unique to this run: {@code run-<id>/<name>}. */
    public static String repoName(String name) {
        return "run-" + RUN + "/" + name;
    }

    public static Path fresh(String name) {
        try {
            Path dir = Paths.get("target", "test-work", name + "-" + System.nanoTime()).toAbsolutePath();
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
