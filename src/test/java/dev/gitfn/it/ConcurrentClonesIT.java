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
    /** Pack builds at once; the server's default unless set (a measurement of the load without the bound). */
    private static final String PACK_SLOTS = System.getProperty("gitfn.it.pack-slots");

    @Test
    void manyConcurrentClonesOnASmallHeapCompleteOrAreTurnedAwayCleanly() throws Exception {
        Path work = TestDirs.fresh("concurrent-clones");
        Git git = new Git(work.resolve("home"));
        Path src = largeRepository(git, work);
        Path log = work.resolve("gitfn.log");
        // All clones come from one address: let them all in, so the bound tested is the pack work's.
        java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of(
                "GITFN_LIMITS_PACK_QUEUE_WAIT", "60s",
                "GITFN_LIMITS_MAX_REQUESTS_PER_CLIENT", Integer.toString(CLONES + 8)));
        if (PACK_SLOTS != null) {
            env.put("GITFN_LIMITS_MAX_CONCURRENT_PACKS", PACK_SLOTS);
        }
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, env), "-Xmx256m")) {
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
            System.out.printf("concurrent clones of %d MB at -Xmx256m, pack slots %s: %d completed, %d turned away"
                    + " (503); server peak RSS %s%n", MEGABYTES, PACK_SLOTS == null ? "default" : PACK_SLOTS,
                    completed, turnedAway, peakRss(server));
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

    /**
     * Output buffers are bounded by each connection's back-pressure, not only by the pack
     * slots: with slots for every request, clients that send a fetch and then read nothing
     * leave the server holding little memory for them (the rest waits in JGit's writer),
     * a clone beside them completes, and each stalled response is whole once read.
     */
    @Test
    void clientsThatStopReadingHoldLittleServerMemory() throws Exception {
        Path work = TestDirs.fresh("stalled-readers");
        Git git = new Git(work.resolve("home"));
        Path src = largeRepository(git, work);
        String head = git.revParse(src, "HEAD");
        Path log = work.resolve("gitfn.log");
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, java.util.Map.of(
                "GITFN_LIMITS_MAX_CONCURRENT_PACKS", Integer.toString(CLONES + 8),
                "GITFN_LIMITS_MAX_REQUESTS_PER_CLIENT", Integer.toString(CLONES + 8))), "-Xmx256m")) {
            String url = server.url() + "big/app.git";
            assertEquals(201, Http.createRepo(java.net.URI.create(server.url()), "big/app"));
            git.ok(src, "push", url, "main");
            long before = directBytes(server);

            List<StalledFetch> stalled = new ArrayList<>();
            for (int i = 0; i < CLONES; i++) {
                stalled.add(new StalledFetch(server, "/big/app.git/git-upload-pack", head));
            }
            Thread.sleep(5_000); // every pack is being written now, into connections nobody reads
            long during = directBytes(server);
            git.ok(work, "clone", "-q", url, work.resolve("beside").toString());
            git.ok(work.resolve("beside"), "fsck", "--strict");
            long packBytes = (long) (MEGABYTES / 4 * 4) << 20; // the files' bytes, incompressible: the pack is larger
            System.out.printf("%d stalled fetches of a %d MB pack: direct buffers %d KB before, %d KB while stalled;"
                    + " server peak RSS %s%n", CLONES, packBytes >> 20, before >> 10, during >> 10, peakRss(server));
            // Unbounded output would hold what the kernel's socket buffers cannot: most of each pack.
            assertTrue(during - before < 32L << 20,
                    "stalled readers hold " + ((during - before) >> 20) + " MB of direct buffers");
            for (StalledFetch fetch : stalled) {
                assertTrue(fetch.readToEnd() > packBytes, "a stalled response is whole once read");
            }
            assertFalse(Files.readString(log).contains("OutOfMemoryError"), "no OutOfMemoryError in the log");
        }
    }

    /** A protocol v2 fetch of {@code want} sent over a raw socket with a small receive window, then not read. */
    private static final class StalledFetch {
        private final java.net.Socket socket = new java.net.Socket();

        StalledFetch(ServerProcess server, String path, String want) throws java.io.IOException {
            socket.setReceiveBufferSize(4096);
            java.net.URI uri = java.net.URI.create(server.url());
            socket.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()));
            String body = pkt("command=fetch\n") + "0001" + pkt("want " + want + "\n") + pkt("done\n") + "0000";
            String request = "POST " + path + " HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\n"
                    + "Content-Type: application/x-git-upload-pack-request\r\nGit-Protocol: version=2\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }

        long readToEnd() throws java.io.IOException {
            try (socket) {
                socket.setSoTimeout(120_000);
                return socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
        }

        private static String pkt(String line) {
            return String.format("%04x", line.length() + 4) + line;
        }
    }

    /** The server process's peak resident memory, as Linux counts it (for the README's sizing). */
    private static String peakRss(ServerProcess server) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(server.pid()), "status")).stream()
                .filter(l -> l.startsWith("VmHWM:")).map(l -> l.substring(6).trim()).findFirst().orElse("unknown");
    }

    /** Direct buffer bytes the server's JVM uses now (its metrics). */
    private static long directBytes(ServerProcess server) {
        String metrics = Http.get(java.net.URI.create(server.managementUrl() + "q/metrics")).body();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^jvm_buffer_memory_used_bytes\\{id=\"direct\"[^}]*\\} (\\S+)$").matcher(metrics);
        assertTrue(m.find(), "the server reports its direct buffers");
        return (long) Double.parseDouble(m.group(1));
    }

    /** A repository of one commit holding {@link #MEGABYTES} MB of incompressible files. */
    private static Path largeRepository(Git git, Path work) throws java.io.IOException {
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
        return src;
    }
}
