package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;


import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.support.FaultyBlobStore;
import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.S3ProxyResource;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * gitfn on a real S3 server (S3Proxy) whose writes fail at chosen moments of a
 * push: the client sees an error, the repository stays as it was, and the
 * next push works. Also the ordinary git round trip on the S3 code path.
 */
@QuarkusTest
@QuarkusTestResource(value = S3ProxyResource.class, restrictToAnnotatedClass = true)
class S3FaultTest extends PushedRepoTest {

    @Inject
    BlobStore store;

    private FaultyBlobStore faulty;

    @BeforeEach
    void installFaultyStore() {
        faulty = new FaultyBlobStore(ClientProxy.unwrap(store));
        QuarkusMock.installMockForType(faulty, BlobStore.class);
    }

    @AfterEach
    void heal() {
        faulty.heal();
    }

    private void assertPushFailsAndNothingChanges(String expected) {
        String before = git.lsRemote(src, url);
        git.commit(src, 1, "during-fault");
        Result push = git.run(src, "push", url, "main");
        assertNotEquals(0, push.exitCode(), push.err());
        assertTrue(push.err().contains(expected), push.err());
        assertEquals(before, git.lsRemote(src, url), "the repository is as it was");

        faulty.heal();
        git.ok(src, "push", url, "main");
        assertTrue(git.lsRemote(src, url).contains(git.revParse(src, "HEAD") + "\trefs/heads/main"));
        git.ok(work, "clone", "-q", url, "after-" + System.nanoTime());
    }

    @Test
    void roundTripOnS3() {
        git.ok(work, "clone", url, "clone");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("clone"), "HEAD"));
        git.ok(work.resolve("clone"), "fsck", "--strict");
    }

    @Test
    void packUploadFails() {
        faulty.failUploads = key -> key.endsWith(".pack");
        assertPushFailsAndNothingChanges("storage unavailable");
    }

    @Test
    void refStateSwapFails() {
        faulty.failSwaps = key -> key.endsWith("gitfn-state");
        assertPushFailsAndNothingChanges("storage unavailable");
    }

    @Test
    void unreachableStoreAnswers503() {
        faulty.failReads = key -> key.endsWith("gitfn-state");
        Result fetch = git.run(src, "ls-remote", url);
        assertNotEquals(0, fetch.exitCode());
        assertTrue(fetch.err().contains("503"), fetch.err());
        Result push = git.run(src, "push", url, "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("503"), push.err());
        faulty.heal();
        git.ok(src, "ls-remote", url);
    }

    @Test
    void serverInfoWriteFailsAfterTheSwap() {
        // The swap is the commit point: once it succeeded the push is durable, even if
        // info/refs could not be rewritten; the next push rewrites it.
        faulty.failPuts = key -> key.endsWith("info/refs");
        git.commit(src, 1, "info-refs-fault");
        git.ok(src, "push", url, "main");
        assertTrue(git.lsRemote(src, url).contains(git.revParse(src, "HEAD") + "\trefs/heads/main"));
    }
}
