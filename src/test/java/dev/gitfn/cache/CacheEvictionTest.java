package dev.gitfn.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With a cache bound of one byte every idle copy is evicted as soon as another
 * repository is brought in, and an evicted repository is rebuilt from the store
 * on its next request.
 */
@QuarkusTest
@TestProfile(CacheEvictionTest.TinyCache.class)
class CacheEvictionTest {
    static final Path CACHE = Path.of("target/test-data/cache-evict").toAbsolutePath();

    public static class TinyCache implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.cache.max-bytes", "1", "gitfn.cache.dir", CACHE.toString());
        }
    }

    @TestHTTPResource("/")
    URL base;

    private static boolean cached(String name) {
        return Files.isDirectory(CACHE.resolve(name + ".git/objects/pack"));
    }

    @Test
    void leastRecentlyUsedCopiesAreEvictedAndRebuilt() {
        Path work = TestDirs.fresh("evict");
        Git git = new Git(work.resolve("home"));
        String one = TestDirs.repoName("evict/one");
        String two = TestDirs.repoName("evict/two");
        for (String name : new String[] { one, two }) {
            assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        }
        Path src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "push", base + one + ".git", "main");
        assertTrue(cached(one));

        git.commit(src, 1, "second");
        git.ok(src, "push", base + two + ".git", "main");
        assertTrue(cached(two));
        assertFalse(cached(one), "the idle copy of 'one' was evicted when 'two' came in");

        git.ok(work, "clone", base + one + ".git", "clone-one");
        assertTrue(cached(one), "'one' was rebuilt from the store");
        assertFalse(cached(two));
        assertEquals(git.revParse(src, "HEAD~1"), git.revParse(work.resolve("clone-one"), "HEAD"));
        git.ok(work.resolve("clone-one"), "fsck", "--strict");
        git.ok(work, "clone", base + two + ".git", "clone-two");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("clone-two"), "HEAD"));
    }
}
