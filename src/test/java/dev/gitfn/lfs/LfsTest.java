package dev.gitfn.lfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TransportsProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Git LFS on the folder store (gitfn moves the bytes itself, streamed and hash-checked) with
 * the real git-lfs client, and the batch API's guards as raw requests from outside.
 */
@QuarkusTest
@TestProfile(TransportsProfile.class)
class LfsTest {
    private static final String LFS_JSON = "application/vnd.git-lfs+json";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URL base;

    private Path work;
    private String suffix;

    @BeforeEach
    void setUp() {
        work = TestDirs.fresh("lfs");
        suffix = Long.toString(System.nanoTime(), 36);
    }

    private String admin() {
        return Http.basic("admin", TransportsProfile.ADMIN_TOKEN);
    }

    private String token(String user) {
        assertEquals(201, Http.json("POST", URI.create(base + "api/users"), admin(), "{\"name\":\"" + user + "\"}")
                .statusCode());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(Http.json("POST",
                URI.create(base + "api/users/" + user + "/tokens"), admin(), null).body());
        assertTrue(m.find());
        return m.group(1);
    }

    private String repo(boolean isPublic, String reader, String writer) {
        String repo = TestDirs.repoName("lfs/app-" + suffix);
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        assertEquals(200, Http.json("PUT", URI.create(base + "api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":" + isPublic + ",\"read\":[\"" + reader + "\"],\"write\":[\"" + writer + "\"]}")
                .statusCode());
        return repo;
    }

    /** git and git-lfs as {@code user}, credentials from git's credential helper as users set it up. */
    private Git as(String user, String token) {
        Git git = new Git(work.resolve("home-" + user));
        git.ok(work, "config", "--global", "credential.helper",
                "!f() { echo username=" + user + "; echo password=" + token + "; }; f");
        git.ok(work, "config", "--global", "lfs.locksverify", "false");
        git.ok(work, "lfs", "install", "--skip-repo");
        return git;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void pushAndCloneLargeFilesWithTheRealClient() throws Exception {
        String writer = "lw-" + suffix;
        String reader = "lr-" + suffix;
        Git w = as(writer, token(writer));
        Git r = as(reader, token(reader));
        String repo = repo(false, reader, writer);
        String url = base + repo + ".git";
        Path src = w.newRepo(work.resolve("src"), 1);
        w.ok(src, "lfs", "track", "*.bin");
        byte[] big = new byte[6 * 1024 * 1024];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("model.bin"), big);
        w.ok(src, "add", ".gitattributes", "model.bin");
        w.ok(src, "commit", "-q", "-m", "a large file");
        Git.Result push = w.run(src, "push", url, "main");
        assertEquals(0, push.exitCode(), push.err());

        // The object is in the store, under this repository only, and git holds a pointer.
        Path stored = Path.of("target/test-data/store").resolve(repo + ".git/lfs/objects")
                .resolve(sha256(big).substring(0, 2)).resolve(sha256(big).substring(2, 4)).resolve(sha256(big));
        assertArrayEquals(big, Files.readAllBytes(stored));

        Git.Result clone = r.run(work, "clone", "-q", url, "copy");
        assertEquals(0, clone.exitCode(), clone.err());
        assertArrayEquals(big, Files.readAllBytes(work.resolve("copy/model.bin")), "the bytes, not the pointer");
        r.ok(work.resolve("copy"), "lfs", "fsck");

        // A reader may not upload.
        Files.write(work.resolve("copy/other.bin"), new byte[] {1, 2, 3});
        r.ok(work.resolve("copy"), "add", "other.bin");
        r.ok(work.resolve("copy"), "commit", "-q", "-m", "reader's file");
        Git.Result refused = r.run(work.resolve("copy"), "push", "origin", "HEAD:refs/heads/reader");
        assertTrue(refused.exitCode() != 0, refused.err());
    }

    @Test
    void anLfsUploadPastTheQuotaIsRefusedBeforeAnythingIsStored() throws Exception {
        String writer = "lq-" + suffix;
        Git w = as(writer, token(writer));
        String repo = repo(false, writer, writer);
        String url = base + repo + ".git";
        URI self = URI.create(base + "api/repos/" + repo);
        Path src = w.newRepo(work.resolve("src"), 1);
        w.ok(src, "push", url, "main");
        long packs = sizeOf(self);
        // Room for the packs of the next commits, not for a 300 KB object.
        assertEquals(200, Http.json("PATCH", self, admin(), "{\"quotaBytes\":" + (packs + 100_000) + "}")
                .statusCode());
        w.ok(src, "lfs", "track", "*.bin");
        byte[] big = new byte[300_000];
        new Random(11).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        w.ok(src, "add", ".gitattributes", "big.bin");
        w.ok(src, "commit", "-q", "-m", "too large for the quota");
        Git.Result refused = w.run(src, "push", url, "main");
        assertTrue(refused.exitCode() != 0, refused.err());
        assertTrue(refused.err().contains("quota exceeded: " + repo + " would hold"), "git-lfs prints why: "
                + refused.err());
        assertTrue(!Files.exists(Path.of("target/test-data/store").resolve(repo + ".git/lfs")), "nothing stored");
        assertEquals(packs, sizeOf(self), "the repository is unchanged");

        // Raised by an admin: the same push goes through, and the object counts in the repository's size.
        assertEquals(200, Http.json("PATCH", self, admin(), "{\"quotaBytes\":" + (packs + 1_000_000) + "}")
                .statusCode());
        w.ok(src, "push", url, "main");
        long withObject = sizeOf(self);
        assertTrue(withObject >= packs + big.length, withObject + " counts the LFS object");
        // A push of plain git objects now counts the LFS object too.
        assertEquals(200, Http.json("PATCH", self, admin(), "{\"quotaBytes\":" + (withObject + 10) + "}")
                .statusCode());
        w.commitRandomFile(src, "plain.dat", 50_000);
        Git.Result overByPacks = w.run(src, "push", url, "main");
        assertTrue(overByPacks.exitCode() != 0 && overByPacks.err().contains("quota exceeded"), overByPacks.err());
        // An object already stored costs nothing: a batch naming only it is answered.
        HttpResponse<String> again = batch(repo, Http.basic("admin", TransportsProfile.ADMIN_TOKEN),
                "{\"operation\":\"upload\",\"objects\":[{\"oid\":\"" + sha256(big) + "\",\"size\":" + big.length
                        + "}]}");
        assertEquals(200, again.statusCode(), again.body());
    }

    /**
     * With the repository's {@code enforceLocks} on, gitfn itself refuses a push that changes
     * a file someone else has locked (git-lfs's own check is off here, as an old or careless
     * client's would be); the holder's push, and changes to other files, go through.
     */
    @Test
    void aRepositoryThatEnforcesLocksRefusesChangesToOthersLockedFiles() throws Exception {
        String alice = "ea-" + suffix;
        String bob = "eb-" + suffix;
        Git a = as(alice, token(alice));
        Git b = as(bob, token(bob));
        String repo = TestDirs.repoName("lfs/enforce-" + suffix);
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        assertEquals(200, Http.json("PUT", URI.create(base + "api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":false,\"write\":[\"" + alice + "\",\"" + bob + "\"]}").statusCode());
        URI settings = URI.create(base + "api/repos/" + repo);
        assertEquals(400, Http.json("PATCH", settings, admin(), "{\"enforceLocks\":\"yes\"}").statusCode());
        String url = base + repo + ".git";
        Path src = a.newRepo(work.resolve("enforce-src"), 1);
        a.ok(src, "lfs", "track", "*.psd");
        Files.writeString(src.resolve("art.psd"), "layers");
        a.ok(src, "add", ".gitattributes", "art.psd");
        a.ok(src, "commit", "-q", "-m", "art");
        a.ok(src, "push", url, "main");
        b.ok(work, "clone", "-q", url, "bob");
        Path bobs = work.resolve("bob");
        a.ok(work, "clone", "-q", url, "alice");
        Path alices = work.resolve("alice");
        a.ok(alices, "lfs", "lock", "art.psd");

        // Not enforced yet: bob's change to alice's locked file lands (git-lfs's check is off).
        Files.writeString(bobs.resolve("art.psd"), "bob's layers");
        b.ok(bobs, "commit", "-q", "-am", "bob edits the locked file");
        b.ok(bobs, "push", "-q", "origin", "main");

        HttpResponse<String> on = Http.json("PATCH", settings, admin(), "{\"enforceLocks\":true}");
        assertEquals(200, on.statusCode(), on.body());
        assertTrue(on.body().contains("\"enforceLocks\":true"), on.body());
        Files.writeString(bobs.resolve("art.psd"), "bob again");
        b.ok(bobs, "commit", "-q", "-am", "bob edits it again");
        String before = b.ok(work, "ls-remote", url, "refs/heads/main").out();
        Git.Result refused = b.run(bobs, "push", "origin", "main");
        assertTrue(refused.exitCode() != 0, refused.err());
        assertTrue(refused.err().contains("art.psd is locked by " + alice), refused.err());
        assertTrue(refused.err().contains("locked file changed: art.psd"), refused.err());
        assertEquals(before, b.ok(work, "ls-remote", url, "refs/heads/main").out(), "nothing moved");
        // The same change on a new branch is refused too (against HEAD's branch).
        Git.Result branch = b.run(bobs, "push", "origin", "main:refs/heads/bob-side");
        assertTrue(branch.exitCode() != 0 && branch.err().contains("locked file changed"), branch.err());
        // A change to another file goes through; so does the holder's own change to the locked one.
        b.ok(bobs, "reset", "-q", "--hard", "origin/main");
        Files.writeString(bobs.resolve("notes.txt"), "not locked");
        b.ok(bobs, "add", "notes.txt");
        b.ok(bobs, "commit", "-q", "-m", "another file");
        b.ok(bobs, "push", "-q", "origin", "main");
        a.ok(alices, "pull", "-q", "--rebase", "origin", "main");
        Files.writeString(alices.resolve("art.psd"), "alice's own layers");
        a.ok(alices, "commit", "-q", "-am", "the holder edits");
        a.ok(alices, "push", "-q", "origin", "main");
        // Unlocked, bob may change it.
        a.ok(alices, "lfs", "unlock", "art.psd");
        b.ok(bobs, "pull", "-q", "--rebase", "origin", "main");
        Files.writeString(bobs.resolve("art.psd"), "bob, after the unlock");
        b.ok(bobs, "commit", "-q", "-am", "after the unlock");
        b.ok(bobs, "push", "-q", "origin", "main");
    }

    @Test
    void locksHaveOneHolderAndGitLfsSaysWho() throws Exception {
        String alice = "la-" + suffix;
        String bob = "lb-" + suffix;
        String reader = "lr2-" + suffix;
        String aliceToken = token(alice);
        Git a = as(alice, aliceToken);
        String bobToken = token(bob);
        Git b = as(bob, bobToken);
        Git r = as(reader, token(reader));
        String repo = TestDirs.repoName("lfs/locks-" + suffix);
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), admin(), "{\"name\":\"" + repo + "\"}")
                .statusCode());
        assertEquals(200, Http.json("PUT", URI.create(base + "api/repos/" + repo + "/-/access"), admin(),
                "{\"public\":false,\"read\":[\"" + reader + "\"],\"write\":[\"" + alice + "\",\"" + bob + "\"]}")
                .statusCode());
        String url = base + repo + ".git";
        Path src = a.newRepo(work.resolve("locks-src"), 1);
        a.ok(src, "lfs", "track", "*.psd");
        Files.writeString(src.resolve("art.psd"), "layers");
        a.ok(src, "add", ".gitattributes", "art.psd");
        a.ok(src, "commit", "-q", "-m", "art");
        a.ok(src, "push", url, "main");
        a.ok(work, "clone", "-q", url, "a-clone");
        b.ok(work, "clone", "-q", url, "b-clone");

