package dev.gitfn.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Memory while serving a pack far larger than the heap: a repository of
 * incompressible files ({@code --mb}, default 1100 MB) pushed to gitfn running with
 * {@code -Xmx256m}, compacted, then one clone and {@code --clients} concurrent
 * clones; prints each clone's time and the server's peak resident memory (VmHWM).
 * Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>java -cp target/test-classes:target/quarkus-app/lib/main/* dev.gitfn.bench.LargePackBenchmark [--mb 1100] [--clients 8]</pre>
 */
public final class LargePackBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int mb = Integer.parseInt(opts.getOrDefault("mb", "1100"));
        int clients = Integer.parseInt(opts.getOrDefault("clients", "8"));
        Path work = TestDirs.fresh("large-pack");
        Git git = new Git(work.resolve("home"));
        Path src = work.resolve("src");
        git.ok(work, "init", "-q", "-b", "main", "src");
        Random random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        for (int file = 0; file * 50 < mb; file++) {
            try (OutputStream out = Files.newOutputStream(src.resolve("blob-" + file + ".bin"))) {
                for (int m = 0; m < Math.min(50, mb - file * 50); m++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                }
            }
            git.ok(src, "add", "blob-" + file + ".bin");
            git.ok(src, "commit", "-q", "-m", "blob " + file);
        }
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of("GITFN_MAINTENANCE_PACK_THRESHOLD", "0")), "-Xmx256m")) {
            Http.createRepo(URI.create(gitfn.url()), "big/app");
            String url = gitfn.url() + "big/app.git";
            long start = System.nanoTime();
            git.ok(src, "push", "-q", url, "main");
            System.out.printf("push of %d MB: %d ms; peak RSS %s%n", mb, (System.nanoTime() - start) / 1_000_000,
                    peakRss(gitfn.pid()));
            start = System.nanoTime();
            var answer = Http.json("POST", URI.create(gitfn.url() + "api/repos/big/app/-/maintenance?mode=full"), null,
                    "");
            System.out.printf("full compaction: %d ms (%s); peak RSS %s%n", (System.nanoTime() - start) / 1_000_000,
                    answer.statusCode(), peakRss(gitfn.pid()));
            start = System.nanoTime();
            git.ok(work, "clone", "-q", "--bare", url, work.resolve("clone-0").toString());
            System.out.printf("one clone: %d ms; peak RSS %s%n", (System.nanoTime() - start) / 1_000_000,
                    peakRss(gitfn.pid()));
            deleteTree(work.resolve("clone-0"));
            start = System.nanoTime();
            List<CompletableFuture<Git.Result>> all = new ArrayList<>();
            for (int i = 1; i <= clients; i++) {
                String target = work.resolve("clone-" + i).toString();
                all.add(CompletableFuture.supplyAsync(() -> git.run(work, "clone", "-q", "--bare", url, target)));
            }
            int ok = 0;
            for (CompletableFuture<Git.Result> clone : all) {
                ok += clone.join().exitCode() == 0 ? 1 : 0;
            }
            System.out.printf("%d concurrent clones: %d completed in %d ms; peak RSS %s (heap -Xmx256m)%n", clients,
                    ok, (System.nanoTime() - start) / 1_000_000, peakRss(gitfn.pid()));
            boolean oom = Files.readString(work.resolve("gitfn.log")).contains("OutOfMemoryError");
            System.out.printf("OutOfMemoryError in the server log: %s%n", oom ? "yes" : "no");
        }
        deleteTree(work);
    }

    private static String peakRss(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM"))
                .map(l -> l.substring(6).trim()).findFirst().orElse("n/a");
    }

    private static void deleteTree(Path root) throws Exception {
        CloneBenchmark.deleteTree(root);
    }
}
