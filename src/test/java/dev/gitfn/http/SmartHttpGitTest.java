package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every git operation the smart HTTP server supports, driven by the real git
 * client over a real port, with protocol v0 and v2.
 */
@QuarkusTest
class SmartHttpGitTest {

    @TestHTTPResource("/")
    URL base;

    private Path work;
    private Git git;

    private void setUp(String name) {
        work = TestDirs.fresh(name);
        git = new Git(work.resolve("home"));
    }

    /** A new repository on the server and its clone URL. */
    private String newRemote(String name) {
        String unique = TestDirs.repoName(name);
        assertEquals(201, Http.createRepo(URI.create(base.toString()), unique));
        return base + unique + ".git";
    }

    /** git with the protocol version pinned. */
    private Result gitV(String version, Path dir, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-c";
        all[1] = "protocol.version=" + version;
        System.arraycopy(args, 0, all, 2, args.length);
        return git.run(dir, all);
    }

    @ParameterizedTest
    @ValueSource(strings = { "0", "2" })
    void cloneFetchPushRoundTrip(String version) throws Exception {
        setUp("roundtrip-v" + version);
        String url = newRemote("e2e/roundtrip-v" + version);
        Path src = git.newRepo(work.resolve("src"), 5);
        git.ok(src, "tag", "-a", "v1.0", "-m", "release 1.0");
        gitV(version, src, "push", url, "main", "v1.0").ok();

        Result clone = gitV(version, work, "clone", "--progress", url, "clone");
        clone.ok();
        Path dst = work.resolve("clone");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(dst, "HEAD"));
        assertEquals(git.revParse(src, "v1.0"), git.revParse(dst, "v1.0"));
        assertTrue(clone.err().contains("remote: "), "server progress over side-band: " + clone.err());

        // Push from the clone, fetch into the source.
        git.commit(dst, 3, "more");
        gitV(version, dst, "push", "origin", "main").ok();
        gitV(version, src, "fetch", url, "main").ok();
        assertEquals(git.revParse(dst, "HEAD"), git.revParse(src, "FETCH_HEAD"));
        git.ok(dst, "fsck", "--strict");

