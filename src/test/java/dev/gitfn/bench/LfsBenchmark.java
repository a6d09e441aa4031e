package dev.gitfn.bench;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerCpu;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * What large files cost gitfn: the same bytes pushed and cloned as Git LFS objects and as
 * ordinary git objects, through one gitfn, with the real git and git-lfs. Printed per path:
 * the client's wall time, gitfn's CPU time (from /proc) and the bytes gitfn itself received
 * and sent (its metrics), medians of the runs. On the S3 store (Ceph RGW named by
 * {@code GITFN_TEST_RGW_ENDPOINT}) LFS bytes go straight to the bucket by presigned URLs; on
 * the folder store gitfn moves them itself. Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>GITFN_TEST_RGW_ENDPOINT=http://127.0.0.1:17480 java -cp target/test-classes:target/quarkus-app/lib/main/* dev.gitfn.bench.LfsBenchmark [megabytes=1024] [files=8] [runs=3]</pre>
 *
 * RGW does not check an upload's SHA-256, so gitfn hashes each object once at verify (it
 * reads the object back from the bucket); {@code -Dlfs.store-checks-sha256=true} measures
 * what a store that checks it (AWS S3) leaves to gitfn.
 */
public final class LfsBenchmark {
    private static final String ADMIN = "lfs-benchmark-admin-token-0123456789abcdef";

    private LfsBenchmark() {
    }

    /** One measured step: wall time, gitfn CPU, bytes through gitfn. */
    record Cost(long wallMs, long cpuMs, double gitfnBytes) {
    }

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path work = TestDirs.fresh("lfs-bench");
        S3Servers.Endpoint rgw = S3Servers.rgw();
        Map<String, String> env = new HashMap<>();
        if (rgw != null) {
            String bucket = "lfs-bench-" + Long.toString(System.nanoTime(), 36);
            rgw.createBucket(bucket);
            env.putAll(rgw.gitfnEnv(bucket, "git"));
            env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
        } else {
            env.putAll(ServerProcess.folderStore(work, Map.of()));
        }
        env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        env.put("GITFN_LFS_MAX_OBJECT_SIZE", "10G");
        boolean storeChecks = Boolean.getBoolean("lfs.store-checks-sha256");
        env.put("GITFN_LFS_STORE_CHECKS_SHA256", Boolean.toString(storeChecks));
        env.put("GITFN_MAINTENANCE_PACK_THRESHOLD", "0"); // no background compaction inside the measurements

        Git git = new Git(work.resolve("home"));
        git.ok(work, "config", "--global", "credential.helper",
                "!f() { echo username=admin; echo password=" + ADMIN + "; }; f");
        git.ok(work, "config", "--global", "lfs.locksverify", "false");
        git.ok(work, "config", "--global", "lfs.concurrenttransfers", "8");
        git.ok(work, "lfs", "install", "--skip-repo");
        // The same random (incompressible) bytes in both working trees.
        Path plain = work.resolve("src-git");
        Path lfs = work.resolve("src-lfs");
        git.ok(work, "init", "-q", "-b", "main", plain.toString());
        git.ok(work, "init", "-q", "-b", "main", lfs.toString());
        git.ok(lfs, "lfs", "track", "*.bin");
        long perFile = (long) megabytes * 1024 * 1024 / files;
        Random random = new Random(1);
        byte[] buffer = new byte[1024 * 1024];
        for (int f = 0; f < files; f++) {
            Path file = plain.resolve("data-" + f + ".bin");
            try (OutputStream out = Files.newOutputStream(file)) {
                for (long left = perFile; left > 0; left -= buffer.length) {
                    random.nextBytes(buffer);
                    out.write(buffer, 0, (int) Math.min(left, buffer.length));
                }
            }
            Files.copy(file, lfs.resolve(file.getFileName()));
        }
        git.ok(plain, "add", ".");
        git.ok(plain, "commit", "-q", "-m", "data");
        git.ok(lfs, "add", ".");
        git.ok(lfs, "commit", "-q", "-m", "data");

