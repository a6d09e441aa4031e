package dev.gitfn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.StaticFileServer;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Protocol v2 packfile URIs: a clone of a public repository that accepts them takes
 * the compacted pack from the published area (a static server standing in for the
 * CDN) and only the rest from gitfn; a private repository's clone never gets one.
 */
@QuarkusTest
@TestProfile(PackfileUrisTest.WithCdn.class)
class PackfileUrisTest {
    static final String ADMIN = "packfile-uris-admin-token-0123456789abcdef";
    /*
     * Quarkus loads this class twice (JUnit's class loader reads the profile, its own runs
     * the tests): the first load starts the static server and says where through system
     * properties; the second finds them, and reads what was served from the server's log.
     */
    private static final String AREA_PROPERTY = "test.packfile-uris.area";
    private static final String CDN_PROPERTY = "test.packfile-uris.cdn";
    static final Path AREA;
    static final Path SERVED;
    static final String CDN;

    static {
        if (System.getProperty(AREA_PROPERTY) == null) {
            Path area = TestDirs.fresh("packfile-uris-area");
            try {
                StaticFileServer cdn = new StaticFileServer(area, area.resolveSibling(area.getFileName() + ".served"));
                System.setProperty(CDN_PROPERTY, cdn.url());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.setProperty(AREA_PROPERTY, area.toString());
        }
        AREA = Path.of(System.getProperty(AREA_PROPERTY));
        SERVED = AREA.resolveSibling(AREA.getFileName() + ".served");
        CDN = System.getProperty(CDN_PROPERTY);
    }

    public static class WithCdn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.publish.fs-root", AREA.toString(), "gitfn.publish.base-url", CDN);
        }
    }

    /** The paths the stand-in CDN has served so far. */
    private static List<String> served() {
        try {
            return java.nio.file.Files.exists(SERVED) ? java.nio.file.Files.readAllLines(SERVED) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TestHTTPResource("/")
    URL base;

    private String admin() {
        return "Bearer " + ADMIN;
    }

    private String repo(String name, boolean isPublic) {
        String repo = TestDirs.repoName("uris/" + name + "-" + System.nanoTime());
        assertEquals(201, Http.createRepo(base.toString(), admin(), repo).statusCode());
        assertEquals(200, Http.putAccess(base.toString(), admin(), repo,
                "{\"public\":" + isPublic + "}").statusCode());
        return repo;
    }

    private String smart(String repo) {
        return base.toString().replace("://", "://admin:" + ADMIN + "@") + repo + ".git";
    }

    /** Pushes a history and compacts it, so it is one pack with its bitmap. */
    private Path pushedAndCompacted(Git git, Path work, String repo) {
        Path src = git.newRepo(work.resolve("src-" + repo.hashCode()), 20);
        git.commitRandomFile(src, "big.bin", 300_000);
        git.ok(src, "push", "-q", smart(repo), "main");
        var answer = Http.json("POST", URI.create(base + "api/repos/" + repo + "/-/maintenance?mode=full"), admin(), "");
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("\"bitmap\":true"), answer.body());
        return src;
    }

    private List<String> packsFromCdn(int from) {
        return served().subList(from, served().size()).stream().filter(p -> p.endsWith(".pack")).toList();
    }

    @Test
    void aPublicCloneTakesTheCompactedPackFromTheCdn() {
        Path work = TestDirs.fresh("packfile-uris");
        Git git = new Git(work.resolve("home"));
        String open = repo("open", true);
        Path src = pushedAndCompacted(git, work, open);
        git.commit(src, 1, "after");
        git.ok(src, "push", "-q", smart(open), "main"); // one more pack, sent by gitfn itself

        int before = served().size();
        Path clone = work.resolve("with-uris");
        git.ok(work, "-c", "fetch.uriprotocols=http", "clone", "-q", smart(open), clone.toString());
        assertEquals(1, packsFromCdn(before).size(), "the compacted pack came from the CDN: " + served());
        git.ok(clone, "fsck", "--strict");
        assertEquals(git.revParse(src, "main"), git.revParse(clone, "HEAD"));

        // Without the option, or over protocol v0, everything comes from gitfn.
        before = served().size();
        git.ok(work, "clone", "-q", smart(open), work.resolve("without").toString());
        git.ok(work, "-c", "protocol.version=0", "-c", "fetch.uriprotocols=http", "clone", "-q", smart(open),
                work.resolve("v0").toString());
        assertEquals(List.of(), packsFromCdn(before));
        git.ok(work.resolve("without"), "fsck", "--strict");
    }

    @Test
    void aPrivateRepositoryNeverHandsOutAUri() {
        Path work = TestDirs.fresh("packfile-uris-private");
        Git git = new Git(work.resolve("home"));
        String closed = repo("closed", false);
        pushedAndCompacted(git, work, closed);
        int before = served().size();
        Path clone = work.resolve("clone");
        git.ok(work, "-c", "fetch.uriprotocols=http", "clone", "-q", smart(closed), clone.toString());
        assertEquals(List.of(), packsFromCdn(before), "nothing private is offered elsewhere");
        git.ok(clone, "fsck", "--strict");
        assertFalse(AREA.resolve(closed + ".git").toFile().exists());
    }
}
