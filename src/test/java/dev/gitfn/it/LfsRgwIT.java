package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * Git LFS on the S3 store (Ceph RGW): the real git-lfs pushes through one instance and
 * clones through another while the bytes go to and from the bucket by presigned URLs, so
 * gitfn's own request bodies stay tiny; a tampered upload never becomes downloadable; an
 * expired URL fails.
 */
class LfsRgwIT {
    private static final String ADMIN = "lfs-rgw-admin-token-0123456789abcdefghij";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Headers Java's client sets itself and will not take from us. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "expect", "connection");

    @Test
    void largeFilesMoveBetweenClientAndBucketNotThroughGitfn() throws Exception {
        S3Servers.Endpoint rgw = S3Servers.rgw();
        if (rgw == null && System.getenv("CI") != null) {
            throw new IllegalStateException("CI must start Ceph RGW and set " + S3Servers.RGW_ENDPOINT_VARIABLE);
        }
        assumeTrue(rgw != null, S3Servers.RGW_ENDPOINT_VARIABLE + " is not set");
        String bucket = "lfs-" + Long.toString(System.nanoTime(), 36);
        rgw.createBucket(bucket); // private: only presigned URLs reach it
        Path work = TestDirs.fresh("lfs-rgw");
        Map<String, String> env = new HashMap<>(rgw.gitfnEnv(bucket, "git"));
        env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        Map<String, String> envB = new HashMap<>(env);
        envB.put("GITFN_CACHE_DIR", work.resolve("cache-b").toString());
        envB.put("GITFN_LFS_URL_TTL", "2s");
        env.put("GITFN_CACHE_DIR", work.resolve("cache-a").toString());
        try (ServerProcess a = new ServerProcess(work.resolve("a.log"), env);
                ServerProcess b = new ServerProcess(work.resolve("b.log"), envB)) {
            String admin = Http.basic("admin", ADMIN);
            String repo = TestDirs.repoName("lfs-rgw/app");
            assertEquals(201, Http.json("POST", URI.create(a.url() + "api/repos"), admin,
                    "{\"name\":\"" + repo + "\"}").statusCode());
            Git git = new Git(work.resolve("home"));
            git.ok(work, "config", "--global", "credential.helper", "!f() { echo username=admin; echo password="
                    + ADMIN + "; }; f");
            git.ok(work, "config", "--global", "lfs.locksverify", "false");
            git.ok(work, "lfs", "install", "--skip-repo");
            Path src = git.newRepo(work.resolve("src"), 1);
            git.ok(src, "lfs", "track", "*.bin");
            byte[] big = new byte[20 * 1024 * 1024];
            new Random(3).nextBytes(big);
            Files.write(src.resolve("data.bin"), big);
            git.ok(src, "add", ".gitattributes", "data.bin");
            git.ok(src, "commit", "-q", "-m", "large");
            double receivedBefore = received(a);
            git.ok(src, "push", a.url() + repo + ".git", "main");
            double received = received(a) - receivedBefore;
            assertTrue(received < 1024 * 1024, "gitfn received " + received + " bytes for a 20 MiB LFS push");

            git.ok(work, "clone", "-q", b.url() + repo + ".git", "copy");
            assertArrayEquals(big, Files.readAllBytes(work.resolve("copy/data.bin")));
            git.ok(work.resolve("copy"), "lfs", "fsck");

            String oid = sha256(big);
            HttpResponse<String> download = batch(b.url() + repo, admin, "download", oid, big.length);
            Matcher href = Pattern.compile("\"href\":\"([^\"]+)\"").matcher(download.body());
            assertTrue(href.find(), download.body());
            assertTrue(href.group(1).startsWith(rgw.uri().toString()), "the bucket serves it: " + href.group(1));
            Thread.sleep(3000); // B's URLs live 2 s
            assertEquals(403, HTTP.send(HttpRequest.newBuilder(URI.create(href.group(1))).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode(), "an expired URL fails");

            // Wrong bytes of the right size through a real presigned upload URL.
            byte[] wanted = "the bytes the oid names\n".getBytes();
            byte[] forged = "not the bytes the oid n\n".getBytes();
            assertEquals(wanted.length, forged.length);
            String oid2 = sha256(wanted);
            HttpResponse<String> upload = batch(a.url() + repo, admin, "upload", oid2, wanted.length);
            Matcher put = Pattern.compile("\"upload\":\\{\"href\":\"([^\"]+)\",\"header\":\\{([^}]*)\\}").matcher(
                    upload.body());
            assertTrue(put.find(), upload.body());
            HttpRequest.Builder forgedPut = HttpRequest.newBuilder(URI.create(put.group(1)))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(forged));
            Matcher header = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"").matcher(put.group(2));
            while (header.find()) {
                if (!RESTRICTED.contains(header.group(1).toLowerCase())) {
                    forgedPut.header(header.group(1), header.group(2));
                }
            }
            int stored = HTTP.send(forgedPut.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            HttpResponse<String> verify = HTTP.send(HttpRequest.newBuilder(URI.create(a.url() + repo
                    + ".git/info/lfs/verify")).header("Authorization", admin).header("Content-Type",
                    "application/vnd.git-lfs+json").POST(HttpRequest.BodyPublishers.ofString("{\"oid\":\"" + oid2
                    + "\",\"size\":" + wanted.length + "}")).build(), HttpResponse.BodyHandlers.ofString());
            assertNotEquals(200, verify.statusCode(), "bucket answered " + stored + "; verify must refuse: "
                    + verify.body());
            assertTrue(batch(b.url() + repo, admin, "download", oid2, wanted.length).body().contains("\"code\":404"),
                    "a tampered upload never becomes downloadable");

            // The quota counts the bucket's LFS objects (from its listing): a batch past it gets 507.
            HttpResponse<String> info = Http.json("GET", URI.create(b.url() + "api/repos/" + repo), admin, null);
            Matcher size = Pattern.compile("\"sizeBytes\":(\\d+)").matcher(info.body());
            assertTrue(size.find() && Long.parseLong(size.group(1)) >= big.length, info.body());
            assertEquals(200, Http.json("PATCH", URI.create(a.url() + "api/repos/" + repo), admin,
                    "{\"quotaBytes\":" + (Long.parseLong(size.group(1)) + 1000) + "}").statusCode());
            // (through A, which made the change: B trusts its cached record for gitfn.auth.cache-ttl)
            HttpResponse<String> over = batch(a.url() + repo, admin, "upload", sha256(new byte[5000]), 5000);
            assertEquals(507, over.statusCode(), over.body());
            assertTrue(over.body().contains("quota exceeded: " + repo), over.body());

            // A rename copies the packs and LFS objects inside the bucket (server-side copies).
            String moved = repo + "-moved";
            HttpResponse<String> renamed = Http.json("PATCH", URI.create(a.url() + "api/repos/" + repo), admin,
                    "{\"name\":\"" + moved + "\"}");
            assertEquals(200, renamed.statusCode(), renamed.body());
            git.ok(work, "clone", "-q", b.url() + moved + ".git", "moved");
            assertArrayEquals(big, Files.readAllBytes(work.resolve("moved/data.bin")));
            git.ok(work.resolve("moved"), "lfs", "fsck");
            git.ok(work.resolve("moved"), "fsck", "--strict");
        }
    }

    private static HttpResponse<String> batch(String repoUrl, String auth, String op, String oid, long size)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(repoUrl + ".git/info/lfs/objects/batch"))
                .header("Authorization", auth).header("Content-Type", "application/vnd.git-lfs+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"operation\":\"" + op + "\",\"objects\":[{\"oid\":\""
                        + oid + "\",\"size\":" + size + "}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** All request body bytes the instance has received, from its metrics. */
    private static double received(ServerProcess p) {
        double total = 0;
        for (String line : Http.get(URI.create(p.managementUrl() + "q/metrics")).body().split("\n")) {
            if (line.startsWith("gitfn_received_bytes_total")) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
