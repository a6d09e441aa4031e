package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.NginxCdn;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.TestDirs;

/**
 * The CDN deployment rehearsed: gitfn on Ceph's S3 gateway publishes public
 * repositories to their own bucket, nginx caches it with the CloudFront rules
 * of terraform/cdn.tf, and git clones through nginx with dumb HTTP. A push is
 * seen at once, a pack is fetched from the bucket once however many clones
 * follow, and neither a private repository nor the store's records are reachable.
 * A public repository's LFS objects come through the CDN too; a private one's only
 * by presigned URLs to the store bucket.
 */
class CdnRehearsalIT {
    private static final String ADMIN = "cdn-rehearsal-admin-token-0123456789abcd";
    private static final Map<String, String> DUMB = Map.of("GIT_SMART_HTTP", "0");

    @Test
    void clonesThroughTheCdnSeeEveryPushAndPacksAreFetchedOnce() throws Exception {
        S3Servers.Endpoint rgw = S3Servers.rgw();
        assumeTrue(rgw != null, "needs Ceph RGW (" + S3Servers.RGW_ENDPOINT_VARIABLE + "; .ci/run starts it)");
        assumeTrue(NginxCdn.binary() != null, "needs nginx (" + NginxCdn.BINARY_VARIABLE + "; .ci/run installs it)");
        Path work = TestDirs.fresh("cdn");
        String run = Long.toString(System.nanoTime(), 36);
        String store = "cdn-store-" + run;
        String published = "cdn-public-" + run;
        rgw.createBucket(store);
        createPublishedBucket(rgw, published);

        Map<String, String> env = new HashMap<>(rgw.gitfnEnv(store, "repos"));
        env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
        env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
        env.put("GITFN_PUBLISH_S3_BUCKET", published);
        Git git = new Git(work.resolve("home"));
        try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env);
                NginxCdn cdn = new NginxCdn(work.resolve("nginx"), URI.create(rgw.uri() + "/" + published))) {
            String auth = "Bearer " + ADMIN;
            for (String repo : List.of("team/open", "team/closed")) {
                assertEquals(201, Http.createRepo(gitfn.url(), auth, repo).statusCode());
                assertEquals(200, Http.putAccess(gitfn.url(), auth, repo, "{\"public\":" + repo.endsWith("open") + "}")
                        .statusCode());
            }
            Path src = git.newRepo(work.resolve("src"), 5);
            String admin = gitfn.url().replace("http://", "http://admin:" + ADMIN + "@");
            git.ok(src, "push", admin + "team/open.git", "main");
            git.ok(src, "push", admin + "team/closed.git", "main");

            git.run(work, DUMB, "clone", "-q", cdn.url() + "team/open.git", "first").ok();
            git.ok(work.resolve("first"), "fsck", "--strict");
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("first"), "main"));

            // A push through gitfn is visible through the CDN at once: no stale info/refs.
            git.commit(src, 1, "after-first-clone");
            git.ok(src, "push", admin + "team/open.git", "main");
            for (String clone : List.of("second", "third")) {
                git.run(work, DUMB, "clone", "-q", cdn.url() + "team/open.git", clone).ok();
                git.ok(work.resolve(clone), "fsck", "--strict");
                assertEquals(git.revParse(src, "main"), git.revParse(work.resolve(clone), "main"), clone);
            }
            git.run(work.resolve("first"), DUMB, "pull", "-q", "--ff-only").ok();
            assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("first"), "main"));

            // Every pack the clones read was fetched from the bucket once; the rest came from the cache.
            List<String> log = cdn.accessLog();
            List<String> packRequests = log.stream().filter(l -> l.startsWith("GET ") && l.contains("/objects/pack/"))
                    .toList();
            assertTrue(packRequests.size() >= 6, "three clones and a pull read packs: " + log);
            Map<String, Long> fromBucket = new HashMap<>();
            for (String line : packRequests) {
                String path = line.split(" ")[1];
                fromBucket.merge(path, line.contains("upstream=-") ? 0L : 1L, Long::sum);
                assertTrue(line.contains(" 200 "), line);
            }
            fromBucket.forEach((path, count) -> assertEquals(1L, count, path + " fetched from the bucket: " + log));
            assertTrue(packRequests.stream().anyMatch(l -> l.contains("cache=HIT")), log.toString());

            // Nothing private through the CDN: the private repository and the store's records.
            assertNotEquals(0, git.run(work, DUMB, "clone", "-q", cdn.url() + "team/closed.git", "closed").exitCode());
            for (String path : List.of("team/closed.git/info/refs", "team/closed.git/HEAD",
                    "team/closed.git/objects/info/packs", ".gitfn/users", "repos/team/closed.git/info/refs",
                    "team/open.git/gitfn-state", "team/open.git/config", "")) {
                int status = Http.get(URI.create(cdn.url() + path)).statusCode();
                assertTrue(status == 404 || status == 403, path + " through the CDN answered " + status);
            }
            // And the store bucket itself answers no anonymous reader.
            int direct = Http.get(URI.create(rgw.uri() + "/" + store + "/repos/team/closed.git/info/refs")).statusCode();
            assertEquals(403, direct, "the store bucket is private");
        }
    }

    /** A bucket as one behind a CDN: anyone may read objects, nobody may list or write. */
    private static void createPublishedBucket(S3Servers.Endpoint rgw, String published) {
        rgw.createBucket(published);
        rgw.client().putBucketPolicy(b -> b.bucket(published).policy("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
                "Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}""".formatted(published))).join();
    }

    @Test
    void publicLfsObjectsComeThroughTheCdnPrivateOnesFromTheBucket() throws Exception {
        S3Servers.Endpoint rgw = S3Servers.rgw();
        assumeTrue(rgw != null, "needs Ceph RGW (" + S3Servers.RGW_ENDPOINT_VARIABLE + "; .ci/run starts it)");
        assumeTrue(NginxCdn.binary() != null, "needs nginx (" + NginxCdn.BINARY_VARIABLE + "; .ci/run installs it)");
        Path work = TestDirs.fresh("cdn-lfs");
        String run = Long.toString(System.nanoTime(), 36);
        String store = "cdn-lfs-store-" + run;
        String published = "cdn-lfs-public-" + run;
        rgw.createBucket(store);
        createPublishedBucket(rgw, published);
        try (NginxCdn cdn = new NginxCdn(work.resolve("nginx"), URI.create(rgw.uri() + "/" + published))) {
            Map<String, String> env = new HashMap<>(rgw.gitfnEnv(store, "repos"));
            env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
            env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
            env.put("GITFN_PUBLISH_S3_BUCKET", published);
            env.put("GITFN_PUBLISH_BASE_URL", cdn.url());
            try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env)) {
                String auth = "Bearer " + ADMIN;
                for (String repo : List.of("team/open", "team/closed")) {
                    assertEquals(201, Http.createRepo(gitfn.url(), auth, repo).statusCode());
                    assertEquals(200, Http.putAccess(gitfn.url(), auth, repo,
                            "{\"public\":" + repo.endsWith("open") + "}").statusCode());
                }
                Git git = new Git(work.resolve("home"));
                git.ok(work, "config", "--global", "credential.helper",
                        "!f() { echo username=admin; echo password=" + ADMIN + "; }; f");
                git.ok(work, "config", "--global", "lfs.locksverify", "false");
                git.ok(work, "lfs", "install", "--skip-repo");
                Path src = git.newRepo(work.resolve("src"), 1);
                git.ok(src, "lfs", "track", "*.bin");
                byte[] big = new byte[2 * 1024 * 1024];
                new Random(5).nextBytes(big);
                Files.write(src.resolve("data.bin"), big);
                git.ok(src, "add", ".gitattributes", "data.bin");
                git.ok(src, "commit", "-q", "-m", "large");
                for (String repo : List.of("team/open", "team/closed")) {
                    git.ok(src, "push", gitfn.url() + repo + ".git", "main");
                }
                String oid = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(big));
                String objectPath = "/lfs/objects/" + oid.substring(0, 2) + "/" + oid.substring(2, 4) + "/" + oid;

                // Two anonymous clones of the public one: the object through the CDN, from the bucket once.
                Git anonymous = new Git(work.resolve("home-anonymous"));
                anonymous.ok(work, "lfs", "install", "--skip-repo");
                for (String clone : List.of("one", "two")) {
                    anonymous.ok(work, "clone", "-q", gitfn.url() + "team/open.git", clone);
                    assertArrayEquals(big, Files.readAllBytes(work.resolve(clone + "/data.bin")), clone);
                    anonymous.ok(work.resolve(clone), "lfs", "fsck");
                }
                List<String> objectGets = cdn.accessLog().stream()
                        .filter(l -> l.startsWith("GET /team/open.git" + objectPath + " 200 ")).toList();
                assertEquals(2, objectGets.size(), cdn.accessLog().toString());
                assertEquals(1, objectGets.stream().filter(l -> !l.contains("upstream=-")).count(),
                        "fetched from the bucket once: " + objectGets);
                assertEquals(cdn.url() + "team/open.git" + objectPath, downloadHref(gitfn.url() + "team/open", null, oid,
                        big.length));

                // The private one: presigned URLs to the store bucket, nothing through the CDN.
                String closedHref = downloadHref(gitfn.url() + "team/closed", auth, oid, big.length);
                assertTrue(closedHref.startsWith(rgw.uri() + "/" + store + "/"), closedHref);
                int status = Http.get(URI.create(cdn.url() + "team/closed.git" + objectPath)).statusCode();
                assertTrue(status == 404 || status == 403, "the private object through the CDN answered " + status);

                // Made private, the public one's object leaves the published bucket and its downloads the CDN
                // (a CDN may still serve its cached copy until an invalidation: README).
                assertEquals(200, Http.putAccess(gitfn.url(), auth, "team/open", "{\"public\":false}").statusCode());
                status = Http.get(URI.create(rgw.uri() + "/" + published + "/team/open.git" + objectPath)).statusCode();
                assertTrue(status == 404 || status == 403, "withdrawn from the published bucket: " + status);
                assertTrue(downloadHref(gitfn.url() + "team/open", auth, oid, big.length)
                        .startsWith(rgw.uri() + "/" + store + "/"));
            }
        }
    }

    /** The {@code href} of a download batch for one object of {@code repoUrl} (no {@code .git}). */
    private static String downloadHref(String repoUrl, String authorization, String oid, long size) {
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "application/vnd.git-lfs+json",
                "Accept", "application/vnd.git-lfs+json"));
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        var answer = Http.send("POST", URI.create(repoUrl + ".git/info/lfs/objects/batch"), headers,
                ("{\"operation\":\"download\",\"objects\":[{\"oid\":\"" + oid + "\",\"size\":" + size + "}]}")
                        .getBytes());
        assertEquals(200, answer.statusCode(), answer.body());
        Matcher href = Pattern.compile("\"href\":\"([^\"]+)\"").matcher(answer.body());
        assertTrue(href.find(), answer.body());
        return href.group(1);
    }
}
