package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * An S3 endpoint that accepts connections and never answers, as a hung store
 * does: every request ends within the configured attempts and timeouts, git
 * sees a 503, and the instance stays responsive.
 */
class StalledStoreIT {

    @Test
    void stalledStoreTimesOutAndAnswers503() throws Exception {
        Path work = TestDirs.fresh("stalled");
        List<Socket> held = new ArrayList<>();
        try (ServerSocket blackHole = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                while (!blackHole.isClosed()) {
                    try {
                        held.add(blackHole.accept()); // read nothing, answer nothing
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            Map<String, String> env = Map.of("GITFN_STORAGE", "s3", "GITFN_S3_BUCKET", "stalled",
                    "GITFN_S3_ENDPOINT", "http://127.0.0.1:" + blackHole.getLocalPort(), "GITFN_S3_PATH_STYLE", "true",
                    "GITFN_S3_ATTEMPT_TIMEOUT", "1s", "GITFN_S3_MAX_ATTEMPTS", "2",
                    "AWS_ACCESS_KEY_ID", "x", "AWS_SECRET_ACCESS_KEY", "y", "AWS_REGION", "us-east-1",
                    "GITFN_CACHE_DIR", work.resolve("cache").toString());
            try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env)) {
                Git git = new Git(work.resolve("home"));
                long start = System.nanoTime();
                Result lsRemote = git.run(work, "ls-remote", gitfn.url() + "team/app.git");
                long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                assertNotEquals(0, lsRemote.exitCode());
                assertTrue(lsRemote.err().contains("503"), lsRemote.err());
                assertTrue(seconds < 30, "bounded by 2 attempts of 1 s plus backoff, took " + seconds + " s");
                // Alive, but not ready while the store does not answer; the probe itself answers in time.
                assertEquals(200, Http.get(URI.create(gitfn.managementUrl() + "q/health/live")).statusCode());
                start = System.nanoTime();
                java.net.http.HttpResponse<String> ready = Http.get(URI.create(gitfn.managementUrl() + "q/health/ready"));
                assertEquals(503, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("\"store\"") && ready.body().contains("DOWN"), ready.body());
                assertTrue(System.nanoTime() - start < 15_000_000_000L, "the readiness probe is bounded");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
