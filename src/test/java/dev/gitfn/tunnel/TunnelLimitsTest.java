package dev.gitfn.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TunnelProbe;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The tunnel's limits, set small: an idle client is closed with 1008, an oversized push is refused. */
@QuarkusTest
@TestProfile(TunnelLimitsTest.SmallLimits.class)
class TunnelLimitsTest {

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.tunnel.idle-timeout", "1s", "gitfn.limits.max-pack-size", "256K");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void anIdleClientIsClosedWithPolicyViolation() throws Exception {
        String name = TestDirs.repoName("tunnel-limits/idle-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        long start = System.nanoTime();
        try (TunnelProbe silent = TunnelProbe.open(TunnelProbe.endpoint(base.toString(), name,
                "service=git-upload-pack&version=0"))) { // reads the advertisement, then says nothing
            String close = silent.closed().get(30, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            assertTrue(close.startsWith("1008 idle timeout"), close);
            assertTrue(seconds < 10, "closed after " + seconds + " s");
        }
    }

    @Test
    void aPushOverTheSizeLimitIsRefusedAndChangesNothing() throws Exception {
        Path work = TestDirs.fresh("tunnel-limits");
        Git git = new Git(work.resolve("home"));
        String name = TestDirs.repoName("tunnel-limits/big-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        String http = base + name + ".git";
        String ws = http.replace("http://", "ws://");
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "push", ws, "main");
        String before = git.lsRemote(work, http);

        git.commitRandomFile(src, "big.bin", 2 * 1024 * 1024);
        Git.Result push = git.run(src, "push", ws, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().toLowerCase().contains("limit") || push.err().contains("max-pack-size"), push.err());
        assertEquals(before, git.lsRemote(work, http));
    }

    @Test
    void unknownServiceOrVersionIsRefusedAsPlainHttp() {
        String name = TestDirs.repoName("tunnel-limits/params-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        for (String query : new String[] {"service=git-upload-archive", "service=git-upload-pack&version=9"}) {
            assertEquals(400, TunnelProbe.refusal(TunnelProbe.endpoint(base.toString(), name, query)), query);
        }
    }
}
