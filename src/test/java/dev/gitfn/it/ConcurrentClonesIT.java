package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Memory under concurrency: many clones of a large repository at once, against a
 * small heap, each either completes or is turned away cleanly (503, "server
 * busy"), and the instance is healthy afterwards. CI runs it scaled down; the
 * full size is {@code -Dgitfn.it.clone-mb=50 -Dgitfn.it.clones=50} (README).
 */
class ConcurrentClonesIT {
    private static final int MEGABYTES = Integer.getInteger("gitfn.it.clone-mb", 16);
    private static final int CLONES = Integer.getInteger("gitfn.it.clones", 24);

    @Test
    void manyConcurrentClonesOnASmallHeapCompleteOrAreTurnedAwayCleanly() throws Exception {
        Path work = TestDirs.fresh("concurrent-clones");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 1);
        Random random = new Random(42);
        byte[] chunk = new byte[1 << 20];
        for (int file = 0; file < 4; file++) {
            try (OutputStream out = Files.newOutputStream(src.resolve("blob-" + file + ".bin"))) {
                for (int mb = 0; mb < MEGABYTES / 4; mb++) {
                    random.nextBytes(chunk); // incompressible, so the pack is as large as the data
                    out.write(chunk);
                }
            }
        }
        git.ok(src, "add", ".");
        git.ok(src, "commit", "-q", "-m", "large");
        Path log = work.resolve("gitfn.log");
        // All clones come from one address: let them all in, so the bound tested is the pack work's.
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, java.util.Map.of(
                "GITFN_LIMITS_PACK_QUEUE_WAIT", "60s",
                "GITFN_LIMITS_MAX_REQUESTS_PER_CLIENT", Integer.toString(CLONES + 8))), "-Xmx256m")) {
            String url = server.url() + "big/app.git";
            assertEquals(201, Http.createRepo(java.net.URI.create(server.url()), "big/app"));
            git.ok(src, "push", url, "main");

            ExecutorService pool = Executors.newFixedThreadPool(CLONES);
            List<Future<Git.Result>> clones = new ArrayList<>();
            for (int i = 0; i < CLONES; i++) {
                Path target = work.resolve("clone-" + i);
                clones.add(pool.submit(() -> git.run(work, "clone", "-q", url, target.toString())));
            }
            int completed = 0;
            int turnedAway = 0;
            List<String> other = new ArrayList<>();
            for (int i = 0; i < CLONES; i++) {
                Git.Result r = clones.get(i).get(10, TimeUnit.MINUTES);
                if (r.exitCode() == 0) {
                    git.ok(work.resolve("clone-" + i), "fsck", "--strict");
                    completed++;
                } else if (r.err().contains("503")) {
                    turnedAway++;
                } else {
                    other.add(r.err());
                }
            }
            pool.shutdown();
            System.out.printf("concurrent clones of %d MB at -Xmx256m: %d completed, %d turned away (503)%n",
                    MEGABYTES, completed, turnedAway);
            assertTrue(other.isEmpty(), "clones that failed otherwise: " + other);
            assertTrue(completed > 0, "some clones complete");
            String text = Files.readString(log);
            assertFalse(text.contains("OutOfMemoryError"), "no OutOfMemoryError in the log");
            // Healthy afterwards: a clone and a push.
            git.ok(work, "clone", "-q", url, work.resolve("after").toString());
            git.commit(src, 1, "after");
            git.ok(src, "push", url, "main");
        }
    }
}
