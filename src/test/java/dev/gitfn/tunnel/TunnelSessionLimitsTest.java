package dev.gitfn.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TunnelProbe;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * One tunnel per instance and three seconds per tunnel: a second tunnel is
 * answered 503 while the first is open; a busy tunnel is still closed at its
 * time limit (1008); then the slot is free again.
 */
@QuarkusTest
@TestProfile(TunnelSessionLimitsTest.OneShortTunnel.class)
class TunnelSessionLimitsTest {

    public static class OneShortTunnel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.tunnel.max-sessions", "1", "gitfn.tunnel.max-duration", "3s");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void sessionCountAndDurationAreBounded() throws Exception {
        String name = TestDirs.repoName("tunnel-sessions/repo-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        URI endpoint = TunnelProbe.endpoint(base.toString(), name, "service=git-upload-pack&version=2");

        long start = System.nanoTime();
        try (TunnelProbe busy = TunnelProbe.open(endpoint)) {
            assertEquals(503, TunnelProbe.refusal(endpoint));

            // Keep the first tunnel busy (a v2 ls-refs every 300 ms) so only the time limit can end it.
            byte[] lsRefs = "0014command=ls-refs\n0000".getBytes(StandardCharsets.US_ASCII);
            while (!busy.closed().isDone() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
                try {
                    busy.send(lsRefs);
                } catch (Exception closing) {
                    break;
                }
                Thread.sleep(300);
            }
            String close = busy.closed().get(20, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(close.startsWith("1008 time limit"), close);
            assertTrue(seconds >= 2 && seconds < 15, "closed after " + seconds + " s");
        }

        // The slot is free again.
        try (TunnelProbe again = TunnelProbe.open(endpoint)) {
            again.awaitFirstFrame(10);
        }
    }
}
