package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.LambdaFunctionUrl;
import dev.gitfn.support.LambdaFunctionUrl.Invocation;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.StaticFileServer;
import dev.gitfn.support.TestDirs;

/**
 * gitfn as it runs on Lambda, rehearsed with real git through a loopback stand-in
 * for the function URL and the Web Adapter (request buffered and capped at 6 MB,
 * response streamed, 2 MB/s past 6 MB): clones and small pushes work; a push the
 * platform cannot take fails with its 413, a push over gitfn's own cap gets
 * gitfn's message naming where to push; and a clone's cost is measured through
 * the function and from the published area (the CDN's origin).
 * {@code -Dgitfn.it.lambda-clone-mb=100} measures the full-size clone.
 */
class LambdaRehearsalIT {
    private static final String ADMIN = "lambda-rehearsal-admin-token-0123456789ab";
    private static final String HINT = "push large files with Git LFS, or large histories to https://git.example.com/";

    @Test
    void gitThroughAFunctionUrl() throws Exception {
        Path work = TestDirs.fresh("lambda");
        Map<String, String> env = ServerProcess.folderStore(work, Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN,
                "GITFN_LIMITS_MAX_PACK_SIZE", "3M", "GITFN_LIMITS_PACK_TOO_LARGE_HINT", HINT,
                "GITFN_PUBLISH_FS_ROOT", work.resolve("published").toString()));
        Git git = new Git(work.resolve("home"));
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env);
                LambdaFunctionUrl function = new LambdaFunctionUrl(URI.create(gitfn.url()))) {
            String auth = "Bearer " + ADMIN;
            assertEquals(201, Http.createRepo(function.url(), auth, "team/app").statusCode());
            String url = function.url().replace("http://", "http://admin:" + ADMIN + "@") + "team/app.git";
            Path src = git.newRepo(work.resolve("src"), 5);
            git.ok(src, "push", url, "main");
            git.ok(work, "clone", "-q", url, work.resolve("clone").toString());
            git.ok(work.resolve("clone"), "fsck", "--strict");
            String before = git.lsRemote(work, url);

            // Beyond the platform's 6 MB event: refused before gitfn runs; git says HTTP 413.
            git.commitRandomFile(src, "huge.bin", 5 * 1024 * 1024);
            Git.Result huge = git.run(src, "push", url, "main");
            assertNotEquals(0, huge.exitCode());
            assertTrue(huge.err().contains("413"), huge.err());
            assertEquals(before, git.lsRemote(work, url), "nothing changed");
            git.ok(src, "reset", "-q", "--hard", "HEAD~1");

            // Within the platform's cap, beyond gitfn's: gitfn's own refusal, naming where to go.
            git.commitRandomFile(src, "large.bin", 3500 * 1024);
            Git.Result large = git.run(src, "push", url, "main");
            assertNotEquals(0, large.exitCode());
            assertTrue(large.err().contains("remote: this server accepts packs up to 3145728 bytes"), large.err());
            assertTrue(large.err().contains("remote: " + HINT), large.err());
            assertEquals(before, git.lsRemote(work, url), "nothing changed");
            git.ok(src, "reset", "-q", "--hard", "HEAD~1");

            // And a small push right after still lands.
            git.commit(src, 1, "small");
            git.ok(src, "push", url, "main");
            assertEquals(git.revParse(src, "main"), git.lsRemote(work, url).lines()
                    .filter(l -> l.endsWith("refs/heads/main")).findFirst().orElseThrow().split("\t")[0]);
        }
    }

    @Test
    void whatALargeCloneCostsThroughEachPath() throws Exception {
        int megabytes = Integer.getInteger("gitfn.it.lambda-clone-mb", 12);
        Path work = TestDirs.fresh("lambda-cost");
        Path published = java.nio.file.Files.createDirectories(work.resolve("published"));
        Git git = new Git(work.resolve("home"));
        try (StaticFileServer cdn = new StaticFileServer(published);
                ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), ServerProcess.folderStore(work,
                        Map.of("GITFN_AUTH_ADMIN_TOKEN", ADMIN, "GITFN_PUBLISH_FS_ROOT", published.toString(),
                                "GITFN_PUBLISH_BASE_URL", cdn.url())));
                LambdaFunctionUrl function = new LambdaFunctionUrl(URI.create(gitfn.url()))) {
            String auth = "Bearer " + ADMIN;
            assertEquals(201, Http.createRepo(gitfn.url(), auth, "team/big").statusCode());
            assertEquals(200, Http.putAccess(gitfn.url(), auth, "team/big", "{\"public\":true}").statusCode());
            Path src = git.newRepo(work.resolve("src"), 1);
            for (int i = 0; i < megabytes; i++) {
                git.commitRandomFile(src, "blob-" + i + ".bin", 1024 * 1024);
            }
            // Loaded directly (Knative or Kubernetes would take it; the function would not).
            git.ok(src, "push", gitfn.url().replace("http://", "http://admin:" + ADMIN + "@") + "team/big.git",
                    "main");

            long start = System.nanoTime();
            git.ok(work, "clone", "-q", function.url() + "team/big.git", work.resolve("via-function").toString());
            double functionWall = (System.nanoTime() - start) / 1e9;
            List<Invocation> calls = function.invocations();
            long functionBytes = calls.stream().mapToLong(Invocation::responseBytes).sum();
            double functionSeconds = calls.stream().mapToDouble(Invocation::lambdaSeconds).sum();

            start = System.nanoTime();
            git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone", "-q", cdn.url() + "team/big.git",
                    work.resolve("via-cdn").toString()).ok();
            double cdnWall = (System.nanoTime() - start) / 1e9;
            // The repository chooses the redirect: the function answers the first request with a
            // redirect, and git fetches everything from the published copy.
            assertEquals(200, Http.putAccess(gitfn.url(), auth, "team/big", "{\"public\":true,\"cdnRedirect\":true}")
                    .statusCode());
            int callsBefore = function.invocations().size();
            start = System.nanoTime();
            Git.Result redirected = git.run(work, Map.of(), "clone", "-q", function.url() + "team/big.git",
                    work.resolve("via-redirect").toString()).ok();
            double redirectWall = (System.nanoTime() - start) / 1e9;
            List<Invocation> redirectCalls = function.invocations().subList(callsBefore, function.invocations().size());
            assertEquals(1, redirectCalls.size(), "one invocation: " + redirectCalls + redirected.err());
            assertEquals(302, redirectCalls.get(0).status());
            assertTrue(redirectCalls.get(0).responseBytes() < 1024, redirectCalls.toString());
            // A private repository is never redirected, whatever its record says.
            assertEquals(200, Http.putAccess(gitfn.url(), auth, "team/big", "{\"public\":false}").statusCode());
            java.net.http.HttpResponse<String> privateAdvert = Http.send("GET",
                    URI.create(function.url() + "team/big.git/info/refs?service=git-upload-pack"),
                    Map.of("Authorization", Http.basic("admin", ADMIN)), null);
            assertEquals(200, privateAdvert.statusCode());
            assertTrue(privateAdvert.headers().firstValue("Location").isEmpty());

            for (String clone : List.of("via-function", "via-cdn", "via-redirect")) {
                git.ok(work.resolve(clone), "fsck", "--strict");
                assertEquals(git.revParse(src, "main"), git.revParse(work.resolve(clone), "main"), clone);
            }
            assertTrue(functionBytes > megabytes * 1024L * 1024, "the pack went through the function");
            double tail = Math.max(0, functionBytes - LambdaFunctionUrl.FULL_SPEED_BYTES)
                    / (double) LambdaFunctionUrl.TAIL_BYTES_PER_SECOND;
            assertTrue(functionSeconds >= tail, "Lambda's 2 MB/s past 6 MB is accounted");
            System.out.printf("lambda rehearsal, %d MB public repository:%n"
                    + "  through the function URL: %d invocations, %.1f MB streamed, %.2f s here, >= %.1f s billed "
                    + "on Lambda (2 MB/s past 6 MB)%n"
                    + "  from the published area (CDN origin): 0 invocations, %.2f s here%n"
                    + "  through the function URL with cdnRedirect: 1 invocation (302, %d bytes), %.2f s here%n",
                    megabytes, calls.size(), functionBytes / 1048576.0, functionWall, functionSeconds, cdnWall,
                    redirectCalls.get(0).responseBytes(), redirectWall);
        }
    }
}
