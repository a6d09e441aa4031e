package dev.gitfn.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TunnelProbe;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The line for pack work over the real port: with one slot, taken by an open
 * fetch tunnel, an upload-pack request waits its bounded time and gets 503 with
 * {@code Retry-After}, while requests that build no pack go on; once the tunnel
 * closes, fetches work again.
 */
@QuarkusTest
@TestProfile(PackQueueTest.OneSlot.class)
class PackQueueTest {
    public static class OneSlot implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.limits.max-concurrent-packs", "1", "gitfn.limits.pack-queue-wait", "1s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void fetchesBeyondTheSlotsWaitThenGet503AndOthersGoOn() throws Exception {
        Path work = TestDirs.fresh("pack-queue");
        Git git = new Git(work.resolve("home"));
        String repo = TestDirs.repoName("queue/app-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), repo));
        Path src = git.newRepo(work.resolve("src"), 2);
        String url = base + repo + ".git";
        git.ok(src, "push", url, "main");
        byte[] lsRefs = ("0014command=ls-refs\n0000").getBytes(StandardCharsets.US_ASCII);
        Map<String, String> v2 = Map.of("Content-Type", "application/x-git-upload-pack-request",
                "Git-Protocol", "version=2");

        try (TunnelProbe held = TunnelProbe.open(TunnelProbe.endpoint(base.toString(), repo,
                "service=git-upload-pack&version=2"))) {
            held.awaitFirstFrame(10);
            HttpResponse<String> busy = Http.send("POST", URI.create(url + "/git-upload-pack"), v2, lsRefs);
            assertEquals(503, busy.statusCode(), busy.body());
            assertEquals("5", busy.headers().firstValue("Retry-After").orElse(null));
            assertTrue(busy.body().contains("gitfn.limits.max-concurrent-packs"), busy.body());
            // What builds no pack is not held up: the advertisement, and pushes.
            assertEquals(200, Http.get(URI.create(url + "/info/refs?service=git-upload-pack")).statusCode());
            git.commit(src, 1, "during");
            git.ok(src, "push", url, "main");
        }
        long deadline = System.currentTimeMillis() + 10_000;
        int status;
        do {
            status = Http.send("POST", URI.create(url + "/git-upload-pack"), v2, lsRefs).statusCode();
        } while (status == 503 && System.currentTimeMillis() < deadline);
        assertEquals(200, status);
        git.ok(work, "clone", "-q", url, "after");
    }
}
