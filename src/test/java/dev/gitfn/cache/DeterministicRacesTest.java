package dev.gitfn.cache;

import dev.gitfn.repo.RefState;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.PausingBlobStore;
import dev.gitfn.support.TestDirs;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Races between instances laid out exactly: instance A (the server, pushed to by
 * git) is stopped just before it swaps the ref state it read, instance B (a
 * second cache on the same store) commits meanwhile, then A goes on. Only the
 * store's own check can save B's update here; these tests fail if it is gone.
 */
@QuarkusTest
class DeterministicRacesTest {
    @TestHTTPResource("/")
    URL base;

    @Inject
    BlobStore store;

    @Inject
    GitfnConfig config;

    @Inject
    RepositoryCache cache;

    PausingBlobStore pausing;
    BlobStore real;
    Path work;
    Git git;
    RepoName name;
    String url;
    Path src;
    RepositoryCache instanceB;

    @BeforeEach
    void setUp() {
        real = ClientProxy.unwrap(store);
        pausing = new PausingBlobStore(real);
        QuarkusMock.installMockForType(pausing, BlobStore.class);
        work = TestDirs.fresh("races");
        git = new Git(work.resolve("home"));
        name = new RepoName(TestDirs.repoName("races/app-" + System.nanoTime()));
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name.value()));
        url = base + name.directory();
        src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "push", url, "main");
        instanceB = new RepositoryCache(real, work.resolve("cache-b"), config, List.of());
    }

    @Test
    void aPushThatReadTheStateBeforeAnotherInstanceMovedTheSameRefIsRefused() throws Exception {
        String main = git.revParse(src, "main");
        String older = git.revParse(src, "main~1");
        git.commit(src, 1, "a-push");
        CompletableFuture<Git.Result> pushA = pausedPushOf("main");

        // B moves main (back one commit) while A waits before its swap.
        ReceiveCommand b = new ReceiveCommand(ObjectId.fromString(main), ObjectId.fromString(older),
                "refs/heads/main");
        instanceB.push(name, session -> {
            session.commit(List.of(b), false);
            return null;
        });
        assertEquals(ReceiveCommand.Result.OK, b.getResult());
        pausing.resume();

        Git.Result a = pushA.get(60, TimeUnit.SECONDS);
        assertNotEquals(0, a.exitCode(), "A's push must not land on top of B's: " + a.err());
        assertTrue(a.err().contains("rejected"), a.err());
        assertTrue(state().contains("ref " + older + " refs/heads/main\n"), "B's update survives: " + state());
        assertMirrorIsWhole();
    }

    @Test
    void pushesToDifferentBranchesBothLand() throws Exception {
        String older = git.revParse(src, "main~1");
        git.commit(src, 1, "a-push");
        String aHead = git.revParse(src, "main");
        CompletableFuture<Git.Result> pushA = pausedPushOf("main");

        ReceiveCommand b = new ReceiveCommand(ObjectId.zeroId(), ObjectId.fromString(older), "refs/heads/side");
        instanceB.push(name, session -> {
            session.commit(List.of(b), false);
            return null;
        });
        assertEquals(ReceiveCommand.Result.OK, b.getResult());
        pausing.resume();

        pushA.get(60, TimeUnit.SECONDS).ok();
        String state = state();
        assertTrue(state.contains("ref " + aHead + " refs/heads/main\n"), state);
        assertTrue(state.contains("ref " + older + " refs/heads/side\n"), state);
        assertMirrorIsWhole();
    }

    @Test
    void aPushToABranchAnotherInstanceDeletedMeanwhileIsRefused() throws Exception {
        git.ok(src, "push", url, "main:refs/heads/side");
        String side = git.revParse(src, "main");
        git.commit(src, 1, "a-side");
        CompletableFuture<Git.Result> pushA = pausedPushOf("HEAD:refs/heads/side");

        ReceiveCommand delete = new ReceiveCommand(ObjectId.fromString(side), ObjectId.zeroId(), "refs/heads/side");
        instanceB.push(name, session -> {
            session.commit(List.of(delete), false);
            return null;
        });
        assertEquals(ReceiveCommand.Result.OK, delete.getResult());
        pausing.resume();

        Git.Result a = pushA.get(60, TimeUnit.SECONDS);
        assertNotEquals(0, a.exitCode(), "A's update must not bring the deleted branch back: " + a.err());
        assertTrue(!java.util.regex.Pattern.compile("(?m)^ref [0-9a-f]{40} refs/heads/side$").matcher(state()).find(),
                "the deletion survives: " + state());
        assertMirrorIsWhole();
    }

    @Test
    void twoCreatesOfOneBranchLeaveOneWinner() throws Exception {
        String older = git.revParse(src, "main~2");
        git.commit(src, 1, "a-new");
        CompletableFuture<Git.Result> pushA = pausedPushOf("HEAD:refs/heads/new");

        ReceiveCommand create = new ReceiveCommand(ObjectId.zeroId(), ObjectId.fromString(older), "refs/heads/new");
        instanceB.push(name, session -> {
            session.commit(List.of(create), false);
            return null;
        });
        assertEquals(ReceiveCommand.Result.OK, create.getResult());
        pausing.resume();

        assertNotEquals(0, pushA.get(60, TimeUnit.SECONDS).exitCode(), "the second create loses");
        assertTrue(state().contains("ref " + older + " refs/heads/new\n"), "B's create stands: " + state());
        assertMirrorIsWhole();
    }

    /**
     * Starts git pushing {@code branch} to the server and waits until it is about to swap
     * the state it read (when its request opened the repository).
     */
    @Test
    void aPushWhileARenameIsUnderWayIsRefusedNeverLost() throws Exception {
        RepoName moved = new RepoName(name.value() + "-moved");
        String older = git.revParse(src, "main~1");
        // The rename stops just before the new name's state is written: the old one is frozen.
        pausing.pauseNext("putIfMatch", key -> key.equals(StoreLayout.stateKey(moved)));
        CompletableFuture<Void> rename = CompletableFuture.runAsync(() -> {
            try {
                cache.rename(name, moved, () -> { });
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        pausing.awaitPaused();
        ReceiveCommand side = new ReceiveCommand(ObjectId.zeroId(), ObjectId.fromString(older), "refs/heads/side");
        RepoMovedException refused = null;
        try {
            instanceB.push(name, session -> {
                session.commit(List.of(side), false);
                return null;
            });
        } catch (RepoMovedException e) {
            refused = e;
        }
        pausing.resume();
        rename.get(60, TimeUnit.SECONDS);
        String movedState = new String(real.get(StoreLayout.stateKey(moved)).orElseThrow().data());
        assertTrue(refused != null && !refused.settled() && refused.to().equals(moved),
                "the frozen old name takes no push: " + side.getResult() + "\n" + movedState);
        assertTrue(!movedState.contains("refs/heads/side"), movedState);
        // Reads went on under the old name while it was frozen; git now follows the redirect.
        git.commit(src, 1, "after");
        git.ok(src, "push", url, "main");
        assertTrue(new String(real.get(StoreLayout.stateKey(moved)).orElseThrow().data())
                .contains("ref " + git.revParse(src, "main") + " refs/heads/main\n"));
    }

    @Test
    void aPushThatReadTheStateBeforeARenameIsToldWhereItWent() throws Exception {
        RepoName moved = new RepoName(name.value() + "-moved");
        git.commit(src, 1, "a-push");
        CompletableFuture<Git.Result> pushA = pausedPushOf("main");
        instanceB.rename(name, moved, () -> { });
        pausing.resume();
        Git.Result a = pushA.get(60, TimeUnit.SECONDS);
        assertNotEquals(0, a.exitCode(), a.err());
        assertTrue(a.err().contains("renamed to " + moved + ", push there; nothing was changed"), a.err());
        String movedState = new String(real.get(StoreLayout.stateKey(moved)).orElseThrow().data());
        assertTrue(!movedState.contains(git.revParse(src, "main")), movedState);
        // Pushed again, it lands under the new name (git follows the old name's redirect).
        git.ok(src, "push", url, "main");
        assertTrue(new String(real.get(StoreLayout.stateKey(moved)).orElseThrow().data())
                .contains("ref " + git.revParse(src, "main") + " refs/heads/main\n"));
    }

    @Test
    void aPushThatReadTheStateBeforeADeletionIsToldItIsGone() throws Exception {
        git.commit(src, 1, "a-push");
        CompletableFuture<Git.Result> pushA = pausedPushOf("main");
        instanceB.delete(name);
        pausing.resume();
        Git.Result a = pushA.get(60, TimeUnit.SECONDS);
        assertNotEquals(0, a.exitCode(), a.err());
        assertTrue(a.err().contains("the repository was deleted; nothing was changed"), a.err());
        assertTrue(RefState.Tombstone.of(real.get(StoreLayout.stateKey(name)).orElseThrow().data()).isPresent());
    }

    private CompletableFuture<Git.Result> pausedPushOf(String branch) throws InterruptedException {
        pausing.pauseNext("putIfMatch", key -> key.equals(name.directory() + "/gitfn-state"));
        CompletableFuture<Git.Result> push = CompletableFuture.supplyAsync(() -> git.run(src, "push", url, branch));
        pausing.awaitPaused();
        return push;
    }

    private String state() throws Exception {
        return new String(real.get(name.directory() + "/gitfn-state").orElseThrow().data());
    }

    private void assertMirrorIsWhole() {
        Path mirror = work.resolve("mirror-" + System.nanoTime());
        git.ok(work, "clone", "--mirror", "-q", url, mirror.toString());
        git.ok(mirror, "fsck", "--strict");
        assertTrue(Files.isDirectory(mirror));
    }
}
