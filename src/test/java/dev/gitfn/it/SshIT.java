package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.Ssh;
import dev.gitfn.support.TestDirs;

/**
 * Two packaged instances on one store, started at the same moment on an empty store (so
 * both race to make the host key): they present the same host key, so one known_hosts line
 * holds for both, and each sees the other's pushes over SSH and git:// at once.
 */
class SshIT {
    private static final String ADMIN = "ssh-it-admin-token-0123456789abcdefghij";

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void twoInstancesOneHostKeyAndEachOthersPushes() throws Exception {
        Path work = TestDirs.fresh("ssh-it");
        int sshA = freePort();
        int sshB = freePort();
        int gitA = freePort();
        int gitB = freePort();
        Map<String, String> common = new HashMap<>(ServerProcess.folderStore(work, Map.of()));
        common.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        common.put("GITFN_AUTH_CACHE_TTL", "0s");
        Map<String, String> envA = new HashMap<>(common);
        envA.put("GITFN_CACHE_DIR", work.resolve("cache-a").toString());
        envA.put("GITFN_SSH_PORT", Integer.toString(sshA));
        envA.put("GITFN_DAEMON_PORT", Integer.toString(gitA));
        Map<String, String> envB = new HashMap<>(common);
        envB.put("GITFN_CACHE_DIR", work.resolve("cache-b").toString());
        envB.put("GITFN_SSH_PORT", Integer.toString(sshB));
        envB.put("GITFN_DAEMON_PORT", Integer.toString(gitB));
        CompletableFuture<ServerProcess> startA = CompletableFuture.supplyAsync(() -> start(work.resolve("a.log"), envA));
        CompletableFuture<ServerProcess> startB = CompletableFuture.supplyAsync(() -> start(work.resolve("b.log"), envB));
        try (ServerProcess a = startA.join(); ServerProcess b = startB.join()) {
            awaitListening(sshA);
            awaitListening(sshB);
            Ssh ssh = new Ssh(work.resolve("ssh"));
            String hostKeyA = ssh.trust(sshA).replace("[127.0.0.1]:" + sshA, "");
            Ssh other = new Ssh(work.resolve("ssh-b"));
            String hostKeyB = other.trust(sshB).replace("[127.0.0.1]:" + sshB, "");
            assertEquals(hostKeyA, hostKeyB, "one host key for the fleet");

            String admin = Http.basic("admin", ADMIN);
            assertEquals(201, Http.json("POST", URI.create(a.url() + "api/users"), admin, "{\"name\":\"dev\"}")
                    .statusCode());
            Path key = ssh.newKey("dev");
            assertEquals(201, Http.json("POST", URI.create(a.url() + "api/users/dev/keys"), admin,
                    "{\"key\":\"" + Ssh.publicLine(key) + "\"}").statusCode());
            String repo = TestDirs.repoName("ssh-it/app");
            assertEquals(201, Http.json("POST", URI.create(b.url() + "api/repos"), admin,
                    "{\"name\":\"" + repo + "\"}").statusCode());
            assertEquals(200, Http.json("PUT", URI.create(b.url() + "api/repos/" + repo + "/-/access"), admin,
                    "{\"public\":true,\"read\":[],\"write\":[\"dev\"]}").statusCode());

            Git git = new Git(work.resolve("home")).withEnv("GIT_SSH_COMMAND", ssh.gitSshCommand(key));
            Path src = git.newRepo(work.resolve("src"), 3);
            // known_hosts holds A's line only: B is trusted through the same key under its own port.
            java.nio.file.Files.writeString(work.resolve("ssh/known_hosts"), "[127.0.0.1]:" + sshB + hostKeyA,
                    java.nio.file.StandardOpenOption.APPEND);
            git.ok(src, "push", "ssh://git@127.0.0.1:" + sshA + "/" + repo + ".git", "main");
            git.ok(work, "clone", "-q", "ssh://git@127.0.0.1:" + sshB + "/" + repo + ".git", "via-b");
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("via-b"), "HEAD"));
            git.commit(work.resolve("via-b"), 1, "from-b");
            git.ok(work.resolve("via-b"), "push", "origin", "HEAD:main");
            git.ok(work, "clone", "-q", "git://127.0.0.1:" + gitA + "/" + repo + ".git", "via-git-a");
            assertEquals(git.revParse(work.resolve("via-b"), "HEAD"), git.revParse(work.resolve("via-git-a"), "HEAD"),
                    "B's push over SSH is what A serves over git://");
            assertTrue(Http.get(URI.create(a.url() + repo + ".git/info/refs")).body()
                    .contains(git.revParse(work.resolve("via-b"), "HEAD")), "and over dumb HTTP");
        }
    }

    /** SSH starts with the application; HTTP may answer a moment before it listens. */
    private static void awaitListening(int port) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(20);
            }
        }
        throw new AssertionError("nothing listens on " + port);
    }

    private static ServerProcess start(Path log, Map<String, String> env) {
        try {
            return new ServerProcess(log, env);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
