package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Hostile and broken requests: each gets a clear 4xx or a git ERR packet, the
 * repository does not change, and the server goes on serving.
 */
@QuarkusTest
class BadInputTest extends PushedRepoTest {
    private static final String UPLOAD_REQUEST = "application/x-git-upload-pack-request";
    private static final String RECEIVE_REQUEST = "application/x-git-receive-pack-request";


    /** The repository is as it was, and fetch still works. */
    private void assertUnchangedAndServing() {
        assertEquals(refsBefore, git.lsRemote(src, url));
        Path clone = work.resolve("after-" + System.nanoTime());
        git.ok(work, "clone", "-q", url, clone.toString());
        git.ok(clone, "fsck", "--strict");
    }

    private HttpResponse<String> post(String service, String contentType, byte[] body) {
        return Http.send("POST", URI.create(url + "/" + service), Map.of("Content-Type", contentType), body);
    }

    private static byte[] pkt(String line) {
        return String.format("%04x%s", line.length() + 4, line).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static final byte[] FLUSH = "0000".getBytes(StandardCharsets.US_ASCII);

    /** A git ERR packet in a 200 answer (what git's http-backend sends), or a 4xx. */
    private static void assertRefused(HttpResponse<String> response, String expectedText) {
        boolean errPacket = response.statusCode() == 200 && response.body().contains("ERR ");
        boolean clientError = response.statusCode() >= 400 && response.statusCode() < 500;
        assertTrue(errPacket || clientError, response.statusCode() + " " + response.body());
        assertTrue(response.body().contains(expectedText), response.body());
    }

    @Test
    void malformedPktLineHeader() {
        assertRefused(post("git-upload-pack", UPLOAD_REQUEST, "zzzzgarbage".getBytes()), "Invalid packet line header");
        assertRefused(post("git-receive-pack", RECEIVE_REQUEST, "zzzzgarbage".getBytes()),
                "Invalid packet line header");
        assertUnchangedAndServing();
    }

    @Test
    void lyingPktLineLength() {
        byte[] body = concat("ffff".getBytes(), "want short".getBytes());
        assertRefused(post("git-upload-pack", UPLOAD_REQUEST, body), "ERR");
        assertUnchangedAndServing();
    }

    @Test
    void emptyAndTruncatedRequests() {
        assertRefused(post("git-upload-pack", UPLOAD_REQUEST, new byte[0]), "ERR");
        assertRefused(post("git-upload-pack", UPLOAD_REQUEST, "0032want 12".getBytes()), "ERR");
        assertUnchangedAndServing();
    }

    /** git's probe before a chunked request: http-backend answers it with an empty 200, quietly. */
    @Test
    void aFlushAloneIsGitsProbeAndGetsAnEmptyAnswer() {
        HttpResponse<String> probe = post("git-upload-pack", UPLOAD_REQUEST, FLUSH);
        org.junit.jupiter.api.Assertions.assertEquals(200, probe.statusCode());
        org.junit.jupiter.api.Assertions.assertEquals("", probe.body());
        assertUnchangedAndServing();
    }

    /** Protocol v2's ls-refs, which gitfn reads itself for unborn before JGit: broken ones are refused, good ones served. */
    @Test
    void brokenLsRefsRequestsAreRefusedAndGoodOnesServed() {
        Map<String, String> v2 = Map.of("Content-Type", UPLOAD_REQUEST, "Git-Protocol", "version=2");
        URI uploadPack = URI.create(url + "/git-upload-pack");
        byte[] command = pkt("command=ls-refs\n");
        for (byte[] broken : java.util.List.of(concat(command, "0001".getBytes(), pkt("symrefs\n")),
                concat(command, "0001".getBytes(), "00zz".getBytes()), concat(command, "0003".getBytes()),
                concat(command, "0001".getBytes(), pkt("ref-prefix " + "x".repeat(60_000) + "\n")))) {
            assertRefused(Http.send("POST", uploadPack, v2, broken), "ERR");
        }
        HttpResponse<String> good = Http.send("POST", uploadPack, v2, concat(command, "0001".getBytes(),
                pkt("symrefs\n"), pkt("unborn\n"), pkt("ref-prefix HEAD\n"), FLUSH));
        org.junit.jupiter.api.Assertions.assertEquals(200, good.statusCode());
        assertTrue(good.body().contains(" HEAD symref-target:refs/heads/main"), good.body());
        assertTrue(!good.body().contains("unborn"), "HEAD exists here: " + good.body());
        assertUnchangedAndServing();
    }

    @Test
    void bogusWant() {
        byte[] body = concat(pkt("want 1234567890123456789012345678901234567890\n"), FLUSH, pkt("done\n"));
        assertRefused(post("git-upload-pack", UPLOAD_REQUEST, body), "not valid");
        assertUnchangedAndServing();
    }

    @Test
    void truncatedPackIsRefusedAndNothingChanges() throws Exception {
        String old = git.revParse(src, "HEAD");
        git.commit(src, 2, "unpushed");
        String next = git.revParse(src, "HEAD");
        String packHash = git.runWithInput(src, Map.of(), (next + "\n^" + old + "\n").getBytes(), "pack-objects",
                "--revs", work.resolve("pk").toString()).ok().trimmed();
        byte[] pack = Files.readAllBytes(work.resolve("pk-" + packHash + ".pack"));
        byte[] commands = pkt(old + " " + next + " refs/heads/main\0report-status side-band-64k\n");

        HttpResponse<String> truncated = post("git-receive-pack", RECEIVE_REQUEST,
                concat(commands, FLUSH, Arrays.copyOf(pack, pack.length / 2)));
        assertEquals(200, truncated.statusCode());
        assertTrue(truncated.body().contains("unpack "), truncated.body());
        assertTrue(!truncated.body().contains("unpack ok"), truncated.body());

        // The same pack with its last bytes flipped: the checksum no longer matches.
        byte[] corrupt = pack.clone();
        corrupt[corrupt.length - 1] ^= 0x55;
        HttpResponse<String> damaged = post("git-receive-pack", RECEIVE_REQUEST, concat(commands, FLUSH, corrupt));
        assertTrue(damaged.body().contains("unpack ") && !damaged.body().contains("unpack ok"), damaged.body());

        assertUnchangedAndServing();
        // And the intact pack is accepted, so the refusals above were about the damage.
        HttpResponse<String> whole = post("git-receive-pack", RECEIVE_REQUEST, concat(commands, FLUSH, pack));
        assertTrue(whole.body().contains("unpack ok"), whole.body());
        assertTrue(git.lsRemote(src, url).contains(next + "\trefs/heads/main"));
    }

    @Test
    void unknownServiceIsForbidden() {
        HttpResponse<String> r = Http.get(URI.create(url + "/info/refs?service=git-upload-archive"));
        assertEquals(403, r.statusCode());
        assertTrue(r.body().contains("unsupported service"), r.body());
        assertUnchangedAndServing();
    }

    @Test
    void wrongContentTypeAndEncoding() {
        HttpResponse<String> type = post("git-upload-pack", "text/plain", "0000".getBytes());
        assertEquals(415, type.statusCode());
        HttpResponse<String> encoding = Http.send("POST", URI.create(url + "/git-upload-pack"),
                Map.of("Content-Type", UPLOAD_REQUEST, "Content-Encoding", "br"), "0000".getBytes());
        assertEquals(415, encoding.statusCode());
        HttpResponse<String> notGzip = Http.send("POST", URI.create(url + "/git-upload-pack"),
                Map.of("Content-Type", UPLOAD_REQUEST, "Content-Encoding", "gzip"), "plain text".getBytes());
        assertEquals(400, notGzip.statusCode());
        assertTrue(notGzip.body().contains("gzip"), notGzip.body());
        assertUnchangedAndServing();
    }

    @ParameterizedTest
    @ValueSource(strings = { "a/%2e%2e/b.git", "%2e%2e/%2e%2e/etc.git", "%2Fetc/passwd.git", "team/a%01b.git",
            ".hidden/x.git", "team/.git", "team/a%5Cb.git", "C:/x.git", "team/x.lock.git", "a%00b.git",
            "api/x.git" })
    void hostileRepositoryPathsCreateNothing(String path) throws Exception {
        List<String> before = storeKeys();
        for (String service : List.of("git-upload-pack", "git-receive-pack")) {
            int status = Http.get(URI.create(base + path + "/info/refs?service=" + service)).statusCode();
            assertTrue(status == 400 || status == 404, path + " answered " + status);
        }
        assertEquals(before, storeKeys());
    }

    @ParameterizedTest
    @ValueSource(strings = { "../x", "/abs", "a/../b", "a\\\\b", "a\\u0001b", ".git", "api/x", "a//b", "x.lock", "" })
    void hostileNamesAreRefusedByTheApi(String name) throws Exception {
        List<String> before = storeKeys();
        HttpResponse<String> r = Http.send("POST", URI.create(base + "api/repos"),
                Map.of("Content-Type", "application/json"), ("{\"name\":\"" + name + "\"}").getBytes());
        assertEquals(400, r.statusCode(), name + ": " + r.body());
        assertEquals(before, storeKeys());
    }

    /** Every file in the test store, to prove a request wrote nothing. */
    private static List<String> storeKeys() throws Exception {
        Path root = Path.of("target/test-data/store");
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).map(Path::toString).filter(p -> !p.contains("/.gitfn/"))
                    .sorted().toList();
        }
    }

    @Test
    void aMillionHaveLinesAreStoppedByTheLineLimit() throws Exception {
        // 10^6 have lines (50 MB, under the inflated-size limit) gzip to well under a megabyte.
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(body)) {
            gz.write(pkt("want " + git.revParse(src, "HEAD") + "\n"));
            gz.write(FLUSH);
            byte[] haves = new String(pkt("have " + "1".repeat(40) + "\n"), StandardCharsets.ISO_8859_1)
                    .repeat(1000).getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 1000; i++) {
                gz.write(haves);
            }
            gz.write(pkt("done\n"));
        }
        HttpResponse<String> r = Http.send("POST", URI.create(url + "/git-upload-pack"),
                Map.of("Content-Type", UPLOAD_REQUEST, "Content-Encoding", "gzip"), body.toByteArray());
        assertTrue(r.body().contains("ERR too many lines in one request: more than 100000 "
                + "(gitfn.limits.max-negotiation-lines)"), r.statusCode() + " " + r.body());
        assertUnchangedAndServing();
    }

    @Test
    void refNamesGitWouldRefuseAreRefused() {
        String head = git.revParse(src, "HEAD");
        for (String ref : List.of("refs/heads/a..b", "refs/heads/x.lock", "refs/heads/sp ace", "refs/heads/end/",
                "refs/heads/@{x}", "refs/heads/ctl\u0001")) {
            byte[] body = concat(pkt("0".repeat(40) + " " + head + " " + ref + "\0report-status\n"), FLUSH);
            HttpResponse<String> r = post("git-receive-pack", RECEIVE_REQUEST, body);
            assertTrue(r.statusCode() >= 400 || r.body().contains("ng " + ref) || r.body().contains("ERR "),
                    ref + ": " + r.statusCode() + " " + r.body());
        }
        assertUnchangedAndServing();
    }

    @Test
    void overflowingDeepenValuesGetGitsErrNotAStackTrace() {
        String head = git.revParse(src, "HEAD");
        for (String line : List.of("deepen 99999999999999999999\n", "deepen-since 99999999999999999999999\n",
                "deepen -5\n", "deepen-since x\n")) {
            byte[] body = concat(pkt("want " + head + "\n"), pkt(line), FLUSH, pkt("done\n"));
            HttpResponse<String> r = post("git-upload-pack", UPLOAD_REQUEST, body);
            assertRefused(r, "ERR ");
            assertTrue(r.body().toLowerCase().contains("invalid deepen"), line + " -> " + r.body());
        }
        assertUnchangedAndServing();
    }

    @Test
    void theUserApiOwnsItsNamesEvenWs() {
        HttpResponse<String> r = Http.json("GET", URI.create(base + "api/users/ws"), null, null);
        assertEquals(404, r.statusCode(), r.body());
        assertTrue(r.body().contains("no user ws"), r.body());
    }

    @Test
    void theBranchHeadNamesCannotBeDeleted() {
        Git.Result delete = git.run(src, "push", url, "--delete", "main");
        assertTrue(delete.exitCode() != 0, delete.err());
        assertTrue(delete.err().contains("deletion of the current branch prohibited"), delete.err());
        // Another branch can go, and HEAD keeps naming main.
        git.ok(src, "push", url, "main:side");
        git.ok(src, "push", url, "--delete", "side");
        assertUnchangedAndServing();
    }

    @Test
    void namesThatDifferOnlyByCaseAreOneRepository() {
        String name = "case-" + System.nanoTime() + "/App";
        assertEquals(201, Http.createRepo(URI.create(base.toString()), name));
        HttpResponse<String> twin = Http.json("POST", URI.create(base + "api/repos"), null,
                "{\"name\":\"" + name.toLowerCase() + "\"}");
        assertEquals(409, twin.statusCode(), twin.body());
        assertTrue(twin.body().contains(name), twin.body());
        assertEquals(409, Http.createRepo(URI.create(base.toString()), name));
    }

    @Test
    void refNamesTheCacheCannotHoldAreRefusedAsGitRefusesThem() {
        String longRef = "refs/heads/" + "x".repeat(300);
        Git.Result push = git.run(src, "push", url, "main:" + longRef);
        assertTrue(push.exitCode() != 0, push.err());
        assertTrue(push.err().contains("cannot lock ref"), push.err());
        String justRight = "refs/heads/" + "y".repeat(250);
        git.ok(src, "push", url, "main:" + justRight);
        git.ok(src, "push", url, ":" + justRight);
        assertUnchangedAndServing();
        git.commit(src, 1, "after-long-ref");
        git.ok(src, "push", url, "main");
    }

    @Test
    void objectsOfARefusedPushAreNeitherServedNorPublished() throws Exception {
        git.commit(src, 1, "refused");
        String orphan = git.revParse(src, "HEAD");
        // Atomic: deleting the branch HEAD names is refused, so the new branch is refused with it.
        Git.Result push = git.run(src, "push", "--atomic", url, "HEAD:refs/heads/feature", ":main");
        assertTrue(push.exitCode() != 0, push.err());
        Path probe = work.resolve("probe-" + System.nanoTime());
        git.ok(work, "init", "-q", probe.toString());
        for (String version : List.of("2", "0")) {
            Git.Result byId = git.run(probe, "-c", "protocol.version=" + version, "fetch", url, orphan);
            assertTrue(byId.exitCode() != 0, "v" + version + " served an object no ref ever held: " + byId.err());
        }
        // A later, accepted push does not publish the refused one's objects either.
        git.ok(src, "push", url, "HEAD~1:refs/heads/other");
        Git.Result after = git.run(probe, "fetch", url, orphan);
        assertTrue(after.exitCode() != 0, after.err());
        git.ok(src, "push", url, "HEAD:refs/heads/feature"); // and pushed properly, it is there
        git.ok(probe, "fetch", url, orphan);
    }

    @Test
    void aRefNameNoFileSystemCouldHoldDoesNotBreakTheCache() throws Exception {
        // Pushes refuse such names as git does; a store written by other means may still hold
        // one, and the cache (a reftable, not a file per ref) serves it like any other.
        String repo = url.substring(base.toString().length());
        Path state = Path.of("target/test-data/store").resolve(repo).resolve("gitfn-state");
        String main = git.revParse(src, "main");
        String longRef = "refs/heads/" + "z".repeat(300);
        java.nio.file.Files.writeString(state, java.nio.file.Files.readString(state).replace(
                "ref " + main + " refs/heads/main\n", "ref " + main + " refs/heads/main\nref " + main + " " + longRef + "\n"));
        assertTrue(git.lsRemote(src, url).contains(main + "\t" + longRef), "the long ref is served");
        Path clone = work.resolve("long-ref-" + System.nanoTime());
        git.ok(work, "clone", "-q", url, clone.toString()); // (git's own client cannot store that name either)
        git.ok(clone, "fetch", "-q", url, longRef + ":refs/heads/short");
        assertEquals(main, git.revParse(clone, "refs/heads/short"));
        git.commit(src, 1, "after-long-ref-state");
        git.ok(src, "push", url, "main"); // and pushes go on
    }

    @Test
    void aCommitForcePushedAwayIsNotServedByIdButReachableOnesAre() throws Exception {
        git.ok(src, "push", url, "main:refs/heads/leak");
        git.commit(src, 1, "a secret");
        String secret = git.revParse(src, "HEAD");
        String secretBlob = git.run(src, "rev-parse", "HEAD:" + git.run(src, "diff-tree", "--no-commit-id",
                "--name-only", "-r", "HEAD").trimmed()).trimmed();
        git.ok(src, "push", url, "HEAD:refs/heads/leak");
        git.ok(src, "push", "--force", url, "HEAD~1:refs/heads/leak"); // the secret is no longer on any ref
        String below = git.revParse(src, "HEAD~2");
        assertOnlyReachableServedById(secret, secretBlob, below); // no bitmap yet: gitfn walks
        // After a full compaction the repository has a reachability bitmap, which JGit checks with.
        String repo = url.substring(base.toString().length(), url.length() - ".git".length());
        var compacted = Http.json("POST", URI.create(base + "api/repos/" + repo + "/-/maintenance?mode=full"), null, "");
        assertEquals(200, compacted.statusCode(), compacted.body());
        assertTrue(compacted.body().contains("\"bitmap\":true"), compacted.body());
        assertOnlyReachableServedById(secret, secretBlob, below);
    }

    private void assertOnlyReachableServedById(String commitNoRefReaches, String itsBlob, String reachable) {
        Path probe = work.resolve("probe-" + System.nanoTime());
        git.ok(work, "init", "-q", probe.toString());
        for (String version : List.of("2", "0")) {
            for (String id : List.of(commitNoRefReaches, itsBlob)) {
                Git.Result byId = git.run(probe, "-c", "protocol.version=" + version, "fetch", url, id);
                assertTrue(byId.exitCode() != 0, "v" + version + " served " + id + ", which no ref reaches: "
                        + byId.out() + byId.err());
            }
            // A commit a ref reaches is served by id, and so is every blob a partial clone fetches later.
            git.ok(probe, "-c", "protocol.version=" + version, "fetch", url, reachable);
        }
        Path partial = work.resolve("partial-" + System.nanoTime());
        git.ok(work, "clone", "-q", "--filter=blob:none", url, partial.toString());
        git.ok(partial, "log", "-p", "--format=%H"); // every older blob, fetched lazily by id
        git.ok(partial, "fsck", "--strict");
    }
}
