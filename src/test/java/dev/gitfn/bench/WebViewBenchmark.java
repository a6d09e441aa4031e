package dev.gitfn.bench;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import dev.gitfn.support.Git;
import dev.gitfn.support.Gitweb;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerCpu;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * The web view's pages beside git's own {@code gitweb} (CGI under lighttpd) on the
 * benchmark's repository, in one run: each page of gitfn against gitweb's page that shows
 * the same (100 commits a page on both), alternating, warm, with medians, the ratio
 * gitfn / gitweb (below 1: gitfn faster) and each server's CPU per page. Run (after
 * {@code ./mvnw package -DskipTests}):
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.WebViewBenchmark [commits] [runs]</pre>
 */
public final class WebViewBenchmark {

    record PagePair(String name, String gitfn, String gitweb) {
    }

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        if (!Gitweb.available()) {
            throw new IllegalStateException("needs Debian's gitweb and lighttpd (apt-get install gitweb lighttpd)");
        }
        Path work = TestDirs.fresh("bench-web");
        Git git = new Git(work.resolve("home"));
        Path src = CloneBenchmark.importHistory(git, work, commits);
        String tip = git.revParse(src, "main");
        String middle = git.revParse(src, "main~" + commits / 2);
        Path root = CloneBenchmark.backendRoot(git, work, src);
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of("GITFN_WEB_COMMITS_PER_PAGE", "100")), "-Xmx256m");
                Gitweb gitweb = new Gitweb(root)) {
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            git.ok(src, "push", "-q", gitfn.url() + "bench/app.git", "main");
            String p = "?p=bench/app.git;";
            List<PagePair> pages = List.of(
                    new PagePair("repository list", "", ""),
                    new PagePair("repository page", "bench/app", p + "a=summary"),
                    new PagePair("tree at main", "bench/app/tree/main", p + "a=tree;hb=main"),
                    new PagePair("file at main", "bench/app/blob/main/dir1/file-1.txt",
                            p + "a=blob;f=dir1/file-1.txt;hb=main"),
                    new PagePair("log, first 100", "bench/app/commits/main", p + "a=shortlog;h=main"),
                    new PagePair("log, commits 1001-1100", "bench/app/commits/main?page=11",
                            p + "a=shortlog;h=main;pg=10"),
                    new PagePair("a file's history", "bench/app/commits/main/dir1/file-1.txt",
                            p + "a=history;f=dir1/file-1.txt;hb=main"),
                    new PagePair("commit with diff (tip)", "bench/app/commit/" + tip, p + "a=commitdiff;h=" + tip),
                    new PagePair("commit with diff (middle)", "bench/app/commit/" + middle,
                            p + "a=commitdiff;h=" + middle));
            System.out.printf("repository: %d commits; %d runs per page, alternating, warm%n", commits, runs);
            System.out.printf("%-26s %9s %10s %7s %12s %13s%n", "page", "gitfn ms", "gitweb ms", "ratio",
                    "gitfn CPU ms", "gitweb CPU ms");
            for (PagePair page : pages) {
                String a = gitfn.url() + page.gitfn();
                String b = gitweb.url() + page.gitweb();
                for (int i = 0; i < 3; i++) { // warm both (JIT, caches)
                    fetch(a);
                    fetch(b);
                }
                List<Double> ta = new ArrayList<>();
                List<Double> tb = new ArrayList<>();
                long cpuA = 0;
                long cpuB = 0;
                for (int i = 0; i < runs; i++) {
                    boolean gitfnFirst = i % 2 == 0;
                    for (int k = 0; k < 2; k++) {
                        boolean isA = (k == 0) == gitfnFirst;
                        LongSupplier cpu = isA ? () -> ServerCpu.ownMillis(gitfn.pid()) : gitweb::cpuMillis;
                        long c0 = cpu.getAsLong();
                        long t0 = System.nanoTime();
                        fetch(isA ? a : b);
                        double ms = (System.nanoTime() - t0) / 1e6;
                        long c = cpu.getAsLong() - c0;
                        if (isA) {
                            ta.add(ms);
                            cpuA += c;
                        } else {
                            tb.add(ms);
                            cpuB += c;
                        }
                    }
                }
                double ma = median(ta);
                double mb = median(tb);
                System.out.printf("%-26s %9.1f %10.1f %7.2f %12.1f %13.1f%n", page.name(), ma, mb, ma / mb,
                        (double) cpuA / runs, (double) cpuB / runs);
            }
        }
        CloneBenchmark.deleteTree(work);
    }

    private static void fetch(String url) {
        HttpResponse<String> r = Http.get(URI.create(url));
        if (r.statusCode() != 200 || r.body().length() < 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
    }
}
