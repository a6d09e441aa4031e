package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.S3Servers;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.StaticFileServer;
import dev.gitfn.support.TestDirs;

/**
 * The published area in a bucket of its own on a real S3 server (S3Proxy, whose
 * file-system backend keeps each bucket as a folder, served here by a plain
 * static server as a bucket website or CDN would serve it): the store bucket
 * stays private, the published one holds public repositories only.
 */
class PublishedS3IT {
    private static final String ADMIN = "published-s3-admin-token-0123456789abcdef";

    @Test
    void publicRepositoriesGoToTheirOwnBucketAndNothingElseDoes() throws Exception {
        Path work = TestDirs.fresh("published-s3");
        try (S3Servers.S3Proxy s3 = new S3Servers.S3Proxy(work.resolve("s3"))) {
            s3.endpoint().createBucket("store");
            s3.endpoint().createBucket("public");
            Map<String, String> env = new HashMap<>(s3.endpoint().gitfnEnv("store", "repos"));
            env.put("GITFN_CACHE_DIR", work.resolve("cache").toString());
            env.put("GITFN_AUTH_ADMIN_TOKEN", ADMIN);
            env.put("GITFN_PUBLISH_S3_BUCKET", "public");
            Git git = new Git(work.resolve("home"));
            try (ServerProcess gitfn = new ServerProcess(work.resolve("gitfn.log"), env)) {
                String auth = "Bearer " + ADMIN;
                for (String repo : List.of("team/open", "team/closed")) {
                    assertEquals(201, Http.createRepo(gitfn.url(), auth, repo).statusCode());
                    assertEquals(200, Http.putAccess(gitfn.url(), auth, repo, "{\"public\":" + repo.endsWith("open") + "}")
                            .statusCode());
                }
                Path src = git.newRepo(work.resolve("src"), 3);
                String admin = gitfn.url().replace("http://", "http://admin:" + ADMIN + "@");
                git.ok(src, "push", admin + "team/open.git", "main");
                git.ok(src, "push", admin + "team/closed.git", "main");

                Path bucket = work.resolve("s3/blobs/public");
                try (StaticFileServer cdn = new StaticFileServer(bucket)) {
                    git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone", cdn.url() + "team/open.git", "open").ok();
                    git.ok(work.resolve("open"), "fsck", "--strict");
                    assertEquals(git.revParse(src, "main"), git.revParse(work.resolve("open"), "main"));
                    assertNotEquals(0, git.run(work, Map.of("GIT_SMART_HTTP", "0"), "clone",
                            cdn.url() + "team/closed.git", "closed").exitCode());
                }
                try (Stream<Path> files = Files.walk(bucket)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        String key = bucket.relativize(f).toString();
                        assertTrue(key.startsWith("team/open.git/"), "only the public repository: " + key);
                        assertFalse(key.contains("gitfn-state") || key.contains(".gitfn"), key);
                    }
                }
            }

            // A published area inside the store's key space would publish the store: refused at start-up.
            Map<String, String> overlapping = new HashMap<>(env);
            overlapping.remove("GITFN_PUBLISH_S3_BUCKET");
            overlapping.put("GITFN_PUBLISH_S3_PREFIX", "repos/public");
            Path log = work.resolve("overlap.log");
            assertThrows(IOException.class, () -> new ServerProcess(log, overlapping).close());
            assertTrue(Files.readString(log).contains("overlaps the store"), Files.readString(log));
        }
    }
}
