package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;

/**
 * Issue 19's administration on Ceph's S3 gateway, with the real git client and the built
 * server: a read-scoped token cannot push, an expired one is refused, and a token cannot
 * outgrant its user once the user loses access; a force push undone from the history survives a
 * full maintenance run and fsck; a new default branch is what the next clone checks out; an
 * over-quota push is refused and changes nothing; delete and restore give back the same
 * repository; the audit log holds the force push and the restore; and
 * {@code gitfn-store check} on the bucket finds a pack removed and one truncated by hand, and
 * passes again once the backup's objects are put back.
 */
class AdministrationRgwIT {
    private static final String ADMIN = "administration-rgw-admin-token-0123456789";

    record Run(int exit, String out) {
    }

    @Test
    void administrationHoldsOnRgw() throws Exception {
        S3Servers.Endpoint rgw = S3Servers.rgw();
        if (rgw == null && System.getenv("CI") != null) {
            throw new IllegalStateException("CI must start Ceph RGW and set " + S3Servers.RGW_ENDPOINT_VARIABLE);
        }
        assumeTrue(rgw != null, S3Servers.RGW_ENDPOINT_VARIABLE + " is not set");
        String bucket = "admin-" + Long.toString(System.nanoTime(), 36);
        rgw.createBucket(bucket);
        Path work = TestDirs.fresh("administration-rgw");
        Map<String, String> env = new HashMap<>(rgw.gitfnEnv(bucket, "git"));
        env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
        env.put("GITFN_AUTH_CACHE_TTL", "0s");
        Git git = new Git(work.resolve("home"));
        try (ServerProcess server = new ServerProcess(work.resolve("server.log"), env)) {
            URI api = URI.create(server.url());
            String admin = Http.basic("admin", ADMIN);
            String owner = "olga";
            String ownerSecret = Http.newUserToken(api, admin, owner);
            String ownerAuth = Http.basic(owner, ownerSecret);
            String repo = "team/app";
            assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin,
                    "{\"name\":\"" + repo + "\",\"owner\":\"" + owner + "\"}").statusCode());
            String url = server.url().replace("http://", "http://" + owner + ":" + ownerSecret + "@") + repo + ".git";
            Path src = git.newRepo(work.resolve("src"), 3);
            git.ok(src, "push", url, "main", "main:refs/heads/dev");

            // A read-scoped token: git prints the refusal.
            HttpResponse<String> ci = Http.json("POST", api.resolve("/api/user/tokens"), ownerAuth,
                    "{\"name\":\"ci\",\"scopes\":[\"read\"]}");
            String ciSecret = field(ci.body(), "token");
            String ciUrl = server.url().replace("http://", "http://" + owner + ":" + ciSecret + "@") + repo + ".git";
            git.ok(work, "clone", "-q", ciUrl, "ci");
            git.commit(work.resolve("ci"), 1, "ci");
            Git.Result refused = git.run(work.resolve("ci"), "push", "origin", "main");
            assertNotEquals(0, refused.exitCode());
            assertTrue(refused.err().contains("do not allow pushing"), refused.err());

