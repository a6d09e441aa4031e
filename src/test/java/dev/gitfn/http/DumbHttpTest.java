package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * gitfn serves git's dumb HTTP protocol itself ({@code info/refs}, {@code HEAD},
 * {@code objects/info/packs}, packs), and clones made with it match smart ones.
 */
@QuarkusTest
class DumbHttpTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void dumbClonesMatchSmartOnes() throws Exception {
        Path work = TestDirs.fresh("dumb");
        Git git = new Git(work.resolve("home"));
        String name = TestDirs.repoName("dumb/app");
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        String smartUrl = base + name + ".git";
        Path src = git.newRepo(work.resolve("src"), 4);
        git.ok(src, "tag", "-a", "v1", "-m", "v1");
        git.ok(src, "push", smartUrl, "main", "v1", "HEAD:refs/heads/side");
        git.commit(src, 2, "second-push");
        git.ok(src, "push", smartUrl, "main");
        git.ok(src, "push", smartUrl, "--delete", "side");

        {
            String dumbUrl = smartUrl;
            // GIT_SMART_HTTP=0 makes sure git does not even try the smart protocol.
            git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone", dumbUrl, "dumb").ok();
            git.ok(work, "clone", "--mirror", smartUrl, "smart");
            Path dumb = work.resolve("dumb");
            git.ok(dumb, "fsck", "--strict");
            assertEquals(git.lsRemote(work, smartUrl),
                    git.run(work, Map.of("GIT_SMART_HTTP", "0"), "ls-remote", dumbUrl).ok().trimmed());
            assertEquals(git.revParse(src, "HEAD"), git.revParse(dumb, "HEAD"));
            assertEquals("main", git.ok(dumb, "branch", "--show-current").trimmed());
            assertTrue(git.run(work, Map.of("GIT_SMART_HTTP", "0"), "ls-remote", dumbUrl).out()
                    .contains("refs/tags/v1^{}"), "annotated tag is peeled in info/refs");
        }
    }
}
