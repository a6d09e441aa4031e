package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;

/**
 * Base of tests that each start from a repository created on the server under
 * test through the API, a local repository with three commits that pushed main
 * to it, and the refs the server showed right after.
 */
abstract class PushedRepoTest {

    @TestHTTPResource("/")
    URL base;

    Path work;
    Git git;
    String url;
    Path src;
    String refsBefore;

    @BeforeEach
    void pushRepository() {
        String name = getClass().getSimpleName();
        work = TestDirs.fresh(name);
        git = new Git(work.resolve("home"));
        String unique = TestDirs.repoName(name + "/repo-" + System.nanoTime());
        assertEquals(201, Http.createRepo(URI.create(base.toString()), unique));
        url = base + unique + ".git";
        src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "push", url, "main");
        refsBefore = git.lsRemote(src, url);
    }
}