            // An expired token is refused; a token cannot outgrant its user once the user loses access.
            HttpResponse<String> soon = Http.json("POST", api.resolve("/api/user/tokens"), ownerAuth,
                    "{\"name\":\"soon\",\"expiresAt\":\"" + java.time.Instant.now().plusSeconds(6) + "\"}");
            String soonUrl = server.url().replace("http://", "http://" + owner + ":" + field(soon.body(), "token") + "@")
                    + repo + ".git";
            git.ok(work, "ls-remote", soonUrl);
            String writer = "wes";
            String writerSecret = Http.newUserToken(api, admin, writer);
            String writerUrl = server.url().replace("http://", "http://" + writer + ":" + writerSecret + "@") + repo
                    + ".git";
            assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), ownerAuth,
                    "{\"public\":false,\"read\":[],\"write\":[\"" + writer + "\"]}").statusCode());
            git.ok(work.resolve("ci"), "push", writerUrl, "main:refs/heads/wes");
            assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), ownerAuth,
                    "{\"public\":false,\"read\":[],\"write\":[]}").statusCode());
            assertNotEquals(0, git.run(work.resolve("ci"), "push", writerUrl, "main:refs/heads/wes2").exitCode(),
                    "the user lost access: so did the token");
            Thread.sleep(6100);
            assertNotEquals(0, git.run(work, "ls-remote", soonUrl).exitCode(), "expired");

            // A force push, undone from the history, kept through a full maintenance run.
            String before = git.revParse(src, "main");
            git.ok(src, "commit", "-q", "--amend", "-m", "rewritten");
            git.ok(src, "push", "-f", url, "main");
            assertEquals(200, Http.json("POST", api.resolve("/api/repos/" + repo + "/-/history/restore"), ownerAuth,
                    "{\"ref\":\"refs/heads/main\",\"to\":\"" + before + "\"}").statusCode());
            assertEquals(200, Http.json("POST", api.resolve("/api/maintenance?mode=full"), admin, null).statusCode());
            git.ok(work, "clone", "-q", url, "restored");
            assertEquals(before, git.revParse(work.resolve("restored"), "origin/main"));
            git.ok(work.resolve("restored"), "fsck", "--strict");
            String audit = Http.json("GET", api.resolve("/api/audit?repo=" + repo), admin, null).body();
            assertTrue(audit.contains("\"action\":\"push.force\"") && audit.contains("\"action\":\"history.restore\""),
                    audit);

            // A new default branch is what the next clone checks out.
            assertEquals(200, Http.json("PATCH", api.resolve("/api/repos/" + repo), ownerAuth,
                    "{\"defaultBranch\":\"dev\"}").statusCode());
            git.ok(work, "clone", "-q", url, "on-dev");
            assertEquals("dev", git.ok(work.resolve("on-dev"), "symbolic-ref", "--short", "HEAD").trimmed());

            // Over the quota: refused with its message, nothing changed.
            long size = Long.parseLong(Pattern.compile("\"sizeBytes\":(\\d+)").matcher(Http.json("GET",
                    api.resolve("/api/repos/" + repo), ownerAuth, null).body()).results().findFirst().orElseThrow()
                    .group(1));
            assertEquals(200, Http.json("PATCH", api.resolve("/api/repos/" + repo), admin,
                    "{\"quotaBytes\":" + (size + 1000) + "}").statusCode());
            String refsBefore = git.lsRemote(work, url);
            git.ok(src, "reset", "-q", "--hard", before);
            git.commitRandomFile(src, "big.bin", 200_000);
            Git.Result over = git.run(src, "push", url, "main");
            assertNotEquals(0, over.exitCode());
            assertTrue(over.err().contains("quota exceeded: " + repo), over.err());
            assertEquals(refsBefore, git.lsRemote(work, url));
            assertEquals(200, Http.json("PATCH", api.resolve("/api/repos/" + repo), admin, "{\"quotaBytes\":null}")
                    .statusCode());
            git.ok(src, "push", url, "main:refs/heads/side"); // raised again: it lands, as a second pack
            refsBefore = git.lsRemote(work, url);

            // Delete, invisible; restore, whole.
            assertEquals(204, Http.json("DELETE", api.resolve("/api/repos/" + repo), ownerAuth, null).statusCode());
            assertNotEquals(0, git.run(work, "ls-remote", url).exitCode());
            assertEquals(404, Http.json("GET", api.resolve("/" + repo + ".git/HEAD"), admin, null).statusCode(),
                    "dumb HTTP too");
            assertTrue(!Http.json("GET", api.resolve("/api/repos"), admin, null).body().contains(repo));
            assertEquals(200, Http.json("POST", api.resolve("/api/repos/" + repo + "/-/restore"), ownerAuth, null)
                    .statusCode());
            assertEquals(refsBefore, git.lsRemote(work, url));

            // gitfn-store check on the bucket: whole; then a pack lost and one truncated by hand.
            Run clean = check(env);
            assertEquals(0, clean.exit(), clean.out());
            List<String> packs = packsOf(rgw, bucket, repo);
            assertTrue(!packs.isEmpty(), "packs: " + packs);
            String pack = packs.get(0);
            Path backup = Files.createDirectories(work.resolve("backup")).resolve("copy.pack");
            download(rgw, bucket, pack, backup); // the backup: a copy of the object
            byte[] whole = Files.readAllBytes(backup);
            rgw.client().deleteObject(b -> b.bucket(bucket).key(pack)).join();
            Run lost = check(env);
            assertEquals(1, lost.exit(), lost.out());
            assertTrue(lost.out().contains(pack.substring(pack.indexOf(repo)) + " is missing"), lost.out());
            rgw.client().putObject(b -> b.bucket(bucket).key(pack),
                    AsyncRequestBody.fromBytes(java.util.Arrays.copyOf(whole, whole.length / 2))).join();
            Run truncated = check(env);
            assertEquals(1, truncated.exit(), truncated.out());
            assertTrue(truncated.out().contains(whole.length / 2 + " bytes where " + whole.length + " were recorded"),
                    truncated.out());
            // The backup's object put back: whole again, and a clone is what was pushed.
            rgw.client().putObject(b -> b.bucket(bucket).key(pack), AsyncRequestBody.fromFile(backup)).join();
            Run again = check(env);
            assertEquals(0, again.exit(), again.out());
            git.ok(work, "clone", "-q", "--mirror", url, "mirror");
            git.ok(work.resolve("mirror"), "fsck", "--strict");
            assertEquals(before, git.revParse(work.resolve("mirror"), "refs/heads/main"));
        }
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    /** The bucket keys of the .pack files a repository's ref state names. */
    private static List<String> packsOf(S3Servers.Endpoint rgw, String bucket, String repo) {
        String state = rgw.client().getObject(b -> b.bucket(bucket).key("git/" + repo + ".git/gitfn-state"),
                AsyncResponseTransformer.toBytes()).join().asUtf8String();
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^pack (pack-[0-9a-f]{40}) ").matcher(state);
        while (m.find()) {
            keys.add("git/" + repo + ".git/objects/pack/" + m.group(1) + ".pack");
        }
        return keys;
    }

    private static void download(S3Servers.Endpoint rgw, String bucket, String key, Path to) {
        rgw.client().getObject(b -> b.bucket(bucket).key(key), AsyncResponseTransformer.toFile(to)).join();
    }

    /** {@code target/bin/gitfn-store check} with the server's own environment (the bucket). */
    private static Run check(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("target/bin/gitfn-store", "check").redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "check ended");
        return new Run(p.exitValue(), out);
    }
}
