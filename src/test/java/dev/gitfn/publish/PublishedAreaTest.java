package dev.gitfn.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.CloudFrontStandIn;
import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.StaticFileServer;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The published area holds public repositories' dumb-HTTP files and nothing else:
 * a plain static server over it clones a public repository, and knows nothing of
 * private ones or of {@code .gitfn/}; access changes publish and withdraw.
 */
@QuarkusTest
@TestProfile(PublishedAreaTest.WithAuth.class)
class PublishedAreaTest {
    static final String ADMIN_TOKEN = "publish-admin-token-0123456789abcdefghij";
    static final Path AREA = Path.of("target/test-data/published").toAbsolutePath();
    static final Path STORE = Path.of("target/test-data/store").toAbsolutePath();
    static final String CDN_BASE = "https://cdn.example/git/";

    static final String DISTRIBUTION = "E2GITFNTEST";
    /** CloudFront's stand-in; it refuses the first invalidation once, so the retry is seen. */
    static final CloudFrontStandIn CLOUDFRONT = CloudFrontStandIn.shared("gitfn.test.published-area.cloudfront", 1);

    static {
        // The credentials the signer takes from the default chain (cleared after this class)
        System.setProperty("aws.accessKeyId", "AKIDGITFNTEST");
        System.setProperty("aws.secretAccessKey", "gitfn-test-secret");
    }

