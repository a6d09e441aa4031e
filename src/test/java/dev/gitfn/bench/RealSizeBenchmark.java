package dev.gitfn.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

import dev.gitfn.support.Git;
import dev.gitfn.support.GitHttpBackend;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * gitfn beside {@code git http-backend} on a real-size repository, in one run:
 * each operation alternates between the two servers, and the table gives medians
 * of wall time and of server CPU (gitfn's process; the CGI processes of
 * http-backend) with the ratio gitfn / http-backend (below 1: gitfn costs less).
 * http-backend serves a bare copy after {@code git gc}, as a git host keeps it;
 * gitfn gets the history the way a user loads it, by {@code git push --mirror},
 * and compacts it by itself. Then 1,000 one-commit pushes, a full clone before
 * and after one compaction. Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>
 * java -cp target/test-classes:target/quarkus-app/lib/main/* dev.gitfn.bench.RealSizeBenchmark \
 *     [--repo /path/to/any/clone] [--commits 20000] [--files 3000] [--runs 5] [--pushes 1000]
 * </pre>
 */
public final class RealSizeBenchmark {
    private final Git git;
    private final Path work;
    private final int runs;
    private int counter;

    private RealSizeBenchmark(Path work, int runs) {
        this.work = work;
        this.git = new Git(work.resolve("home"));
        this.runs = runs;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        RealSizeBenchmark bench = new RealSizeBenchmark(TestDirs.fresh("real-bench"),
                Integer.parseInt(opts.getOrDefault("runs", "5")));
        bench.run(opts);
    }

