package dev.gitfn.bench;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.gitfn.support.Git;
import dev.gitfn.support.GitHttpBackend;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * The WebSocket tunnel against smart HTTP on the same gitfn instance and
 * against git's own {@code git http-backend}, in one run, on one repository,
 * with one git client; plus the helper's own start-up cost. Prints medians
 * and ratios (tunnel / other; below 1 means the tunnel is faster). Run after
 * {@code ./mvnw package -DskipTests}:
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.TunnelBenchmark [commits] [runs]</pre>
 */
public final class TunnelBenchmark {

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path work = TestDirs.fresh("bench-tunnel");
        Git git = new Git(work.resolve("home"));
        Path src = CloneBenchmark.importHistory(git, work, commits);
        Path backendRoot = CloneBenchmark.backendRoot(git, work, src);

        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of()));
                GitHttpBackend backend = new GitHttpBackend(backendRoot)) {
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            String http = gitfn.url() + "bench/app.git";
            String ws = http.replace("http://", "ws://");
            String backendUrl = backend.url() + "bench/app.git";
            git.ok(src, "push", "-q", http, "main");
            System.out.printf("repository: %d commits; medians of %d runs, ms%n", commits, runs);
            System.out.printf("%-22s %8s %10s %13s %12s %14s%n", "operation", "tunnel", "smart HTTP",
                    "http-backend", "tunnel/HTTP", "tunnel/backend");

            int[] counter = {0};
            Supplier<String> next = () -> work.resolve("c" + counter[0]++).toString();
            row("clone (v2)", runs,
                    () -> git.ok(work, "clone", "-q", ws, next.get()),
                    () -> git.ok(work, "clone", "-q", http, next.get()),
                    () -> git.ok(work, "clone", "-q", backendUrl, next.get()));
            row("clone (v0)", runs,
                    () -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", ws, next.get()),
                    () -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", http, next.get()),
                    () -> git.ok(work, "-c", "protocol.version=0", "clone", "-q", backendUrl, next.get()));
            row("ls-remote", runs,
                    () -> git.ok(work, "ls-remote", ws),
                    () -> git.ok(work, "ls-remote", http),
                    () -> git.ok(work, "ls-remote", backendUrl));

            // The helper alone: a JVM that starts, answers git's first command and exits.
            List<Long> startup = new ArrayList<>();
            for (int i = 0; i < runs + 1; i++) {
                long t = CloneBenchmark.time(() -> {
                    try {
                        new ProcessBuilder(Git.HELPER_DIR.resolve("git-remote-ws").toString(), "origin", ws)
                                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                                .start().waitFor();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                if (i > 0) {
                    startup.add(t);
                }
            }
            System.out.printf("git-remote-ws start-up and exit (JVM, no connection): %.0f ms median%n",
                    CloneBenchmark.median(startup));
        }
        CloneBenchmark.deleteTree(work);
    }

    private static void row(String name, int runs, Runnable tunnel, Runnable http, Runnable backend) {
        tunnel.run(); // warm-up, not counted
        http.run();
        backend.run();
        List<Long> a = new ArrayList<>();
        List<Long> b = new ArrayList<>();
        List<Long> c = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            // Rotate the order, so none always meets a warmer machine.
            Runnable[] order = {tunnel, http, backend};
            for (int k = 0; k < 3; k++) {
                int which = (i + k) % 3;
                long t = CloneBenchmark.time(order[which]);
                (which == 0 ? a : which == 1 ? b : c).add(t);
            }
        }
        double ma = CloneBenchmark.median(a);
        double mb = CloneBenchmark.median(b);
        double mc = CloneBenchmark.median(c);
        System.out.printf("%-22s %8.0f %10.0f %13.0f %12.2f %14.2f%n", name, ma, mb, mc, ma / mb, ma / mc);
    }
}
