package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;

/**
 * Two instances sharing one bucket on Ceph RGW, whose conditional writes are
 * atomic: the concurrency cases of the contract prove no accepted push is lost.
 * Also: a cold instance serves a repository that exists only in the bucket,
 * and the bucket itself serves dumb-HTTP clones with no gitfn involved.
 */
class RgwTwoInstancesIT extends TwoInstancesContract {
    private static final String PREFIX = "git";
    private S3Servers.Endpoint rgw;
    private String bucket;

    @Override
    Map<String, String> storeEnv(Path work) {
        rgw = S3Servers.rgw();
        if (rgw == null && System.getenv("CI") != null) {
            throw new IllegalStateException("CI must start Ceph RGW and set " + S3Servers.RGW_ENDPOINT_VARIABLE);
        }
        assumeTrue(rgw != null, S3Servers.RGW_ENDPOINT_VARIABLE + " is not set");
        bucket = "it-" + Long.toString(System.nanoTime(), 36);
        rgw.createBucket(bucket);
        // Anonymous read, as a public bucket behind a CDN would have.
        String policy = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
                 "Action":["s3:GetObject","s3:ListBucket"],
                 "Resource":["arn:aws:s3:::%1$s","arn:aws:s3:::%1$s/*"]}]}""".formatted(bucket);
        rgw.client().putBucketPolicy(p -> p.bucket(bucket).policy(policy)).join();
        return rgw.gitfnEnv(bucket, PREFIX);
    }

    @Test
    void coldInstanceAndDumbHttpFromTheBucket() throws Exception {
        String repo = newRepo("s3/cold");
        Path src = git.newRepo(work.resolve("cold-src"), 5);
        git.ok(src, "tag", "-a", "v1", "-m", "v1");
        git.ok(src, "push", a.url() + repo, "main", "v1");

        // A third instance with an empty cache folder, as after a cold start.
        try (ServerProcess cold = new ServerProcess(work.resolve("cold.log"),
                with(rgw.gitfnEnv(bucket, PREFIX), "GITFN_CACHE_DIR", work.resolve("cache-cold")))) {
            git.ok(work, "clone", cold.url() + repo, "cold-clone");
        }
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("cold-clone"), "HEAD"));

        String dumbUrl = rgw.uri() + "/" + bucket + "/" + PREFIX + "/" + repo;
        git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone", dumbUrl, "dumb-clone").ok();
        Path dumb = work.resolve("dumb-clone");
        git.ok(dumb, "fsck", "--strict");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(dumb, "HEAD"));
        assertEquals(git.lsRemote(work, a.url() + repo),
                git.run(work, Map.of("GIT_SMART_HTTP", "0"), "ls-remote", dumbUrl).ok().trimmed());
    }
}
