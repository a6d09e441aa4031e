package dev.gitfn.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import dev.gitfn.support.Git;
import dev.gitfn.support.GitHttpBackend;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * gitfn against git's own {@code git http-backend}, side by side in one run, on
 * the same repository and the same git client. Prints medians and the ratio
 * gitfn / http-backend (below 1 means gitfn is faster), plus gitfn's peak
 * resident memory. Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.CloneBenchmark [commits] [runs]</pre>
 */
public final class CloneBenchmark {

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path work = TestDirs.fresh("bench");
        Git git = new Git(work.resolve("home"));
        Path src = importHistory(git, work, commits);
        System.out.printf("repository: %d commits, %s of packed objects%n", commits,
                git.ok(src, "count-objects", "-vH").out().lines().filter(l -> l.startsWith("size-pack"))
                        .findFirst().orElse("?"));

        Path projectRoot = backendRoot(git, work, src);

        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of()),
                "-Xmx64m");
                GitHttpBackend backend = new GitHttpBackend(projectRoot)) {
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            long pushStart = System.nanoTime();
            git.ok(src, "push", "-q", gitfn.url() + "bench/app.git", "main");
            System.out.printf("initial push to gitfn: %d ms%n", (System.nanoTime() - pushStart) / 1_000_000);

            String gitfnUrl = gitfn.url() + "bench/app.git";
            String backendUrl = backend.url() + "bench/app.git";
            Path fetchA = work.resolve("fetch-gitfn");
            Path fetchB = work.resolve("fetch-backend");
            git.ok(work, "clone", "-q", gitfnUrl, fetchA.toString());
            git.ok(work, "clone", "-q", backendUrl, fetchB.toString());

            System.out.printf("%-26s %12s %14s %8s%n", "operation (median of " + runs + ")", "gitfn ms",
                    "http-backend ms", "ratio");
            int[] counter = { 0 };
            Supplier<String> next = () -> work.resolve("c" + counter[0]++).toString();
            compare("clone (protocol v2)", runs,
                    () -> git.ok(work, "clone", "-q", gitfnUrl, next.get()),
                    () -> git.ok(work, "clone", "-q", backendUrl, next.get()));
            compare("clone (protocol v0)", runs,
                    () -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", gitfnUrl, next.get()),
                    () -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", backendUrl, next.get()));
            compare("clone --depth 1", runs,
                    () -> git.ok(work, "clone", "-q", "--depth", "1", gitfnUrl, next.get()),
                    () -> git.ok(work, "clone", "-q", "--depth", "1", backendUrl, next.get()));
            compare("no-op fetch", runs,
                    () -> git.ok(fetchA, "fetch", "-q"),
                    () -> git.ok(fetchB, "fetch", "-q"));
            System.out.printf("gitfn peak resident memory (VmHWM, -Xmx64m): %s%n", peakRss(gitfn.pid()));
        }
        deleteTree(work);
    }

    /** {@code work/src}: a repository on main with {@code commits} commits, made by fast-import. */
    static Path importHistory(Git git, Path work, int commits) {
        Path src = work.resolve("src");
        git.ok(work, "init", "-q", "-b", "main", "src");
        git.runWithInput(src, Map.of(), fastImportStream(commits), "fast-import", "--quiet").ok();
        git.ok(src, "reset", "-q", "--hard", "main");
        return src;
    }

    /** A project root for {@code git http-backend} holding {@code bench/app.git}, a bare copy of {@code src}. */
    static Path backendRoot(Git git, Path work, Path src) throws IOException {
        Path root = work.resolve("backend-root");
        Files.createDirectories(root.resolve("bench"));
        git.ok(work, "clone", "-q", "--bare", src.toString(), root.resolve("bench/app.git").toString());
        return root;
    }

    static void compare(String name, int runs, Runnable gitfn, Runnable backend) {
        gitfn.run(); // warm-up, not counted
        backend.run();
        List<Long> a = new ArrayList<>();
        List<Long> b = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            // Alternate which goes first, so neither always meets a warmer machine.
            if (i % 2 == 0) {
                a.add(time(gitfn));
                b.add(time(backend));
            } else {
                b.add(time(backend));
                a.add(time(gitfn));
            }
        }
        double ma = median(a);
        double mb = median(b);
        System.out.printf("%-26s %12.0f %14.0f %8.2f%n", name, ma, mb, ma / mb);
    }

    static long time(Runnable r) {
        long start = System.nanoTime();
        r.run();
        return (System.nanoTime() - start) / 1_000_000;
    }

    static double median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }

    private static String peakRss(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(l -> l.startsWith("VmHWM")).map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
    }

    /** A history of {@code commits} commits over 50 files, as one {@code git fast-import} stream. */
    static byte[] fastImportStream(int commits) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i <= commits; i++) {
            String message = "commit " + i + "\n";
            StringBuilder content = new StringBuilder();
            for (int line = 0; line < 40; line++) {
                content.append("file ").append(i % 50).append(" line ").append(line).append(" rev ").append(i)
                        .append('\n');
            }
            StringBuilder c = new StringBuilder();
            c.append("commit refs/heads/main\n").append("mark :").append(i).append('\n');
            c.append("committer Bench <bench@example.com> ").append(1_600_000_000L + i * 60L).append(" +0000\n");
            c.append("data ").append(message.length()).append('\n').append(message);
            if (i > 1) {
                c.append("from :").append(i - 1).append('\n');
            }
            byte[] data = content.toString().getBytes(StandardCharsets.UTF_8);
            c.append("M 644 inline dir").append(i % 5).append("/file-").append(i % 50).append(".txt\n");
            c.append("data ").append(data.length).append('\n');
            out.writeBytes(c.toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(data);
            out.writeBytes("\n".getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static void deleteTree(Path root) throws Exception {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
