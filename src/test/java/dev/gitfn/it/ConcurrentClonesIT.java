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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    /**
     * What stalled clients may hold of the server's direct memory: about 320 KB each when each
     * connection's writer is paced (PacedOutput), with room; unpaced, a stalled HTTP client
     * held 7 MB and a stalled tunnel 1.4 MB.
     */
    private static final long STALLED_BOUND = CLONES * (512L << 10) + (4L << 20);
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
     * (over HTTP, the tunnel, git://) leave the server holding little memory for them (the
     * rest waits in JGit's writer), a clone beside them completes, and each stalled answer is
     * whole once read.
     */
    @ParameterizedTest
    @ValueSource(strings = {"http", "tunnel", "git"})
    void clientsThatStopReadingHoldLittleServerMemory(String transport) throws Exception {
        Path work = TestDirs.fresh("stalled-" + transport);
        Git git = new Git(work.resolve("home"));
        Path src = largeRepository(git, work);
        String head = git.revParse(src, "HEAD");
        Path log = work.resolve("gitfn.log");
        int daemonPort;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            daemonPort = free.getLocalPort();
        }
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, java.util.Map.of(
                "GITFN_LIMITS_MAX_CONCURRENT_PACKS", Integer.toString(CLONES + 8),
                "GITFN_LIMITS_MAX_REQUESTS_PER_CLIENT", Integer.toString(CLONES + 8),
                "GITFN_DAEMON_PORT", Integer.toString(daemonPort))), "-Xmx256m")) {
            String url = server.url() + "big/app.git";
            assertEquals(201, Http.createRepo(java.net.URI.create(server.url()), "big/app"));
            git.ok(src, "push", url, "main");
            long before = directBytes(server);

            List<Stalled> stalled = new ArrayList<>();
            for (int i = 0; i < CLONES; i++) {
                stalled.add(switch (transport) {
                    case "http" -> StalledSocket.http(server, head);
                    case "git" -> StalledSocket.daemon(daemonPort, head);
                    default -> new StalledTunnel(server, head);
                });
            }
            Thread.sleep(5_000); // every pack is being written now, into connections nobody reads
            long during = directBytes(server);
            git.ok(work, "clone", "-q", url, work.resolve("beside").toString());
            git.ok(work.resolve("beside"), "fsck", "--strict");
            long packBytes = (long) (MEGABYTES / 4 * 4) << 20; // the files' bytes, incompressible: the pack is larger
            System.out.printf("%d stalled %s fetches of a %d MB pack: direct buffers %d KB before, %d KB while"
                    + " stalled; server peak RSS %s%n", CLONES, transport, packBytes >> 20, before >> 10,
                    during >> 10, peakRss(server));
            // Unbounded output would hold what the kernel's socket buffers cannot: most of each pack.
            assertTrue(during - before < STALLED_BOUND,
                    "stalled " + transport + " clients hold " + ((during - before) >> 20) + " MB of direct buffers");
            for (Stalled client : stalled) {
                assertTrue(client.readToEnd() > packBytes, "a stalled answer is whole once read");
            }
            assertFalse(Files.readString(log).contains("OutOfMemoryError"), "no OutOfMemoryError in the log");
        }
    }

    /** A client that has sent its fetch and reads nothing until asked to. */
    private interface Stalled {
        /** Reads the whole answer; answers its length. */
        long readToEnd() throws Exception;
    }

    /** A protocol v2 fetch sent through the tunnel by a client that then takes no frame until asked to. */
    private static final class StalledTunnel implements Stalled {
        private final java.net.http.WebSocket ws;
        private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();

        StalledTunnel(ServerProcess server, String want) {
            java.net.URI uri = java.net.URI.create(server.url().replace("http://", "ws://")
                    + "big/app.git/ws?service=git-upload-pack&version=2");
            ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri,
                    new java.net.http.WebSocket.Listener() {
                        @Override
                        public void onOpen(java.net.http.WebSocket socket) {
                            // no demand: the client takes nothing until readToEnd
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket socket,
                                java.nio.ByteBuffer data, boolean last) {
                            received.addAndGet(data.remaining());
                            socket.request(1);
                            return null;
                        }

                        @Override
                        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket socket,
                                int code, String reason) {
                            closed.complete(null);
                            return null;
                        }

                        @Override
                        public void onError(java.net.http.WebSocket socket, Throwable error) {
                            closed.completeExceptionally(error);
                        }
                    }).join();
            ws.sendBinary(java.nio.ByteBuffer.wrap(fetch(want)), true).join();
            ws.sendBinary(java.nio.ByteBuffer.allocate(0), true).join(); // the client's end of input
        }

        @Override
        public long readToEnd() throws Exception {
            ws.request(Long.MAX_VALUE);
            closed.get(2, TimeUnit.MINUTES);
            return received.get();
        }
    }

    /** A fetch over a raw socket with a small receive window (HTTP or git://), then not read. */
    private static final class StalledSocket implements Stalled {
        private final java.net.Socket socket = new java.net.Socket();

        private StalledSocket(int port, byte[] request) throws java.io.IOException {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
        }

        static StalledSocket http(ServerProcess server, String want) throws java.io.IOException {
            java.net.URI uri = java.net.URI.create(server.url());
            byte[] body = fetch(want);
            String head = "POST /big/app.git/git-upload-pack HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\n"
                    + "Content-Type: application/x-git-upload-pack-request\r\nGit-Protocol: version=2\r\n"
                    + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.writeBytes(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            request.writeBytes(body);
            return new StalledSocket(uri.getPort(), request.toByteArray());
        }

        /** Protocol v0, whose server ends the connection after the pack (v2 would wait for a next command). */
        static StalledSocket daemon(int port, String want) throws java.io.IOException {
            String request = pkt("git-upload-pack /big/app.git\0host=127.0.0.1\0")
                    + pkt("want " + want + " side-band-64k ofs-delta\n") + "0000" + pkt("done\n");
            return new StalledSocket(port, request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }

        @Override
        public long readToEnd() throws java.io.IOException {
            try (socket) {
                socket.setSoTimeout(120_000);
                return socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            }
        }
    }

    /** A protocol v2 fetch of {@code want}, done at once. */
    private static byte[] fetch(String want) {
        return (pkt("command=fetch\n") + "0001" + pkt("want " + want + "\n") + pkt("done\n") + "0000")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String pkt(String line) {
        return String.format("%04x", line.length() + 4) + line;
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