        // The protocol really is the one asked for.
        Result trace = git.run(src, Map.of("GIT_TRACE_PACKET", "1"), "-c", "protocol.version=" + version,
                "ls-remote", url);
        trace.ok();
        assertEquals(version.equals("2"), trace.err().contains("version 2"), trace.err());
    }

    @ParameterizedTest
    @ValueSource(strings = { "0", "2" })
    void shallowClonesAndDeepen(String version) {
        setUp("shallow-v" + version);
        String url = newRemote("e2e/shallow-v" + version);
        Path src = work.resolve("src");
        git.ok(work, "init", "-q", "-b", "main", "src");
        for (String year : new String[] { "2020", "2021", "2022", "2023" }) {
            String date = year + "-01-01T00:00:00Z";
            Path f = src.resolve("year.txt");
            try {
                Files.writeString(f, year);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            git.ok(src, "add", "-A");
            git.run(src, Map.of("GIT_COMMITTER_DATE", date, "GIT_AUTHOR_DATE", date), "commit", "-q", "-m", year)
                    .ok();
        }
        gitV(version, src, "push", url, "main").ok();

        gitV(version, work, "clone", "--depth", "1", url, "depth1").ok();
        assertEquals("1", git.ok(work.resolve("depth1"), "rev-list", "--count", "HEAD").trimmed());
        gitV(version, work.resolve("depth1"), "fetch", "--depth", "3").ok();
        assertEquals("3", git.ok(work.resolve("depth1"), "rev-list", "--count", "HEAD").trimmed());
        // JGit has no deepen-relative: over v2 gitfn serves --deepen itself; over v0 git must say it is not
        // supported, not die on a server error.
        Result deepen = gitV(version, work.resolve("depth1"), "fetch", "--deepen", "1");
        if (version.equals("2")) {
            deepen.ok();
            assertEquals("4", git.ok(work.resolve("depth1"), "rev-list", "--count", "HEAD").trimmed(), "3 held, 1 more");
        } else {
            assertNotEquals(0, deepen.exitCode());
            assertTrue(deepen.err().contains("does not support") && !deepen.err().contains("HTTP 500"), deepen.err());
        }

        gitV(version, work, "clone", "--shallow-since", "2021-06-01", url, "since").ok();
        assertEquals("2", git.ok(work.resolve("since"), "rev-list", "--count", "HEAD").trimmed());
    }

    @ParameterizedTest
    @ValueSource(strings = { "0", "2" })
    void partialClones(String version) {
        setUp("partial-v" + version);
        String url = newRemote("e2e/partial-v" + version);
        Path src = git.newRepo(work.resolve("src"), 20);
        gitV(version, src, "push", url, "main").ok();

        gitV(version, work, "clone", "--filter=blob:none", url, "blobless").ok();
        Path blobless = work.resolve("blobless");
        String missing = git.ok(blobless, "rev-list", "--objects", "--all", "--missing=print").out();
        assertTrue(missing.lines().anyMatch(l -> l.startsWith("?")), "old blobs were filtered out");
        // History of old blobs fetches them lazily from the server.
        String patch = gitV(version, blobless, "log", "-p", "--format=%s").ok().out();
        assertTrue(patch.contains("file line 0"), patch);

        gitV(version, work, "clone", "--no-checkout", "--filter=tree:0", url, "treeless").ok();
        Path treeless = work.resolve("treeless");
        assertTrue(git.ok(treeless, "rev-list", "--objects", "--all", "--missing=print").out().lines()
                .anyMatch(l -> l.startsWith("?")), "trees were filtered out");
        gitV(version, treeless, "checkout", "main").ok();
        assertEquals(git.revParse(src, "HEAD^{tree}"), git.revParse(treeless, "HEAD^{tree}"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "0", "2" })
    void nonFastForwardIsRejectedAndForceWorks(String version) {
        setUp("nonff-v" + version);
        String url = newRemote("e2e/nonff-v" + version);
        Path a = git.newRepo(work.resolve("a"), 2);
        gitV(version, a, "push", url, "main").ok();
        gitV(version, work, "clone", url, "b").ok();
        Path b = work.resolve("b");
        git.commit(a, 1, "from-a");
        gitV(version, a, "push", url, "main").ok();
        git.commit(b, 1, "from-b");

        Result rejected = gitV(version, b, "push", "origin", "main");
        assertNotEquals(0, rejected.exitCode());
        assertTrue(rejected.err().contains("[rejected]"), rejected.err());
        assertEquals(git.revParse(a, "HEAD"), git.lsRemote(b, url).lines()
                .filter(l -> l.endsWith("refs/heads/main")).findFirst().orElseThrow().split("\t")[0]);

        gitV(version, b, "push", "--force", "origin", "main").ok();
        assertTrue(git.lsRemote(b, url).contains(git.revParse(b, "HEAD") + "\trefs/heads/main"));
    }

    @Test
    void tagsDeletionAndPushOptions() {
        setUp("refs");
        String url = newRemote("e2e/refs");
        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "tag", "light");
        git.ok(src, "tag", "-a", "annotated", "-m", "annotated tag");
        git.ok(src, "push", url, "main", "HEAD:refs/heads/topic", "--tags");
        String refs = git.lsRemote(src, url);
        assertTrue(refs.contains("refs/tags/light"), refs);
        assertTrue(refs.contains("refs/tags/annotated^{}"), "annotated tags are peeled: " + refs);
        assertTrue(refs.contains("refs/heads/topic"), refs);

        git.ok(src, "push", url, "--delete", "topic", "light");
        refs = git.lsRemote(src, url);
        assertFalse(refs.contains("refs/heads/topic"), refs);
        assertFalse(refs.contains("refs/tags/light"), refs);
        assertTrue(refs.contains("refs/tags/annotated"), refs);

        git.commit(src, 1, "opts");
        git.ok(src, "push", "-o", "ci.skip", "-o", "reviewer=bob", url, "main");
        assertTrue(git.lsRemote(src, url).contains(git.revParse(src, "HEAD") + "\trefs/heads/main"));
    }

    @Test
    void atomicPushMovesAllRefsOrNone() {
        setUp("atomic");
        String url = newRemote("e2e/atomic");
        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main", "HEAD:refs/heads/feature");

        git.commit(src, 1, "next");
        git.ok(src, "push", "--atomic", url, "HEAD:refs/heads/main", "HEAD:refs/heads/release");
        String refs = git.lsRemote(src, url);
        assertTrue(refs.contains(git.revParse(src, "HEAD") + "\trefs/heads/main"), refs);
        assertTrue(refs.contains(git.revParse(src, "HEAD") + "\trefs/heads/release"), refs);

        // refs/heads/feature/x cannot exist beside refs/heads/feature: the server refuses it,
        // and with --atomic the other ref in the same push must not move either.
        git.commit(src, 1, "again");
        Result atomic = git.run(src, "push", "--atomic", url, "HEAD:refs/heads/main", "HEAD:refs/heads/feature/x");
        assertNotEquals(0, atomic.exitCode());
        assertTrue(atomic.err().contains("feature/x"), atomic.err());
        assertEquals(refs, git.lsRemote(src, url), "atomic push changed nothing");

        // Without --atomic the good ref moves and the conflicting one is refused.
        Result partial = git.run(src, "push", url, "HEAD:refs/heads/main", "HEAD:refs/heads/feature/x");
        assertNotEquals(0, partial.exitCode());
        assertTrue(partial.err().contains("cannot lock ref"), partial.err());
        String after = git.lsRemote(src, url);
        assertTrue(after.contains(git.revParse(src, "HEAD") + "\trefs/heads/main"), after);
        assertFalse(after.contains("feature/x"), after);
    }

    @Test
    void firstPushOfOtherBranchBecomesHead() {
        setUp("head");
        String url = newRemote("e2e/head");
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "branch", "-m", "main", "trunk");
        git.ok(src, "push", url, "trunk");
        git.ok(work, "clone", url, "clone");
        assertEquals("trunk", git.ok(work.resolve("clone"), "branch", "--show-current").trimmed());
    }

    @Test
    void corruptObjectsAreRefusedOnReceive() throws Exception {
        setUp("fsck");
        String url = newRemote("e2e/fsck");
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "push", url, "main");
        String before = git.lsRemote(src, url);

        // A tree with an entry named ".GIT": checking it out would overwrite a repository's
        // own metadata on case-insensitive file systems, so fsck refuses it.
        String blob = git.revParse(src, "HEAD:file-0.txt");
        String tree = git.runWithInput(src, Map.of(), ("100644 blob " + blob + "\t.GIT\n").getBytes(), "mktree")
                .ok().trimmed();
        String id = git.ok(src, "commit-tree", tree, "-m", "evil").trimmed();
        git.ok(src, "update-ref", "refs/heads/bad", id);
        Result push = git.run(src, "push", url, "bad");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("unpack") || push.err().contains("rejected"), push.err());
        assertEquals(before, git.lsRemote(src, url), "nothing changed");
    }

    @Test
    void missingRepositoryIsNotFound() {
        setUp("missing");
        Result clone = git.run(work, "clone", base + "e2e/does-not-exist.git", "x");
        assertNotEquals(0, clone.exitCode());
        assertTrue(clone.err().contains("not found"), clone.err());
        Result push = git.run(git.newRepo(work.resolve("src"), 1), "push", base + "e2e/does-not-exist.git", "main");
        assertNotEquals(0, push.exitCode());
        assertTrue(push.err().contains("not found"), push.err());
    }
}