        Git.Result locked = a.run(work.resolve("a-clone"), "lfs", "lock", "art.psd");
        assertEquals(0, locked.exitCode(), locked.err());
        Git.Result taken = b.run(work.resolve("b-clone"), "lfs", "lock", "art.psd");
        assertTrue(taken.exitCode() != 0, taken.out() + taken.err());
        assertTrue((taken.out() + taken.err()).toLowerCase().contains("already"), taken.out() + taken.err());
        String listed = b.ok(work.resolve("b-clone"), "lfs", "locks").out();
        assertTrue(listed.contains("art.psd") && listed.contains(alice), listed);
        Git.Result notHis = b.run(work.resolve("b-clone"), "lfs", "unlock", "art.psd");
        assertTrue(notHis.exitCode() != 0, notHis.out() + notHis.err());
        Git.Result byReader = r.run(work.resolve("b-clone"), "lfs", "lock", "other.psd");
        assertTrue(byReader.exitCode() != 0, "a reader may not lock: " + byReader.err());
        // Unlocked by its holder; then an admin breaks bob's lock with force.
        a.ok(work.resolve("a-clone"), "lfs", "unlock", "art.psd");
        b.ok(work.resolve("b-clone"), "lfs", "lock", "art.psd");
        String verified = lfsPost(repo + ".git/info/lfs/locks/verify", Http.basic(bob, bobToken), "{}").body();
        assertTrue(verified.startsWith("{\"ours\":[{") && verified.contains("art.psd")
                && verified.endsWith("\"theirs\":[]}"), verified);
        Matcher id = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(lfsGet(repo + ".git/info/lfs/locks?path=art.psd",
                admin()).body());
        assertTrue(id.find());
        assertEquals(403, lfsPost(repo + ".git/info/lfs/locks/" + id.group(1) + "/unlock", Http.basic(alice, aliceToken),
                "{\"force\":true}").statusCode(), "force is for managers");
        assertEquals(200, lfsPost(repo + ".git/info/lfs/locks/" + id.group(1) + "/unlock", admin(), "{\"force\":true}")
                .statusCode());

