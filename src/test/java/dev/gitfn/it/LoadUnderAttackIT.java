package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Pushes and clones (smart HTTP and the tunnel) keep going for a while as
 * hostile requests arrive alongside them: every hostile request gets its 4xx
 * or ERR, no legitimate operation fails, and at the end every accepted push is
 * present and a mirror passes {@code git fsck --strict}.
 */
class LoadUnderAttackIT {
    private static final String ADMIN = "load-admin-token-0123456789abcdefghij";
    private static final long RUN_MILLIS = 30_000;

    @Test
    void pushAndCloneUnderHostileTraffic() throws Exception {
        Path work = TestDirs.fresh("load");
        try (ServerProcess server = new ServerProcess(work.resolve("server.log"),
                ServerProcess.folderStore(work, Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN)))) {
            URI api = URI.create(server.url());
            String admin = "Bearer " + ADMIN;
            assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin, "{\"name\":\"load/app\"}")
                    .statusCode());
            assertEquals(201, Http.json("POST", api.resolve("/api/users"), admin, "{\"name\":\"dev\"}").statusCode());
            String token = Http.json("POST", api.resolve("/api/users/dev/tokens"), admin, null).body()
                    .replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
            assertEquals(200, Http.json("PUT", api.resolve("/api/repos/load/app/-/access"), admin,
                    "{\"public\":false,\"read\":[],\"write\":[\"dev\"]}").statusCode());
            String http = server.url().replace("http://", "http://dev:" + token + "@") + "load/app.git";
            String ws = http.replace("http://", "ws://");

            Git git = new Git(work.resolve("home"));
            Path seed = git.newRepo(work.resolve("seed"), 2);
            git.ok(seed, "push", http, "main");

            long deadline = System.currentTimeMillis() + RUN_MILLIS;
            Map<String, List<String>> accepted = new ConcurrentHashMap<>();
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger clones = new AtomicInteger();
            AtomicInteger hostile = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> jobs = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                String branch = "pusher-" + p;
                String url = p % 2 == 0 ? http : ws;
                jobs.add(pool.submit(() -> {
                    Path clone = work.resolve(branch);
                    git.ok(work, "clone", "-q", http, clone.toString());
                    git.ok(clone, "checkout", "-q", "-b", branch);
                    List<String> mine = new ArrayList<>();
                    accepted.put(branch, mine);
                    while (System.currentTimeMillis() < deadline) {
                        git.commit(clone, 1, branch);
                        Git.Result push = git.run(clone, "push", "-q", url, branch);
                        if (push.exitCode() == 0) {
                            mine.add(git.revParse(clone, "HEAD"));
                        } else {
                            failures.add(branch + " push failed: " + push.err());
                        }
                    }
                }));
            }
            for (int c = 0; c < 2; c++) {
                String url = c == 0 ? http : ws;
                jobs.add(pool.submit(() -> {
                    while (System.currentTimeMillis() < deadline) {
                        Path clone = work.resolve("clone-" + clones.incrementAndGet());
                        Git.Result r = git.run(work, "clone", "-q", url, clone.toString());
                        if (r.exitCode() != 0) {
                            failures.add("clone failed: " + r.err());
                        }
                    }
                }));
            }
            for (int h = 0; h < 3; h++) {
                int offset = h;
                jobs.add(pool.submit(() -> {
                    int i = offset;
                    while (System.currentTimeMillis() < deadline) {
                        String refused = hostileRequest(server.url(), token, i++);
                        hostile.incrementAndGet();
                        if (refused != null) {
                            failures.add(refused);
                        }
                    }
                }));
            }
            for (Future<?> job : jobs) {
                job.get(RUN_MILLIS + 240_000, TimeUnit.MILLISECONDS);
            }
            pool.shutdown();

            assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.get(0));
            Path mirror = work.resolve("mirror.git");
            git.ok(work, "clone", "-q", "--mirror", http, mirror.toString());
            git.ok(mirror, "fsck", "--strict");
            int pushes = 0;
            for (Map.Entry<String, List<String>> branch : accepted.entrySet()) {
                List<String> commits = branch.getValue();
                assertTrue(commits.size() > 0, branch.getKey() + " pushed nothing");
                pushes += commits.size();
                assertEquals(commits.get(commits.size() - 1), git.revParse(mirror, branch.getKey()));
                for (String commit : commits) {
                    git.ok(mirror, "merge-base", "--is-ancestor", commit, branch.getKey());
                }
            }
            System.out.printf("load: %d accepted pushes, %d clones, %d hostile requests refused%n", pushes,
                    clones.get(), hostile.get());
        }
    }

    /** Sends one hostile request; null when it was refused as it should be, else what went wrong. */
    private static String hostileRequest(String base, String token, int i) {
        String repo = base + "load/app.git";
        Map<String, String> upload = Map.of("Content-Type", "application/x-git-upload-pack-request",
                "Authorization", Http.basic("dev", token));
        Map<String, String> receive = Map.of("Content-Type", "application/x-git-receive-pack-request",
                "Authorization", Http.basic("dev", token));
        HttpResponse<String> r;
        String what;
        switch (i % 7) {
            case 0 -> {
                what = "wrong token";
                r = Http.send("GET", URI.create(repo + "/info/refs?service=git-upload-pack"),
                        Map.of("Authorization", Http.basic("dev", "gfn_wrong")), null);
            }
            case 1 -> {
                what = "path traversal";
                r = Http.send("GET", URI.create(base + "load/%2e%2e/%2e%2e/etc.git/info/refs?service=git-upload-pack"),
                        Map.of("Authorization", Http.basic("dev", token)), null);
            }
            case 2 -> {
                what = "lying pkt-line length";
                r = Http.send("POST", URI.create(repo + "/git-upload-pack"), upload, "ffffwant".getBytes());
            }
            case 3 -> {
                what = "truncated pack";
                String zero = "0".repeat(40);
                String cmd = zero + " " + "1".repeat(40) + " refs/heads/evil\0report-status\n";
                byte[] body = (String.format("%04x", cmd.length() + 4) + cmd + "0000PACK\0\0\0\2\0\0\0\7junk")
                        .getBytes(StandardCharsets.ISO_8859_1);
                r = Http.send("POST", URI.create(repo + "/git-receive-pack"), receive, body);
            }
            case 4 -> {
                what = "gzip bomb";
                r = Http.send("POST", URI.create(repo + "/git-upload-pack"),
                        Map.of("Content-Type", "application/x-git-upload-pack-request", "Content-Encoding", "gzip",
                                "Authorization", Http.basic("dev", token)), bomb());
            }
            case 5 -> {
                what = "anonymous push";
                r = Http.send("POST", URI.create(repo + "/git-receive-pack"),
                        Map.of("Content-Type", "application/x-git-receive-pack-request"), "0000".getBytes());
            }
            default -> {
                what = "admin API without admin";
                r = Http.json("POST", URI.create(base + "api/users"), Http.basic("dev", token), "{\"name\":\"x\"}");
            }
        }
        boolean refused = (r.statusCode() >= 400 && r.statusCode() < 500) || r.body().contains("ERR ")
                || r.body().contains("unpack ") || r.body().contains("ng refs/heads/evil");
        return refused ? null : what + " was not refused: " + r.statusCode() + " " + r.body();
    }

    private static byte[] bomb() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                gz.write(zeros); // 100 MB of zeros: ~100 KB on the wire
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
