package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git.Result;
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

    /**
     * Kills an instance (SIGKILL) in the middle of a push twice: once while the pack
     * is still arriving, once the moment its pack has reached the bucket, that is
     * around the ref-state swap. Either way the repository serves the old main or
     * the new one with every object, and takes the push again afterwards.
     */
    @Test
    void instanceKilledDuringAPushLeavesTheRepositoryConsistent() throws Exception {
        String repo = newRepo("s3/killed");
        Path src = git.newRepo(work.resolve("killed-src"), 2);
        git.ok(src, "push", a.url() + repo, "main");
        String packPrefix = PREFIX + "/" + repo + "/objects/pack/";
        for (String moment : List.of("receiving", "pack-uploaded")) {
            byte[] noise = new byte[24 * 1024 * 1024]; // incompressible, so the push takes a while
            new Random(moment.hashCode()).nextBytes(noise);
            Files.write(src.resolve(moment + ".bin"), noise);
            git.ok(src, "add", "-A");
            git.ok(src, "commit", "-q", "-m", moment);
            // .pack keys only: an index, a bitmap or a reverse index beside each would not count
            long packsBefore = packKeys(packPrefix).stream().filter(k -> k.endsWith(".pack")).count();
            try (ServerProcess victim = new ServerProcess(work.resolve("victim-" + moment + ".log"),
                    with(rgw.gitfnEnv(bucket, PREFIX), "GITFN_CACHE_DIR", work.resolve("cache-" + moment)))) {
                CompletableFuture<Result> push = CompletableFuture
                        .supplyAsync(() -> git.run(src, "push", victim.url() + repo, "main"));
                if (moment.equals("receiving")) {
                    Thread.sleep(300);
                } else {
                    long deadline = System.currentTimeMillis() + 120_000;
                    while (packKeys(packPrefix).stream().filter(k -> k.endsWith(".pack")).count()
                            <= packsBefore && System.currentTimeMillis() < deadline) {
                        Thread.sleep(5);
                    }
                }
                victim.kill();
                push.get();
            }
            String main = git.lsRemote(work, b.url() + repo).lines().filter(l -> l.endsWith("refs/heads/main"))
                    .findFirst().orElseThrow().split("\\t")[0];
            assertTrue(main.equals(git.revParse(src, "HEAD")) || main.equals(git.revParse(src, "HEAD~1")),
                    moment + ": main is " + main);
            Path check = work.resolve("killed-clone-" + moment);
            git.ok(work, "clone", "-q", b.url() + repo, check.toString());
            git.ok(check, "fsck", "--strict");
            git.ok(src, "push", a.url() + repo, "main");
            assertTrue(git.lsRemote(work, b.url() + repo).contains(git.revParse(src, "HEAD") + "\trefs/heads/main"));
        }
    }

    private List<String> packKeys(String prefix) {
        return rgw.client().listObjectsV2(l -> l.bucket(bucket).prefix(prefix)).join().contents().stream()
                .map(o -> o.key()).toList();
    }

    @Test
    void coldInstanceAndDumbHttpFromTheBucket() throws Exception {
        String repo = newRepo("s3/cold");
        Path src = git.newRepo(work.resolve("cold-src"), 5);
        git.ok(src, "tag", "-a", "v1", "-m", "v1");
        git.ok(src, "push", a.url() + repo, "main", "v1");

        // A third instance with an empty cache folder, as after a cold start, logging
        // every S3 request it sends. Two clones at once must download the pack once.
        Path coldLog = work.resolve("cold.log");
        try (ServerProcess cold = new ServerProcess(coldLog,
                with(rgw.gitfnEnv(bucket, PREFIX), "GITFN_CACHE_DIR", work.resolve("cache-cold")),
                "-Dquarkus.log.category.\"software.amazon.awssdk.request\".level=DEBUG")) {
            CompletableFuture<Result> first = CompletableFuture
                    .supplyAsync(() -> git.run(work, "clone", cold.url() + repo, "cold-clone"));
            CompletableFuture<Result> second = CompletableFuture
                    .supplyAsync(() -> git.run(work, "clone", cold.url() + repo, "cold-clone-2"));
            first.get().ok();
            second.get().ok();
        }
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("cold-clone"), "HEAD"));
        assertEquals(git.revParse(src, "HEAD"), git.revParse(work.resolve("cold-clone-2"), "HEAD"));
        try (var lines = Files.lines(coldLog)) {
            long packGets = lines.filter(l -> l.contains("Sending Request") && l.contains("httpMethod=GET")
                    && l.contains(".pack")).count();
            assertEquals(1, packGets, "the pack was downloaded once; see " + coldLog);
        }

        String dumbUrl = rgw.uri() + "/" + bucket + "/" + PREFIX + "/" + repo;
        git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone", dumbUrl, "dumb-clone").ok();
        Path dumb = work.resolve("dumb-clone");
        git.ok(dumb, "fsck", "--strict");
        assertEquals(git.revParse(src, "HEAD"), git.revParse(dumb, "HEAD"));
        assertEquals(git.lsRemote(work, a.url() + repo),
                git.run(work, Map.of("GIT_SMART_HTTP", "0"), "ls-remote", dumbUrl).ok().trimmed());
    }
}
