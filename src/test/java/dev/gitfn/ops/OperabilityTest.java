package dev.gitfn.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.auth.AuthTest;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * What probes and scrapers see, on the management port only: health, and
 * {@code gitfn_*} meters that move with real git traffic and refusals.
 */
@QuarkusTest
@TestProfile(AuthTest.WithAuth.class)
class OperabilityTest {
    private static final String ADMIN = Http.basic("admin", AuthTest.ADMIN_TOKEN);

    @TestHTTPResource("/")
    URL base;

    /** The management interface's root, {@code /q/}. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void healthAndMetricsAreOnTheManagementPortOnly() {
        HttpResponse<String> live = Http.get(URI.create(management + "health/live"));
        assertEquals(200, live.statusCode(), live.body());
        HttpResponse<String> ready = Http.get(URI.create(management + "health/ready"));
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"store\"") && ready.body().contains("\"UP\""), ready.body());
        assertEquals(200, Http.get(URI.create(management + "metrics")).statusCode());
        // The management port serves nothing of the repositories, to no one.
        URI managementRoot = URI.create(management.toString().replaceFirst("/q/$", "/"));
        for (String path : new String[] {"api/repos", "ops/app.git/info/refs?service=git-upload-pack",
                "ops/app.git/HEAD"}) {
            for (String authorization : new String[] {null, ADMIN}) {
                int status = Http.send("GET", managementRoot.resolve(path),
                        authorization == null ? Map.of() : Map.of("Authorization", authorization), null).statusCode();
                assertEquals(404, status, path + " on the management port");
            }
        }
        for (String path : new String[] {"q/health/ready", "q/metrics", "q/health"}) {
            int status = Http.get(URI.create(base + path)).statusCode();
            assertTrue(status == 404 || status == 401, path + " on the main port answered " + status);
        }
    }

    @Test
    void metersMoveWithGitTrafficAndRefusals() {
        Map<String, Double> before = scrape();
        String repo = "ops/app-" + System.nanoTime();
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), ADMIN,
                "{\"name\":\"" + repo + "\"}").statusCode());
        Path work = TestDirs.fresh("ops");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 3);
        String url = base.toString().replace("://", "://admin:" + AuthTest.ADMIN_TOKEN + "@") + repo + ".git";
        git.ok(src, "push", url, "main");
        git.ok(work, "clone", "-q", url, work.resolve("clone").toString());
        // 401, or 429 when the tests before have used up this address's failures
        int wrong = Http.send("GET", URI.create(base + repo + ".git/info/refs?service=git-upload-pack"),
                Map.of("Authorization", Http.basic("admin", "wrong-password")), null).statusCode();
        assertTrue(wrong == 401 || wrong == 429, "a wrong password got " + wrong);

        Map<String, Double> after = scrape();
        String ok = "outcome=\"ok\",service=\"%s\"";
        assertGrew(before, after, "gitfn_requests_total{" + ok.formatted("receive-pack") + "}", 1);
        assertGrew(before, after, "gitfn_requests_total{" + ok.formatted("upload-pack") + "}", 1);
        assertGrew(before, after, "gitfn_requests_total{outcome=\"refused\",service=\"advertise-upload-pack\"}", 1);
        assertGrew(before, after, "gitfn_auth_failures_total", 1);
        assertGrew(before, after, "gitfn_push_commit_seconds_count", 1);
        assertGrew(before, after, "gitfn_cache_hits_total", 1);
        // the pack went out in the upload-pack response and in through the receive-pack body
        assertGrew(before, after, "gitfn_sent_bytes_total{service=\"upload-pack\"}", 200);
        assertGrew(before, after, "gitfn_received_bytes_total{service=\"receive-pack\"}", 200);
        assertTrue(after.containsKey("gitfn_s3_requests_total{operation=\"PutObject\"}"), after.keySet().toString());
        assertTrue(after.containsKey("gitfn_packs_running"), after.keySet().toString());
        // no series names a repository: the labels are a fixed set
        assertTrue(after.keySet().stream().noneMatch(k -> k.contains("ops/app")), after.keySet().toString());
    }

    private static void assertGrew(Map<String, Double> before, Map<String, Double> after, String series,
            double atLeast) {
        double grew = after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
        assertTrue(grew >= atLeast, series + " grew by " + grew + "; now " + after.get(series));
    }

    /** The Prometheus text, as series (name with labels) to value. */
    private Map<String, Double> scrape() {
        HttpResponse<String> metrics = Http.get(URI.create(management + "metrics"));
        assertEquals(200, metrics.statusCode());
        Map<String, Double> series = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(?m)^(gitfn_[^ ]+) ([0-9.eE+-]+)$").matcher(metrics.body());
        while (m.find()) {
            series.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return series;
    }
}
