package dev.gitfn.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpServer;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * How soon a push event reaches a webhook: one-commit pushes with the real git client to
 * the benchmark's repository, a receiver on loopback that checks each signature, and the
 * time from the start of {@code git push} (and from its end) to the event's arrival.
 * Run (after {@code ./mvnw package -DskipTests}):
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.PushEventsBenchmark [commits] [pushes]</pre>
 */
public final class PushEventsBenchmark {
    record Arrival(long nanos, boolean signed, String body) {
    }

    public static void main(String[] args) throws Exception {
        int commits = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        int pushes = args.length > 1 ? Integer.parseInt(args[1]) : 21;
        Path work = TestDirs.fresh("bench-events");
        Git git = new Git(work.resolve("home"));
        Path src = CloneBenchmark.importHistory(git, work, commits);
        String secret = "bench-secret";
        LinkedBlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            long at = System.nanoTime();
            byte[] body = exchange.getRequestBody().readAllBytes();
            String signature = exchange.getRequestHeaders().getFirst("X-Gitfn-Signature-256");
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            arrivals.add(new Arrival(at, ("sha256=" + hmac(secret, body)).equals(signature),
                    new String(body, StandardCharsets.UTF_8)));
        });
        receiver.start();
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"),
                ServerProcess.folderStore(work, Map.of("GITFN_WEBHOOKS_ALLOW_LOOPBACK", "true")), "-Xmx256m")) {
            if (Http.createRepo(URI.create(gitfn.url()), "bench/app") != 201) {
                throw new IllegalStateException("cannot create the benchmark repository");
            }
            String url = gitfn.url() + "bench/app.git";
            git.ok(src, "push", "-q", url, "main");
            HttpResponse<String> hook = Http.json("POST", URI.create(gitfn.url() + "api/repos/bench/app/-/hooks"), null,
                    "{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\",\"secret\":\""
                            + secret + "\"}");
            if (hook.statusCode() != 201) {
                throw new IllegalStateException("cannot add the hook: " + hook.body());
            }
            List<Double> push = new ArrayList<>();
            List<Double> fromStart = new ArrayList<>();
            List<Double> fromEnd = new ArrayList<>();
            for (int i = 0; i <= pushes; i++) {
                git.commit(src, 1, "event-" + i);
                String tip = git.revParse(src, "main");
                long t0 = System.nanoTime();
                git.ok(src, "push", "-q", url, "main");
                long t1 = System.nanoTime();
                Arrival a = arrivals.poll(30, TimeUnit.SECONDS);
                if (a == null || !a.signed() || !a.body().contains(tip)) {
                    throw new IllegalStateException("push " + i + ": no signed event for " + tip + ": " + a);
                }
                if (i == 0) {
                    continue; // warm-up
                }
                push.add((t1 - t0) / 1e6);
                fromStart.add((a.nanos() - t0) / 1e6);
                fromEnd.add((a.nanos() - t1) / 1e6);
            }
            System.out.printf("repository: %d commits; %d one-commit pushes, each event signed and checked%n",
                    commits, pushes);
            System.out.printf("%-40s %8s %8s%n", "", "median", "p90");
            row("git push (whole command)", push);
            row("event arrival after the push started", fromStart);
            row("event arrival after git push ended", fromEnd);
        } finally {
            receiver.stop(0);
        }
        CloneBenchmark.deleteTree(work);
    }

    private static void row(String name, List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        System.out.printf("%-40s %8.1f %8.1f%n", name, sorted.get(sorted.size() / 2),
                sorted.get((int) Math.ceil(sorted.size() * 0.9) - 1));
    }

    private static String hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
