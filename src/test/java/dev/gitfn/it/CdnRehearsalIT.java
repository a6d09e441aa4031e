package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        rgw.createBucket(published);
        // As a bucket behind a CDN: anyone may read objects, nobody may list or write.
        rgw.client().putBucketPolicy(b -> b.bucket(published).policy("""
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
                "Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}""".formatted(published))).join();

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
}