        // Two clients racing for one path: one lock.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<Integer>> racers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                racers.add(pool.submit(() -> lfsPost(repo + ".git/info/lfs/locks", admin(),
                        "{\"path\":\"race.psd\"}").statusCode()));
            }
            java.util.List<Integer> statuses = new java.util.ArrayList<>();
            for (var f : racers) {
                statuses.add(f.get());
            }
            assertEquals(1, statuses.stream().filter(st -> st == 201).count(), statuses.toString());
            assertEquals(7, statuses.stream().filter(st -> st == 409).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    private HttpResponse<String> lfsPost(String path, String authorization, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", LFS_JSON)
                .header("Accept", LFS_JSON).header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> lfsGet(String path, String authorization) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", LFS_JSON)
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long sizeOf(URI repoApi) {
        HttpResponse<String> info = Http.json("GET", repoApi, Http.basic("admin", TransportsProfile.ADMIN_TOKEN), null);
        Matcher m = Pattern.compile("\"sizeBytes\":(\\d+)").matcher(info.body());
        assertTrue(m.find(), info.body());
        return Long.parseLong(m.group(1));
    }

    private HttpResponse<String> batch(String repo, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + repo + ".git/info/lfs/objects/batch"))
                .header("Content-Type", LFS_JSON).header("Accept", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String repo, String authorization, String oid, byte[] data) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + repo + ".git/info/lfs/objects/" + oid))
                .header("Authorization", authorization).PUT(HttpRequest.BodyPublishers.ofByteArray(data)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBatchApiRefusesWhatItShouldFromOutside() throws Exception {
        String writer = "bw-" + suffix;
        String reader = "br-" + suffix;
        String writerAuth = Http.basic(writer, token(writer));
        String readerAuth = Http.basic(reader, token(reader));
        String repo = repo(false, reader, writer);
        byte[] data = "hello large world\n".getBytes();
        String oid = sha256(data);
        String one = "{\"operation\":\"%s\",\"transfers\":[\"basic\"],\"objects\":[{\"oid\":\"" + oid + "\",\"size\":"
                + data.length + "}]}";

        HttpResponse<String> anonymous = batch(repo, null, String.format(one, "download"));
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("LFS-Authenticate").orElse("").startsWith("Basic"));
        assertTrue(anonymous.headers().firstValue("Content-Type").orElse("").startsWith(LFS_JSON));
        assertTrue(anonymous.body().contains("\"message\""), anonymous.body());
        assertEquals(403, batch(repo, readerAuth, String.format(one, "upload")).statusCode(), "a reader's upload");
        assertEquals(403, put(repo, readerAuth, oid, data).statusCode(), "and a reader's PUT");
        assertEquals(404, batch(repo + "-missing", writerAuth, String.format(one, "download")).statusCode());
        HttpResponse<String> plain = HTTP.send(HttpRequest.newBuilder(URI.create(base + repo
                + ".git/info/lfs/objects/batch")).header("Authorization", writerAuth).header("Content-Type",
                "text/plain").POST(HttpRequest.BodyPublishers.ofString(String.format(one, "download"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(415, plain.statusCode(), "a cross-site form cannot send the LFS type");

        // Missing on download: a per-object 404; invalid oids and sizes: per-object 422.
        HttpResponse<String> missing = batch(repo, readerAuth, String.format(one, "download"));
        assertEquals(200, missing.statusCode());
        assertTrue(missing.body().contains("\"code\":404"), missing.body());
        HttpResponse<String> invalid = batch(repo, writerAuth, "{\"operation\":\"upload\",\"objects\":["
                + "{\"oid\":\"../../.gitfn/users/admin\",\"size\":1},{\"oid\":\"" + oid + "\",\"size\":-5}]}");
        assertEquals(2, count(invalid.body(), "\"code\":422"), invalid.body());

        // A tampered upload (bytes that are not the oid's) is refused and never downloadable.
        assertEquals(422, put(repo, writerAuth, oid, "other bytes".getBytes()).statusCode());
        assertTrue(batch(repo, readerAuth, String.format(one, "download")).body().contains("\"code\":404"));
        // The right bytes: uploaded, verified, downloadable by a reader, not through another repository.
        HttpResponse<String> upload = batch(repo, writerAuth, String.format(one, "upload"));
        assertTrue(upload.body().contains("\"upload\"") && upload.body().contains("\"verify\""), upload.body());
        assertEquals(200, put(repo, writerAuth, oid, data).statusCode());
        HttpResponse<String> verify = HTTP.send(HttpRequest.newBuilder(URI.create(base + repo + ".git/info/lfs/verify"))
                .header("Authorization", writerAuth).header("Content-Type", LFS_JSON)
                .POST(HttpRequest.BodyPublishers.ofString("{\"oid\":\"" + oid + "\",\"size\":" + data.length + "}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, verify.statusCode(), verify.body());
        assertTrue(batch(repo, writerAuth, String.format(one, "upload")).body().matches(".*\"oid\":\"" + oid
                + "\",\"size\":\\d+\\}.*"), "already there: no actions");
        HttpResponse<String> download = batch(repo, readerAuth, String.format(one, "download"));
        Matcher href = Pattern.compile("\"href\":\"([^\"]+)\"").matcher(download.body());
        assertTrue(href.find(), download.body());
        HttpResponse<byte[]> bytes = HTTP.send(HttpRequest.newBuilder(URI.create(href.group(1)))
                .header("Authorization", readerAuth).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertArrayEquals(data, bytes.body());
        String otherRepo = TestDirs.repoName("lfs/other-" + suffix);
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), admin(), "{\"name\":\"" + otherRepo
                + "\"}").statusCode());
        assertTrue(batch(otherRepo, admin(), String.format(one, "download")).body().contains("\"code\":404"),
                "an oid known in one repository grants nothing in another");

        // A hundred objects in one request.
        StringBuilder many = new StringBuilder("{\"operation\":\"download\",\"objects\":[");
        for (int i = 0; i < 100; i++) {
            many.append(i == 0 ? "" : ",").append("{\"oid\":\"").append(String.format("%064x", i)).append("\",\"size\":1}");
        }
        HttpResponse<String> hundred = batch(repo, readerAuth, many.append("]}").toString());
        assertEquals(200, hundred.statusCode());
        assertEquals(100, count(hundred.body(), "\"oid\""));
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