        Map<String, List<Cost>> costs = new java.util.LinkedHashMap<>();
        try (ServerProcess server = new ServerProcess(work.resolve("gitfn.log"), env)) {
            String auth = "Bearer " + ADMIN;
            for (int run = 0; run < runs; run++) {
                for (String kind : List.of("lfs", "git")) {
                    String repo = "bench/" + kind + "-" + run;
                    if (Http.createRepo(server.url(), auth, repo).statusCode() != 201) {
                        throw new IllegalStateException("could not create " + repo);
                    }
                    String url = server.url() + repo + ".git";
                    Path src = kind.equals("lfs") ? lfs : plain;
                    costs.computeIfAbsent(kind + " push", k -> new ArrayList<>())
                            .add(measure(server, () -> git.ok(src, "push", "-q", url, "main")));
                    Path clone = work.resolve("clone-" + kind + "-" + run);
                    costs.computeIfAbsent(kind + " clone", k -> new ArrayList<>())
                            .add(measure(server, () -> git.ok(work, "clone", "-q", url, clone.toString())));
                    if (Files.size(clone.resolve("data-0.bin")) != perFile) { // a pointer, not the bytes
                        throw new IllegalStateException(kind + " clone has " + Files.size(clone.resolve("data-0.bin"))
                                + " bytes in data-0.bin, not " + perFile);
                    }
                    CloneBenchmark.deleteTree(clone);
                }
            }
        }
        System.out.printf("%d MiB in %d files, %s store%s, medians of %d runs%n", megabytes, files,
                rgw != null ? "S3 (Ceph RGW)" : "folder", storeChecks ? " (store checks SHA-256)" : "", runs);
        System.out.printf("%-10s %10s %12s %16s%n", "", "wall ms", "gitfn CPU ms", "gitfn bytes");
        for (var entry : costs.entrySet()) {
            List<Cost> c = entry.getValue();
            System.out.printf("%-10s %10.0f %12.0f %16.0f%n", entry.getKey(),
                    CloneBenchmark.median(c.stream().map(Cost::wallMs).toList()),
                    CloneBenchmark.median(c.stream().map(Cost::cpuMs).toList()),
                    median(c.stream().map(Cost::gitfnBytes).toList()));
        }
        for (String step : List.of("push", "clone")) {
            double lfsCpu = CloneBenchmark.median(costs.get("lfs " + step).stream().map(Cost::cpuMs).toList());
            double gitCpu = CloneBenchmark.median(costs.get("git " + step).stream().map(Cost::cpuMs).toList());
            double lfsWall = CloneBenchmark.median(costs.get("lfs " + step).stream().map(Cost::wallMs).toList());
            double gitWall = CloneBenchmark.median(costs.get("git " + step).stream().map(Cost::wallMs).toList());
            System.out.printf("%s: LFS/git wall %.2f, gitfn CPU %.3f%n", step, lfsWall / gitWall, lfsCpu / gitCpu);
        }
        CloneBenchmark.deleteTree(work);
    }

    private static Cost measure(ServerProcess server, Runnable step) {
        long cpu = ServerCpu.ownMillis(server.pid());
        double bytes = gitfnBytes(server);
        long wall = CloneBenchmark.time(step);
        return new Cost(wall, ServerCpu.ownMillis(server.pid()) - cpu, gitfnBytes(server) - bytes);
    }

    /** Request and response bytes gitfn itself has moved so far, from its metrics. */
    private static double gitfnBytes(ServerProcess server) {
        double total = 0;
        for (String line : Http.get(URI.create(server.managementUrl() + "q/metrics")).body().split("\n")) {
            if (line.startsWith("gitfn_received_bytes_total") || line.startsWith("gitfn_sent_bytes_total")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
