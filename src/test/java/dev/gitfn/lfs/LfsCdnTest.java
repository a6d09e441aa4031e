package dev.gitfn.lfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

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
 * Public repositories' LFS objects from the CDN: once checked, an object of a public
 * repository is copied into the published area (a plain static server stands in for the
 * CDN) and downloads point there; a private repository's objects are never there and never
 * get a CDN URL; making a repository private takes its objects out, making it public puts
 * them in. The real git-lfs client pushes and clones.
 */
@QuarkusTest
@TestProfile(LfsCdnTest.WithCdn.class)
class LfsCdnTest {
    static final String ADMIN = "lfs-cdn-admin-token-0123456789abcdef0123";
    private static final String LFS_JSON = "application/vnd.git-lfs+json";
    /* Loaded twice by Quarkus (see PackfileUrisTest): the first load starts the stand-in CDN. */
    private static final String AREA_PROPERTY = "test.lfs-cdn.area";
    private static final String CDN_PROPERTY = "test.lfs-cdn.cdn";
    static final Path AREA;
    static final Path SERVED;
    static final String CDN;

    static {
        if (System.getProperty(AREA_PROPERTY) == null) {
            Path area = TestDirs.fresh("lfs-cdn-area");
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

    @TestHTTPResource("/")
    URL base;

    private static List<String> served() throws IOException {
        return Files.exists(SERVED) ? Files.readAllLines(SERVED) : List.of();
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    private static String objectKey(String repo, String oid) {
        return repo + ".git/lfs/objects/" + oid.substring(0, 2) + "/" + oid.substring(2, 4) + "/" + oid;
    }

    private void setPublic(String repo, boolean isPublic, String writer) {
        assertEquals(200, Http.putAccess(base.toString(), "Bearer " + ADMIN, repo,
                "{\"public\":" + isPublic + ",\"read\":[\"" + writer + "\"],\"write\":[\"" + writer + "\"]}")
                .statusCode());
    }

    /** The download href the batch API gives for one object, asked as {@code authorization} (null: anonymous). */
    private String downloadHref(String repo, String oid, long size, String authorization) {
        Map<String, String> headers = new java.util.HashMap<>(Map.of("Content-Type", LFS_JSON, "Accept", LFS_JSON));
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        var answer = Http.send("POST", URI.create(base + repo + ".git/info/lfs/objects/batch"), headers,
                ("{\"operation\":\"download\",\"objects\":[{\"oid\":\"" + oid + "\",\"size\":" + size + "}]}").getBytes());
        assertEquals(200, answer.statusCode(), answer.body());
        var m = java.util.regex.Pattern.compile("\"href\":\"([^\"]+)\"").matcher(answer.body());
        assertTrue(m.find(), answer.body());
        return m.group(1);
    }

    @Test
    void publicObjectsComeFromTheCdnPrivateOnesNever() throws Exception {
        Path work = TestDirs.fresh("lfs-cdn");
        String suffix = Long.toString(System.nanoTime(), 36);
        String writer = "cdnw-" + suffix;
        String token = Http.newUserToken(URI.create(base + "api/users"), "Bearer " + ADMIN, writer);
        Git git = new Git(work.resolve("home"));
        git.ok(work, "config", "--global", "credential.helper",
                "!f() { echo username=" + writer + "; echo password=" + token + "; }; f");
        git.ok(work, "config", "--global", "lfs.locksverify", "false");
        git.ok(work, "lfs", "install", "--skip-repo");

        String open = TestDirs.repoName("cdn/open-" + suffix);
        String closed = TestDirs.repoName("cdn/closed-" + suffix);
        for (String repo : List.of(open, closed)) {
            assertEquals(201, Http.createRepo(base.toString(), "Bearer " + ADMIN, repo).statusCode());
            setPublic(repo, repo.equals(open), writer);
        }
        Path src = git.newRepo(work.resolve("src"), 1);
        git.ok(src, "lfs", "track", "*.bin");
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(11).nextBytes(big);
        Files.write(src.resolve("model.bin"), big);
        git.ok(src, "add", ".gitattributes", "model.bin");
        git.ok(src, "commit", "-q", "-m", "a large file");
        String oid = sha256(big);
        for (String repo : List.of(open, closed)) {
            Git.Result push = git.run(src, "push", base + repo + ".git", "main");
            assertEquals(0, push.exitCode(), push.err());
        }

        // The public repository's object is in the published area; nothing of the private one is.
        assertArrayEquals(big, Files.readAllBytes(AREA.resolve(objectKey(open, oid))));
        assertFalse(Files.exists(AREA.resolve(closed + ".git")), "a private repository publishes nothing");

        // An anonymous clone of the public one gets the bytes from the CDN.
        int before = served().size();
        Git anonymous = new Git(work.resolve("home-anon"));
        anonymous.ok(work, "lfs", "install", "--skip-repo");
        Git.Result clone = anonymous.run(work, "clone", "-q", base + open + ".git", "open-copy");
        assertEquals(0, clone.exitCode(), clone.err());
        assertArrayEquals(big, Files.readAllBytes(work.resolve("open-copy/model.bin")));
        anonymous.ok(work.resolve("open-copy"), "lfs", "fsck");
        assertTrue(served().subList(before, served().size()).contains("/" + objectKey(open, oid)), served().toString());
        assertEquals(CDN + objectKey(open, oid), downloadHref(open, oid, big.length, null));

        // The private one: its writer downloads from gitfn, never from the CDN.
        String auth = Http.basic(writer, token);
        String href = downloadHref(closed, oid, big.length, auth);
        assertTrue(href.startsWith(base.toString()) && !href.startsWith(CDN), href);
        assertEquals(404, Http.get(URI.create(CDN + objectKey(closed, oid))).statusCode());

        // Made private, the public one's object leaves the area and its downloads leave the CDN.
        setPublic(open, false, writer);
        assertFalse(Files.exists(AREA.resolve(objectKey(open, oid))), "withdrawn with the repository");
        assertEquals(404, Http.get(URI.create(CDN + objectKey(open, oid))).statusCode());
        href = downloadHref(open, oid, big.length, auth);
        assertFalse(href.startsWith(CDN), href);

        // Made public, the private one's already stored object is published with it.
        setPublic(closed, true, writer);
        assertArrayEquals(big, Files.readAllBytes(AREA.resolve(objectKey(closed, oid))));
        assertEquals(CDN + objectKey(closed, oid), downloadHref(closed, oid, big.length, null));
    }
}