    @AfterAll
    static void forgetCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    public static class WithAuth implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.publish.fs-root", AREA.toString(), "gitfn.publish.base-url", CDN_BASE,
                    "gitfn.publish.cdn.cloudfront-distribution-id", DISTRIBUTION,
                    "gitfn.publish.cdn.endpoint", CLOUDFRONT.url(), "gitfn.publish.cdn.retry-backoff", "100ms");
        }
    }

    /**
     * The Authorization header SigV4 gives the request as it arrived (same time, host, headers
     * and body, with the test's credentials): equal to the one sent when the transport changed
     * nothing the signature covers.
     */
    private static String signedAgain(CloudFrontStandIn.Request r) {
        java.time.Instant at = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC).parse(r.header("X-Amz-Date"), java.time.Instant::from);
        var request = software.amazon.awssdk.http.SdkHttpRequest.builder()
                .method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                .uri(URI.create(CLOUDFRONT.url() + r.path())).putHeader("Content-Type", r.header("Content-Type"))
                .build();
        var signer = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create();
        return signer.sign(q -> q.identity(software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create(
                "AKIDGITFNTEST", "gitfn-test-secret")).request(request)
                .payload(software.amazon.awssdk.http.ContentStreamProvider.fromUtf8String(r.body()))
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME,
                        "cloudfront")
                .putProperty(software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK,
                        java.time.Clock.fixed(at, java.time.ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
    }

    /** The invalidations CloudFront's stand-in received for {@code repo}, waiting up to 10 s for {@code count}. */
    private static List<CloudFrontStandIn.Request> invalidationsOf(String repo, int count) throws InterruptedException {
        String path = "<Path>/git/" + repo + ".git/*</Path>";
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<CloudFrontStandIn.Request> seen = CLOUDFRONT.requests().stream()
                    .filter(r -> r.body().contains(path)).toList();
            if (seen.size() >= count || System.nanoTime() > deadline) {
                return seen;
            }
            Thread.sleep(20);
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Test
    void onlyPublicRepositoriesArePublishedAndAccessChangesFollow() throws Exception {
        Path work = TestDirs.fresh("published");
        Git git = new Git(work.resolve("home"));
        String suffix = Long.toString(System.nanoTime(), 36);
        String open = repo("open-" + suffix, true);
        String closed = repo("closed-" + suffix, false);
        Path src = git.newRepo(work.resolve("src"), 3);
        git.ok(src, "tag", "-a", "v1", "-m", "v1");
        git.ok(src, "push", smart(open, true), "main", "v1");
        git.ok(src, "push", smart(closed, true), "main");

        try (StaticFileServer cdn = new StaticFileServer(AREA)) {
            Path clone = dumbClone(git, work, cdn, open, "open-clone");
            git.ok(clone, "fsck", "--strict");
            assertEquals(git.lsRemote(work, smart(open, true)), dumbLsRemote(git, work, cdn, open));
            assertNotEquals(0, dumb(git, work, "clone", cdn.url() + closed + ".git", "closed-clone").exitCode(),
                    "a private repository is not in the published area");
            assertEquals(404, Http.get(URI.create(cdn.url() + closed + ".git/info/refs")).statusCode());
            assertOnlyPublicRepositoriesPublished();

            // Private now: gone from the area at once; smart HTTP still serves its users.
            assertEquals(List.of(), invalidationsOf(open, 0), "nothing withdrawn yet");
            setPublic(open, false);
            assertFalse(Files.exists(AREA.resolve(open + ".git")), "withdrawn");
            // ... and the CDN is told to forget its copies: refused once, sent again, accepted.
            List<CloudFrontStandIn.Request> asked = invalidationsOf(open, 2);
            assertEquals(List.of(503, 201), asked.stream().map(CloudFrontStandIn.Request::status).toList());
            for (CloudFrontStandIn.Request r : asked) {
                assertEquals("POST", r.method());
                assertEquals("/2020-05-31/distribution/" + DISTRIBUTION + "/invalidation", r.path());
                assertTrue(r.header("Authorization").startsWith("AWS4-HMAC-SHA256 Credential=AKIDGITFNTEST/"),
                        r.header("Authorization"));
                assertTrue(r.header("Authorization").contains("/us-east-1/cloudfront/aws4_request"));
                assertEquals(signedAgain(r), r.header("Authorization"), "the signature holds for what arrived");
                assertTrue(r.body().contains("<Quantity>1</Quantity>") && r.body().contains("<CallerReference>gitfn-"),
                        r.body());
            }
            assertNotEquals(0, dumb(git, work, "ls-remote", cdn.url() + open + ".git").exitCode());
            git.ok(work, "ls-remote", smart(open, true));

            // Public now: published, and each later push keeps it current.
            setPublic(closed, true);
            git.commit(src, 1, "later");
            git.ok(src, "push", smart(closed, true), "main");
            Path later = dumbClone(git, work, cdn, closed, "later-clone");
            git.ok(later, "fsck", "--strict");
            assertEquals(git.revParse(src, "main"), git.revParse(later, "main"));
            assertOnlyPublicRepositoriesPublished();

            // A rebuild removes what does not belong and restores what does.
            Path stray = AREA.resolve("stray/thing.git/info/refs");
            Files.createDirectories(stray.getParent());
            Files.writeString(stray, "junk\n");
            Files.delete(AREA.resolve(closed + ".git/info/refs"));
            var rebuilt = Http.json("POST", URI.create(base + "api/publish"), "Bearer " + ADMIN_TOKEN, null);
            assertEquals(200, rebuilt.statusCode(), rebuilt.body());
            assertTrue(rebuilt.body().contains(closed), rebuilt.body());
            assertFalse(Files.exists(stray));
            assertEquals(git.lsRemote(work, smart(closed, true)), dumbLsRemote(git, work, cdn, closed));
            assertOnlyPublicRepositoriesPublished();
            assertEquals(List.of(), invalidationsOf(closed, 0), "published, never withdrawn: the CDN is not asked");
        }
    }

    @Test
    void theCdnRedirectIsForPublicRepositoriesThatChoseItAndForCloningOnly() throws Exception {
        String suffix = Long.toString(System.nanoTime(), 36);
        String open = repo("redirect-open-" + suffix, true);
        String closed = repo("redirect-closed-" + suffix, false);
        String admin = "Bearer " + ADMIN_TOKEN;
        for (String repo : List.of(open, closed)) {
            var chose = Http.json("PUT", URI.create(base + "api/repos/" + repo + "/-/access"), admin,
                    "{\"public\":" + repo.equals(open) + ",\"cdnRedirect\":true}");
            assertEquals(200, chose.statusCode(), chose.body());
            assertTrue(chose.body().contains("\"cdnRedirect\":true"), chose.body());
        }
        var toCdn = Http.send("GET", URI.create(base + open + ".git/info/refs?service=git-upload-pack"), Map.of(), null);
        assertEquals(302, toCdn.statusCode());
        assertEquals("https://cdn.example/git/" + open + ".git/info/refs?service=git-upload-pack",
                toCdn.headers().firstValue("Location").orElseThrow());
        // A published copy behind its ref state (an instance that died after its swap, before its derived
        // writes) is written again before anyone is sent to it; so is one that went missing.
        Path publishedRefs = AREA.resolve(open + ".git/info/refs");
        String current = Files.readString(publishedRefs);
        for (boolean missing : List.of(false, true)) {
            if (missing) {
                Files.delete(publishedRefs);
            } else {
                Files.writeString(publishedRefs, "0123456789012345678901234567890123456789\trefs/heads/stale\n");
            }
            var repaired = Http.send("GET", URI.create(base + open + ".git/info/refs?service=git-upload-pack"),
                    Map.of(), null);
            assertEquals(302, repaired.statusCode());
            assertEquals(current, Files.readString(publishedRefs), "written again from the ref state");
        }
        // Pushes, and private repositories (even for their admin), are answered by gitfn itself.
        var push = Http.send("GET", URI.create(base + open + ".git/info/refs?service=git-receive-pack"),
                Map.of("Authorization", admin), null);
        assertEquals(200, push.statusCode());
        var anonymousPrivate = Http.send("GET", URI.create(base + closed + ".git/info/refs?service=git-upload-pack"),
                Map.of(), null);
        assertEquals(401, anonymousPrivate.statusCode(), "not revealed, not redirected");
        var adminPrivate = Http.send("GET", URI.create(base + closed + ".git/info/refs?service=git-upload-pack"),
                Map.of("Authorization", admin), null);
        assertEquals(200, adminPrivate.statusCode());
        assertTrue(adminPrivate.headers().firstValue("Location").isEmpty());
        // A later access change without the field keeps the choice; false turns it off.
        var keep = Http.json("PUT", URI.create(base + "api/repos/" + open + "/-/access"), admin, "{\"public\":true}");
        assertTrue(keep.body().contains("\"cdnRedirect\":true"), keep.body());
        Http.json("PUT", URI.create(base + "api/repos/" + open + "/-/access"), admin,
                "{\"public\":true,\"cdnRedirect\":false}");
        assertEquals(200, Http.send("GET", URI.create(base + open + ".git/info/refs?service=git-upload-pack"),
                Map.of(), null).statusCode());
    }

    /** Every file in the area belongs to a repository whose access record says public; nothing else is there. */
    private static void assertOnlyPublicRepositoriesPublished() throws IOException {
        assertFalse(Files.exists(AREA.resolve(".gitfn")), ".gitfn/ is never published");
        try (Stream<Path> files = Files.walk(AREA)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String rel = AREA.relativize(file).toString();
                int end = rel.indexOf(".git/");
                assertTrue(end > 0, "not a repository file: " + rel);
                String name = rel.substring(0, end);
                assertTrue(rel.endsWith("/HEAD") || rel.endsWith("/info/refs") || rel.contains("/objects/"),
                        "not a dumb-HTTP file: " + rel);
                assertFalse(rel.endsWith("gitfn-state"), rel);
                Path access = STORE.resolve(".gitfn/access/" + name + ".json");
                assertTrue(Files.exists(access) && Files.readString(access).contains("\"public\":true"),
                        "published but not public: " + rel);
            }
        }
    }

    private String repo(String name, boolean isPublic) {
        String full = TestDirs.repoName("published/" + name);
        assertEquals(201, Http.json("POST", URI.create(base + "api/repos"), "Bearer " + ADMIN_TOKEN,
                "{\"name\":\"" + full + "\"}").statusCode());
        setPublic(full, isPublic);
        return full;
    }

    private void setPublic(String repo, boolean isPublic) {
        var set = Http.json("PUT", URI.create(base + "api/repos/" + repo + "/-/access"), "Bearer " + ADMIN_TOKEN,
                "{\"public\":" + isPublic + ",\"read\":[],\"write\":[]}");
        assertEquals(200, set.statusCode(), set.body());
    }

    private String smart(String repo, boolean admin) {
        return (admin ? base.toString().replace("http://", "http://admin:" + ADMIN_TOKEN + "@") : base.toString())
                + repo + ".git";
    }

    private static Git.Result dumb(Git git, Path dir, String... args) {
        return git.run(dir, Map.of("GIT_SMART_HTTP", "0"), args);
    }

    private static Path dumbClone(Git git, Path work, StaticFileServer cdn, String repo, String dir) {
        dumb(git, work, "clone", cdn.url() + repo + ".git", dir).ok();
        return work.resolve(dir);
    }

    private static String dumbLsRemote(Git git, Path work, StaticFileServer cdn, String repo) {
        return dumb(git, work, "ls-remote", cdn.url() + repo + ".git").ok().trimmed();
    }
}
