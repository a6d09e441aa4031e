package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
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
 * After its grace a deleted repository's data goes for good: the maintenance run removes
 * its packs, LFS objects, derived files, access record and name, so the name can be created
 * again, empty; a repository deleted within its grace stays restorable, and the others serve on.
 * A renamed repository's old name, once its redirect has ended, is freed the same way.
 */
@QuarkusTest
@TestProfile(PurgeTest.ShortGrace.class)
public class PurgeTest {
    // A store of its own: the maintenance run then walks only this test's three
    // repositories, so its duration stays far inside the grace on a loaded machine.
    private static final Path STORE = Path.of("target/test-data/purge-store");

    /** Authentication on, its own store, a delete grace and a rename redirect of three seconds. */
    public static class ShortGrace implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", HistoryTest.ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.repos.delete-grace", "3s", "gitfn.repos.rename-redirect", "3s", "gitfn.maintenance.grace", "0s",
                    "gitfn.fs.root", STORE.toString(), "gitfn.cache.dir", "target/test-data/purge-cache");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void maintenancePurgesWhatOutlivedItsGraceAndNothingElse() throws Exception {
        URI api = URI.create(base.toString());
        String suffix = Long.toString(System.nanoTime(), 36);
        String gone = TestDirs.repoName("purge/gone-" + suffix);
        String kept = TestDirs.repoName("purge/kept-" + suffix);
        String live = TestDirs.repoName("purge/live-" + suffix);
        Path work = TestDirs.fresh("purge");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 2);
        String host = "http://admin:" + HistoryTest.ADMIN_TOKEN + "@" + base.getHost() + ":" + base.getPort() + "/";
        for (String repo : new String[] {gone, kept, live}) {
            assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
            assertEquals(200, Http.putAccess(base.toString(), admin(), repo, "{\"public\":false,\"read\":[\"qa\"]}")
                    .statusCode());
            git.ok(src, "push", host + repo + ".git", "main");
        }
        Path goneDir = STORE.resolve(gone + ".git");
        Path lfs = goneDir.resolve("lfs/objects/ab/cd/" + "abcd".repeat(16));
        Files.createDirectories(lfs.getParent());
        Files.writeString(lfs, "an LFS object of the deleted repository");
        Path access = STORE.resolve(".gitfn/access/" + gone + ".json");
        assertTrue(Files.exists(access));

        assertEquals(204, Http.json("DELETE", api.resolve("/api/repos/" + gone), admin(), null).statusCode());
        String renamed = TestDirs.repoName("purge/renamed-" + suffix);
        assertEquals(200, Http.json("PATCH", api.resolve("/api/repos/" + live), admin(),
                "{\"name\":\"" + renamed + "\"}").statusCode());
        assertTrue(Files.exists(STORE.resolve(live + ".git/objects/pack")), "the old name's data stays a while");
        Thread.sleep(4100); // past its grace of 3 s, counted in whole seconds
        assertEquals(204, Http.json("DELETE", api.resolve("/api/repos/" + kept), admin(), null).statusCode());
        HttpResponse<String> run = Http.json("POST", api.resolve("/api/maintenance"), admin(), null);
        assertEquals(200, run.statusCode(), run.body());
        assertTrue(run.body().contains("\"repo\":\"" + gone + "\",\"done\":\"purged"), run.body());
        assertFalse(run.body().contains("\"repo\":\"" + kept + "\",\"done\":\"purged"), run.body());
        // The renamed one's old name: its redirect ended, its copied data is gone, the name is free.
        assertTrue(run.body().contains("\"repo\":\"" + live + "\",\"done\":\"redirect ended"), run.body());
        assertFalse(Files.exists(STORE.resolve(live + ".git")), "the old name's folder is gone");
        assertEquals(201, Http.createRepo(base.toString(), admin(), live).statusCode());
        assertEquals("", git.ok(work, "ls-remote", "--heads", host + live + ".git").out().trim());
        // Deleted within its grace: still restorable (asked at once, while the grace lasts).
        assertEquals(200, Http.json("POST", api.resolve("/api/repos/" + kept + "/-/restore"), admin(), null)
                .statusCode());

        assertFalse(Files.exists(goneDir), "its folder is gone, packs and LFS objects with it");
        assertFalse(Files.exists(access), "its access record is gone");
        assertFalse(Files.exists(STORE.resolve(".gitfn/names/" + gone.toLowerCase() + ".name")), "its name is free");
        assertEquals(404, Http.json("POST", api.resolve("/api/repos/" + gone + "/-/restore"), admin(), null)
                .statusCode());
        // The name is free again, for a new and empty repository.
        assertEquals(201, Http.createRepo(base.toString(), admin(), gone).statusCode());
        assertEquals("", git.ok(work, "ls-remote", "--heads", host + gone + ".git").out().trim());

        // The restored one is whole; the live one served throughout.
        git.ok(work, "clone", "-q", host + kept + ".git", "kept");
        assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("kept"), "origin/main"));
        git.ok(work, "clone", "-q", host + renamed + ".git", "live");
        assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("live"), "origin/main"));
        git.ok(work.resolve("live"), "fsck", "--strict");
    }

    private static String admin() {
        return Http.basic("admin", HistoryTest.ADMIN_TOKEN);
    }
}
