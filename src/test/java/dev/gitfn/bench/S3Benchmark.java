package dev.gitfn.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * gitfn on S3 (Ceph RGW named by {@code GITFN_TEST_RGW_ENDPOINT}): clone time
 * with a cold cache (a new instance, empty cache folder) against a warm one,
 * and the S3 requests one no-op fetch and one push cost, counted from the AWS
 * SDK's own request log. Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>GITFN_TEST_RGW_ENDPOINT=http://127.0.0.1:17480 java -cp target/test-classes:target/quarkus-app/lib/main/* dev.gitfn.bench.S3Benchmark [commits] [runs]</pre>
 */
public final class S3Benchmark {
    private static final String REQUEST_LOG = "-Dquarkus.log.category.\"software.amazon.awssdk.request\".level=DEBUG";

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        S3Servers.Endpoint rgw = S3Servers.rgw();
        if (rgw == null) {
            throw new IllegalStateException("set " + S3Servers.RGW_ENDPOINT_VARIABLE);
        }
        Path work = TestDirs.fresh("s3-bench");
        Git git = new Git(work.resolve("home"));
        Path src = work.resolve("src");
        git.ok(work, "init", "-q", "-b", "main", "src");
        git.runWithInput(src, Map.of(), CloneBenchmark.fastImportStream(commits), "fast-import", "--quiet").ok();
        git.ok(src, "reset", "-q", "--hard", "main");
        String bucket = "bench-" + Long.toString(System.nanoTime(), 36);
        rgw.createBucket(bucket);
        Map<String, String> env = rgw.gitfnEnv(bucket, "git");

        List<Long> cold = new ArrayList<>();
        List<Long> warm = new ArrayList<>();
        Path log = work.resolve("warm.log");
        try (ServerProcess server = new ServerProcess(log, with(env, work.resolve("cache-warm")), REQUEST_LOG)) {
            String url = server.url() + "bench/app.git";
            Http.createRepo(URI.create(server.url()), "bench/app");
            git.ok(src, "push", "-q", url, "main");
            git.ok(work, "clone", "-q", url, "probe");
            for (int i = 0; i < runs; i++) {
                Path cacheDir = work.resolve("cache-cold-" + i);
                try (ServerProcess fresh = new ServerProcess(work.resolve("cold-" + i + ".log"), with(env, cacheDir))) {
                    String coldUrl = fresh.url() + "bench/app.git";
                    cold.add(CloneBenchmark.time(() -> git.ok(work, "clone", "-q", coldUrl, next(work))));
                }
                warm.add(CloneBenchmark.time(() -> git.ok(work, "clone", "-q", url, next(work))));
            }

            long before = requests(log);
            git.ok(work.resolve("probe"), "fetch", "-q");
            long fetchRequests = requests(log) - before;
            git.commit(work.resolve("probe"), 1, "bench");
            before = requests(log);
            git.ok(work.resolve("probe"), "push", "-q", "origin", "main");
            long pushRequests = requests(log) - before;

            System.out.printf("repository: %d commits; medians of %d runs%n", commits, runs);
            System.out.printf("clone, cold cache (new instance): %6.0f ms%n", CloneBenchmark.median(cold));
            System.out.printf("clone, warm cache:                %6.0f ms   (cold/warm %.2f)%n",
                    CloneBenchmark.median(warm), CloneBenchmark.median(cold) / CloneBenchmark.median(warm));
            System.out.printf("S3 requests per no-op fetch: %d%n", fetchRequests);
            System.out.printf("S3 requests per one-commit push: %d%n", pushRequests);
        }
        CloneBenchmark.deleteTree(work);
    }

    private static int clones;

    private static String next(Path work) {
        return work.resolve("clone-" + clones++).toString();
    }

    private static Map<String, String> with(Map<String, String> env, Path cacheDir) {
        Map<String, String> all = new HashMap<>(env);
        all.put("GITFN_CACHE_DIR", cacheDir.toString());
        return all;
    }

    /** S3 requests the instance has sent so far, one "Sending Request" line each in the SDK's log. */
    private static long requests(Path log) throws Exception {
        Thread.sleep(300); // let the log catch up
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains("Sending Request")).count();
        }
    }
}