    private void run(Map<String, String> opts) throws Exception {
        Path src = work.resolve("src.git");
        if (opts.containsKey("repo")) {
            // Branches and tags of the user's repository, as a push --mirror of a clone sends them.
            git.ok(work, "clone", "-q", "--bare", opts.get("repo"), src.toString());
        } else {
            generate(src, Integer.parseInt(opts.getOrDefault("commits", "20000")),
                    Integer.parseInt(opts.getOrDefault("files", "3000")));
        }
        git.ok(src, "repack", "-a", "-d", "-q");
        System.out.printf("repository: %s commits, %s objects, pack %s; %s%n",
                git.ok(src, "rev-list", "--all", "--count").trimmed(),
                field(git.ok(src, "count-objects", "-v").out(), "in-pack"),
                field(git.ok(src, "count-objects", "-vH").out(), "size-pack"),
                opts.containsKey("repo") ? opts.get("repo") : "generated");

        Path root = work.resolve("backend-root");
        Files.createDirectories(root.resolve("bench"));
        Path backendRepo = root.resolve("bench/app.git");
        git.ok(work, "init", "-q", "--bare", backendRepo.toString());
        git.ok(backendRepo, "config", "http.receivepack", "true");

        String heap = opts.getOrDefault("heap", "-Xmx512m");
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of()), heap);
                GitHttpBackend backend = new GitHttpBackend(root)) {
            String a = gitfn.url() + "bench/app.git";
            String b = backend.url() + "bench/app.git";
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            Server sa = new Server("gitfn", a, () -> cpuMillis(gitfn.pid()));
            Server sb = new Server("http-backend", b, backend::cpuMillis);
            System.out.printf("%-34s %9s %9s %6s %9s %9s %6s%n", "operation (median of " + runs + ")", "gitfn ms",
                    "backend", "ratio", "gitfn cpu", "backend", "ratio");
            once("load: git push --mirror", sa, sb, url -> git.ok(src, "push", "-q", "--mirror", url));
            git.ok(backendRepo, "gc", "-q"); // a git host's repack: one pack with its bitmap
            // HEAD as gitfn has it (its first push set it): --depth implies --single-branch, so
            // a clone of a HEAD that names no branch would fetch nothing at all.
            String head = git.ok(work, "ls-remote", "--symref", a, "HEAD").out().lines()
                    .filter(l -> l.startsWith("ref: ")).map(l -> l.substring(5, l.indexOf('\t'))).findFirst()
                    .orElseThrow();
            git.ok(backendRepo, "symbolic-ref", "HEAD", head);
            long waited = awaitCompacted(work.resolve("store/bench/app.git/gitfn-state"));
            System.out.printf("gitfn compacted the pushed history by itself, in the background: done %d ms after its push%n",
                    waited);

            System.out.printf("gitfn process CPU since its start (start-up, load, compaction): %d ms%n",
                    cpuMillis(gitfn.pid()));
            compareAll(sa, sb);
            System.out.printf("gitfn peak resident memory so far (VmHWM, %s): %s%n", heap, peakRss(gitfn.pid()));

            int pushes = Integer.parseInt(opts.getOrDefault("pushes", "1000"));
            if (pushes > 0) {
                afterManyPushes(gitfn, sa, sb, pushes);
            }
            System.out.printf("gitfn peak resident memory (VmHWM, %s): %s%n", heap, peakRss(gitfn.pid()));
        }
        offloadedClone();
    }

    /**
     * Bytes a full clone takes through gitfn with and without protocol v2 packfile URIs: a
     * second instance on the same store publishes the repository to a folder that a static
     * server stands in for the CDN.
     */
    private void offloadedClone() throws Exception {
        Path area = work.resolve("published");
        try (dev.gitfn.support.StaticFileServer cdn = new dev.gitfn.support.StaticFileServer(area);
                ServerProcess gitfn = new ServerProcess(work.resolve("gitfn-published.log"),
                        ServerProcess.folderStore(work, Map.of("GITFN_PUBLISH_FS_ROOT", area.toString(),
                                "GITFN_PUBLISH_BASE_URL", cdn.url(), "GITFN_CACHE_DIR",
                                work.resolve("cache-published").toString())))) {
            Http.json("POST", URI.create(gitfn.url() + "api/publish"), null, "");
            String url = gitfn.url() + "bench/app.git";
            git.ok(work, "clone", "-q", "--bare", url, next()); // warm the cache
            for (boolean uris : List.of(false, true)) {
                long before = sentBytes(gitfn);
                long start = System.nanoTime();
                if (uris) {
                    git.ok(work, "-c", "fetch.uriprotocols=http", "clone", "-q", "--bare", url, next());
                } else {
                    git.ok(work, "clone", "-q", "--bare", url, next());
                }
                System.out.printf("full clone %s packfile URIs: %d ms, %.1f MB through gitfn%n",
                        uris ? "with   " : "without", (System.nanoTime() - start) / 1_000_000,
                        (sentBytes(gitfn) - before) / 1e6);
            }
        }
    }

    /** gitfn's gitfn_sent_bytes_total, summed over services, from its management port. */
    private static long sentBytes(ServerProcess gitfn) {
        String metrics = Http.get(URI.create(gitfn.managementUrl() + "q/metrics")).body();
        return (long) metrics.lines().filter(l -> l.startsWith("gitfn_sent_bytes_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** One side of the comparison: its clone URL and its server CPU clock. */
    private record Server(String name, String url, LongSupplier cpu) {
    }

    @FunctionalInterface
    private interface Op {
        void run(String url) throws Exception;
    }

    private void compareAll(Server a, Server b) throws Exception {
        Path fa = clone(a.url(), "fetch-a");
        Path fb = clone(b.url(), "fetch-b");
        compare("full clone (v2)", a, b, url -> git.ok(work, "clone", "-q", "--bare", url, next()));
        compare("full clone (v0)", a, b,
                url -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", "--bare", url, next()));
        byte[] fetchAll = fetchRequest(git.ok(work, "ls-remote", a.url()).out());
        compare("server's share of a full clone", a, b, url -> curlUploadPack(url, fetchAll));
        compare("clone --depth 1", a, b, url -> git.ok(work, "clone", "-q", "--bare", "--depth", "1", url, next()));
        compare("clone --filter=blob:none", a, b,
                url -> git.ok(work, "clone", "-q", "--bare", "--filter=blob:none", url, next()));
        compare("no-op fetch", a, b, url -> git.ok(url.equals(a.url()) ? fa : fb, "fetch", "-q"));
        Path pusher = work.resolve("pusher");
        git.ok(work, "clone", "-q", b.url(), pusher.toString());
        compare("one-commit push", a, b, url -> {
            git.commit(pusher, 1, "bench");
            git.ok(pusher, "push", "-q", url, "HEAD:refs/heads/bench-" + (url.equals(a.url()) ? "a" : "b"));
        });
        compare("incremental fetch after a push", a, b, url -> {
            git.commit(pusher, 1, "inc");
            git.ok(pusher, "push", "-q", url, "HEAD:refs/heads/inc");
            git.ok(url.equals(a.url()) ? fa : fb, "fetch", "-q", "origin", "+refs/heads/*:refs/remotes/origin/*");
        });
        compareConcurrent("8 concurrent full clones", a, b, 8);
    }

    /** The pushes one after another, then the same full clone before and after one compaction. */
    private void afterManyPushes(ServerProcess gitfn, Server a, Server b, int pushes) throws Exception {
        Path pusher = work.resolve("many");
        git.ok(work, "clone", "-q", b.url(), pusher.toString());
        long start = System.nanoTime();
        for (int i = 0; i < pushes; i++) {
            git.commit(pusher, 1, "many");
            git.ok(pusher, "push", "-q", a.url(), "HEAD:refs/heads/many");
            git.ok(pusher, "push", "-q", b.url(), "HEAD:refs/heads/many");
        }
        System.out.printf("%d one-commit pushes to each: %d ms in all%n", pushes, (System.nanoTime() - start) / 1_000_000);
        System.out.printf("gitfn's packs after them (with its background compaction): %d%n",
                packs(work.resolve("store/bench/app.git/gitfn-state")));
        git.ok(work.resolve("backend-root/bench/app.git"), "gc", "-q");
        byte[] fetchAll = fetchRequest(git.ok(work, "ls-remote", a.url()).out());
        compare("after the pushes: server's share", a, b, url -> curlUploadPack(url, fetchAll));
        var answer = Http.json("POST", URI.create(gitfn.url() + "api/repos/bench/app/-/maintenance?mode=full"), null,
                "");
        System.out.printf("one full compaction: %s%n", answer.body());
        compare("after compaction: server's share", a, b, url -> curlUploadPack(url, fetchAll));
        compare("after compaction: full clone (v2)", a, b,
                url -> git.ok(work, "clone", "-q", "--bare", url, next()));
    }

    /** One run each, http-backend first, so what gitfn starts in the background is timed from its end. */
    private void once(String name, Server a, Server b, Op op) throws Exception {
        long[] rb = measure(b, op);
        long[] ra = measure(a, op);
        row(name, ra[0], rb[0], ra[1], rb[1]);
    }

    private void compare(String name, Server a, Server b, Op op) throws Exception {
        op.run(a.url()); // warm-up, not counted
        op.run(b.url());
        List<Long> wa = new ArrayList<>();
        List<Long> wb = new ArrayList<>();
        List<Long> ca = new ArrayList<>();
        List<Long> cb = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            // Alternate which goes first, so neither always meets a warmer machine.
            for (Server s : i % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
                long[] r = measure(s, op);
                (s == a ? wa : wb).add(r[0]);
                (s == a ? ca : cb).add(r[1]);
            }
        }
        row(name, CloneBenchmark.median(wa), CloneBenchmark.median(wb), CloneBenchmark.median(ca),
                CloneBenchmark.median(cb));
    }

    private void compareConcurrent(String name, Server a, Server b, int clients) throws Exception {
        compare(name, a, b, url -> {
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String target = next();
                all.add(CompletableFuture.runAsync(() -> git.ok(work, "clone", "-q", "--bare", url, target)));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        });
    }

    /** Wall ms and server CPU ms of one run of {@code op} against {@code s}. */
    private long[] measure(Server s, Op op) throws Exception {
        long cpu = s.cpu().getAsLong();
        long start = System.nanoTime();
        op.run(s.url());
        long wall = (System.nanoTime() - start) / 1_000_000;
        Thread.sleep(300); // lighttpd reaps its CGI processes a moment after they answered
        return new long[] { wall, s.cpu().getAsLong() - cpu };
    }

    /** A row; a CPU ratio only where both sides used at least 20 ms (the clock ticks in 10 ms). */
    private static void row(String name, double wa, double wb, double ca, double cb) {
        String cpuRatio = ca >= 20 && cb >= 20 ? String.format("%6.2f", ca / cb) : "     -";
        System.out.printf("%-34s %9.0f %9.0f %6.2f %9.0f %9.0f %s%n", name, wa, wb, wa / Math.max(1, wb), ca, cb,
                cpuRatio);
    }

    private Path clone(String url, String dir) {
        Path target = work.resolve(dir);
        git.ok(work, "clone", "-q", url, target.toString());
        return target;
    }

    private String next() {
        return work.resolve("c" + counter++).toString();
    }

    /**
     * A protocol v2 fetch of every advertised ref, as a clone sends it, posted with curl
     * and the pack thrown away: the server's part of a clone without the client's
     * index-pack, which is most of a clone's wall time.
     */
    private void curlUploadPack(String url, byte[] request) throws Exception {
        Path body = work.resolve("fetch-request");
        Files.write(body, request);
        Process p = new ProcessBuilder("curl", "-sS", "--fail", "-o", "/dev/null", "-H", "Git-Protocol: version=2",
                "-H", "Content-Type: application/x-git-upload-pack-request", "--data-binary", "@" + body,
                url + "/git-upload-pack").inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("curl failed against " + url);
        }
    }

    static byte[] fetchRequest(String lsRemote) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pkt(out, "command=fetch\n");
        pkt(out, "agent=git/2.39.5\n");
        out.writeBytes("0001".getBytes(StandardCharsets.US_ASCII));
        pkt(out, "ofs-delta\n");
        lsRemote.lines().map(l -> l.split("\t")).filter(f -> f.length == 2 && !f[1].endsWith("^{}"))
                .map(f -> f[0]).distinct().forEach(id -> pkt(out, "want " + id + "\n"));
        pkt(out, "done\n");
        out.writeBytes("0000".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void pkt(ByteArrayOutputStream out, String line) {
        byte[] data = line.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(String.format("%04x", data.length + 4).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data);
    }

    /** Waits until gitfn's ref state lists a pack with a bitmap (its compaction after the push). */
    private static long awaitCompacted(Path state) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < 600_000_000_000L) {
            if (Files.readAllLines(state).stream().anyMatch(l -> l.startsWith("pack ") && l.split(" ").length == 8)) {
                return (System.nanoTime() - start) / 1_000_000;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("gitfn did not compact within 10 minutes");
    }

    private static long packs(Path state) throws IOException {
        return Files.readAllLines(state).stream().filter(l -> l.startsWith("pack ")).count();
    }

    /** A process's user + system CPU so far, from {@code /proc/<pid>/stat} (clock ticks of 10 ms). */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String peakRss(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
    }

    private static String field(String countObjects, String name) {
        return countObjects.lines().filter(l -> l.startsWith(name + ":")).map(l -> l.substring(name.length() + 1)
                .trim()).findFirst().orElse("?");
    }

    /**
     * A deterministic history of a realistic shape, by {@code git fast-import}: {@code files}
     * source files in nested folders, each commit editing one to four of them (a few lines
     * changed, added or removed), a new file now and then, five large incompressible
     * blobs along the way, and a tag every 500 commits.
     */
    private void generate(Path repo, int commits, int files) throws Exception {
        git.ok(work, "init", "-q", "--bare", repo.toString());
        Random random = new Random(42);
        List<List<String>> contents = new ArrayList<>();
        Process p = new ProcessBuilder("git", "fast-import", "--quiet").directory(repo.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream out = new java.io.BufferedOutputStream(p.getOutputStream(), 1 << 20)) {
            for (int i = 1; i <= commits; i++) {
                StringBuilder c = new StringBuilder();
                c.append("commit refs/heads/main\nmark :").append(i).append('\n');
                c.append("committer Dev").append(i % 17).append(" <dev").append(i % 17)
                        .append("@example.com> ").append(1_500_000_000L + i * 3600L).append(" +0000\n");
                String message = "change " + i + ": " + word(random) + " " + word(random) + "\n";
                c.append("data ").append(message.length()).append('\n').append(message);
                if (i > 1) {
                    c.append("from :").append(i - 1).append('\n');
                }
                out.write(c.toString().getBytes(StandardCharsets.UTF_8));
                int edits = i == 1 ? Math.min(files, 200) : 1 + random.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int file;
                    if (contents.size() < files && (i == 1 || random.nextInt(10) == 0)) {
                        file = contents.size();
                        List<String> lines = new ArrayList<>();
                        for (int l = 0, n = 20 + random.nextInt(200); l < n; l++) {
                            lines.add(line(random));
                        }
                        contents.add(lines);
                    } else {
                        file = random.nextInt(contents.size());
                        List<String> lines = contents.get(file);
                        for (int k = 0, n = 1 + random.nextInt(5); k < n; k++) {
                            int at = random.nextInt(lines.size() + 1);
                            switch (random.nextInt(3)) {
                                case 0 -> lines.add(at, line(random));
                                case 1 -> {
                                    if (at < lines.size() && lines.size() > 5) {
                                        lines.remove(at);
                                    }
                                }
                                default -> {
                                    if (at < lines.size()) {
                                        lines.set(at, line(random));
                                    }
                                }
                            }
                        }
                    }
                    byte[] data = (String.join("\n", contents.get(file)) + "\n").getBytes(StandardCharsets.UTF_8);
                    out.write(("M 644 inline " + path(file) + "\ndata " + data.length + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.write(data);
                    out.write('\n');
                }
                if (i % (commits / 5 + 1) == commits / 10) {
                    byte[] blob = new byte[2 << 20];
                    random.nextBytes(blob);
                    out.write(("M 644 inline assets/blob-" + i + ".bin\ndata " + blob.length + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.write(blob);
                    out.write('\n');
                }
                if (i % 500 == 0) {
                    out.write(("tag v" + (i / 500) + "\nfrom :" + i + "\ntagger Rel <rel@example.com> "
                            + (1_500_000_000L + i * 3600L) + " +0000\ndata 8\nrelease\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("fast-import failed");
        }
    }

    private static String path(int file) {
        return "src/module-" + (file % 40) + "/pkg-" + (file % 7) + "/File" + file + ".java";
    }

    private static final String[] WORDS = { "value", "index", "count", "buffer", "result", "node", "reader",
        "writer", "config", "state", "limit", "offset", "stream", "entry", "parent", "child", "token", "cache" };

    private static String word(Random random) {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private static String line(Random random) {
        StringBuilder b = new StringBuilder("    ");
        for (int w = 0, n = 3 + random.nextInt(8); w < n; w++) {
            b.append(word(random)).append(w % 3 == 0 ? " = " : " ");
        }
        return b.append(random.nextInt(1000)).append(';').toString();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("options are --name value: " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }
}
