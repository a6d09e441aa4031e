package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Git.Result;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With {@code gitfn.create-on-push=true} the first push creates the repository; fetches still 404. */
@QuarkusTest
@TestProfile(CreateOnPushTest.Enabled.class)
class CreateOnPushTest {

    public static class Enabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.create-on-push", "true");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void firstPushCreatesTheRepository() {
        Path work = TestDirs.fresh("create-on-push");
        Git git = new Git(work.resolve("home"));
        String repo = TestDirs.repoName("auto/created");
        String url = base + repo + ".git";

        Result clone = git.run(work, "clone", url, "early");
        assertNotEquals(0, clone.exitCode());
        assertTrue(clone.err().contains("not found"), "a fetch does not create: " + clone.err());

        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main");
        git.ok(work, "clone", url, "clone");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("clone"), "HEAD"));
        // Created as POST /api/repos would have: audited (no owner: authentication is off).
        String audit = dev.gitfn.support.Http.get(java.net.URI.create(base + "api/audit?repo=" + repo)).body();
        assertTrue(audit.contains("\"action\":\"repo.create\"") && audit.contains("\"by\":\"push\"")
                && audit.contains("\"transport\":\"http\""), audit);
        assertEquals(1, audit.split("repo.create", -1).length - 1, "one creation, though every push asks: " + audit);
    }
}
