package dev.gitfn.bench;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Whether a wrong password says if the user name exists: the time gitfn takes to refuse
 * a wrong token for a user that exists (with several tokens) against one for a name no
 * user has, alternated request by request on one server, medians and their ratio. Run
 * after {@code ./mvnw package -DskipTests}:
 *
 * <pre>java -cp target/test-classes dev.gitfn.bench.RefusalTimingBenchmark [requests] [cache-ttl]</pre>
 */
public final class RefusalTimingBenchmark {
    private static final String ADMIN = "refusal-bench-admin-0123456789abcdef";

    public static void main(String[] args) throws Exception {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        String ttl = args.length > 1 ? args[1] : "5s";
        Path work = TestDirs.fresh("bench-refusal");
        try (ServerProcess server = new ServerProcess(work.resolve("gitfn.log"), ServerProcess.folderStore(work,
                Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN, "GITFN_AUTH_CACHE_TTL", ttl,
                        "GITFN_AUTH_MAX_FAILURES", "100000000", "GITFN_AUTH_FAILURE_BACKOFF", "0s",
                        "GITFN_LIMITS_MAX_REQUESTS_PER_CLIENT", "1000")))) {
            URI api = URI.create(server.url());
            String admin = "Bearer " + ADMIN;
            Http.createRepo(server.url(), admin, "bench/private");
            Http.newUserToken(api, admin, "alice");
            for (int i = 0; i < 4; i++) { // a user with several tokens: the check looks at each
                Http.json("POST", api.resolve("/api/users/alice/tokens"), admin, null);
            }
            URI infoRefs = api.resolve("/bench/private.git/info/refs?service=git-upload-pack");
            String known = Http.basic("alice", "gfn_not-alices-token-000000000000");
            String unknown = Http.basic("nobody-by-this-name", "gfn_not-alices-token-000000000000");
            List<Long> knownNanos = new ArrayList<>();
            List<Long> unknownNanos = new ArrayList<>();
            for (int i = 0; i < requests / 10; i++) { // warm up both paths
                refuse(infoRefs, known);
                refuse(infoRefs, unknown);
            }
            for (int i = 0; i < requests; i++) {
                boolean knownFirst = i % 2 == 0;
                long a = refuse(infoRefs, knownFirst ? known : unknown);
                long b = refuse(infoRefs, knownFirst ? unknown : known);
                knownNanos.add(knownFirst ? a : b);
                unknownNanos.add(knownFirst ? b : a);
            }
            double k = CloneBenchmark.median(knownNanos) / 1e6;
            double u = CloneBenchmark.median(unknownNanos) / 1e6;
            System.out.printf("refusals of a wrong token, medians of %d alternated, auth cache TTL %s:%n", requests, ttl);
            System.out.printf("  known user   %.3f ms%n  unknown user %.3f ms%n  known/unknown %.3f%n", k, u, k / u);
        }
    }

    private static long refuse(URI uri, String authorization) {
        long start = System.nanoTime();
        HttpResponse<String> r = Http.send("GET", uri, Map.of("Authorization", authorization), null);
        long took = System.nanoTime() - start;
        if (r.statusCode() != 401) {
            throw new IllegalStateException("expected 401, got " + r.statusCode() + " " + r.body());
        }
        return took;
    }
}
