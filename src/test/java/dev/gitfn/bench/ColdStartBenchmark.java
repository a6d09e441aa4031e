package dev.gitfn.bench;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * A fresh process, as a scaled-to-zero Knative revision or a new Lambda environment
 * meets its first request: time from process start to its first answered
 * {@code git ls-remote}, and to its first full clone (with an empty cache), on
 * Java 17 and Java 25, each plain and with the class-data cache that JVM offers
 * (AppCDS archive on 17, the JEP 483/514 AOT cache on 25), trained by one run that
 * clones and pushes. Medians; run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>
 * java -cp target/test-classes:target/quarkus-app/lib/main/* dev.gitfn.bench.ColdStartBenchmark \
 *     [--java25 /usr/lib/jvm/temurin-25-jdk-amd64] [--runs 5] [--commits 3000]
 * </pre>
 */
public final class ColdStartBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int runs = Integer.parseInt(opts.getOrDefault("runs", "5"));
        String java17 = System.getProperty("java.home");
        String java25 = opts.getOrDefault("java25", "/usr/lib/jvm/temurin-25-jdk-amd64");
        Path work = TestDirs.fresh("cold-bench");
        Git git = new Git(work.resolve("home"));
        Path src = CloneBenchmark.importHistory(git, work, Integer.parseInt(opts.getOrDefault("commits", "3000")));
        Map<String, String> store = Map.of("GITFN_FS_ROOT", work.resolve("store").toString(),
                "GITFN_MAINTENANCE_PACK_THRESHOLD", "0");
        // The store, loaded once (and compacted, as maintenance leaves it).
        try (ServerProcess loader = new ServerProcess(work.resolve("load.log"), with(store, work.resolve("cache-load")))) {
            Http.createRepo(URI.create(loader.url()), "bench/app");
            git.ok(src, "push", "-q", loader.url() + "bench/app.git", "main");
            Http.json("POST", URI.create(loader.url() + "api/repos/bench/app/-/maintenance?mode=full"), null, "");
        }

        Path jsa = work.resolve("gitfn-17.jsa");
        Path aot = work.resolve("gitfn-25.aot");
        train(git, work, store, java17, "-XX:ArchiveClassesAtExit=" + jsa);
        train(git, work, store, java25, "-XX:AOTCacheOutput=" + aot);

        Map<String, String[]> variants = new LinkedHashMap<>();
        variants.put("Java 17", new String[] { java17 });
        variants.put("Java 17 + AppCDS", new String[] { java17, "-XX:SharedArchiveFile=" + jsa });
        variants.put("Java 25", new String[] { java25 });
        variants.put("Java 25 + AOT cache", new String[] { java25, "-XX:AOTCache=" + aot });
        System.out.printf("%-22s %16s %16s   (medians of %d, ms from process start)%n", "launch",
                "first ls-remote", "first clone", runs);
        for (var variant : variants.entrySet()) {
            List<Long> lsRemote = new ArrayList<>();
            List<Long> clone = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                long[] t = coldStart(git, work, store, variant.getValue());
                lsRemote.add(t[0]);
                clone.add(t[1]);
            }
            System.out.printf("%-22s %16.0f %16.0f%n", variant.getKey(), CloneBenchmark.median(lsRemote),
                    CloneBenchmark.median(clone));
        }
        System.out.printf("archive sizes: AppCDS %d MB, AOT cache %d MB%n", Files.size(jsa) >> 20,
                Files.size(aot) >> 20);
    }

    private static int counter;

    /** One run that serves a clone and a push, then exits, so the JVM writes its cache. */
    private static void train(Git git, Path work, Map<String, String> store, String javaHome, String option)
            throws Exception {
        System.setProperty("gitfn.server.java", javaHome);
        try (ServerProcess server = new ServerProcess(work.resolve("train-" + counter + ".log"),
                with(store, work.resolve("cache-train-" + counter++)), option)) {
            Path clone = work.resolve("train-clone-" + counter);
            git.ok(work, "clone", "-q", server.url() + "bench/app.git", clone.toString());
            git.commit(clone, 1, "train");
            git.ok(clone, "push", "-q", "origin", "HEAD:refs/heads/train-" + counter);
            git.ok(clone, "push", "-q", "origin", ":refs/heads/train-" + counter);
            git.ok(work, "ls-remote", server.url() + "bench/app.git");
        }
    }

    /** ms from process start to its first ls-remote answered, and to its first clone done. */
    private static long[] coldStart(Git git, Path work, Map<String, String> store, String[] launch)
            throws Exception {
        System.setProperty("gitfn.server.java", launch[0]);
        String[] jvm = java.util.Arrays.copyOfRange(launch, 1, launch.length);
        long start = System.nanoTime();
        try (ServerProcess server = new ServerProcess(work.resolve("cold-" + counter + ".log"),
                with(store, work.resolve("cache-cold-" + counter++)), jvm)) {
            git.ok(work, "ls-remote", server.url() + "bench/app.git");
            long lsRemote = (System.nanoTime() - start) / 1_000_000;
            git.ok(work, "clone", "-q", "--bare", server.url() + "bench/app.git",
                    work.resolve("cold-clone-" + counter).toString());
            return new long[] { lsRemote, (System.nanoTime() - start) / 1_000_000 };
        }
    }

    private static Map<String, String> with(Map<String, String> env, Path cacheDir) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("GITFN_CACHE_DIR", cacheDir.toString());
        return all;
    }
}
