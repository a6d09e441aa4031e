package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The web view over a real port, as raw requests: the same access rules as git (no
 * private name leaks to anyone who may not read it), the session cookie and where it is
 * never accepted, hostile names and content kept inert, raw files never served as pages,
 * and caching headers. The real browser's view is {@code WebViewBrowserTest}.
 */
@QuarkusTest
@TestProfile(WebViewTest.Profile.class)
class WebViewTest {
    static final String ADMIN_TOKEN = "webview-admin-token-0123456789abcdefghij";
    static final String ADMIN = "Bearer " + ADMIN_TOKEN;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s",
                    "gitfn.auth.max-failures", "1000000", "gitfn.auth.failure-backoff", "0s",
                    "gitfn.web.commits-per-page", "3", "gitfn.web.diff-files-per-page", "2",
                    "gitfn.web.max-blob-view", "64K");
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger SEQ = new java.util.concurrent.atomic.AtomicInteger();

    @TestHTTPResource("/")
    URL base;

    private Path work;
    private Git git;
    private String publicRepo;
    private String privateRepo;
    private String readerAuth;
    private String strangerAuth;

    @BeforeEach
    void setUp() throws Exception {
        work = TestDirs.fresh("webview");
        git = new Git(work.resolve("home"));
        int n = SEQ.incrementAndGet();
        publicRepo = TestDirs.repoName("web/open" + n);
        privateRepo = TestDirs.repoName("web/secret-name" + n);
        String reader = "reader" + TestDirs.RUN + System.nanoTime() % 100000;
        String stranger = "stranger" + TestDirs.RUN + System.nanoTime() % 100000;
        readerAuth = Http.basic(reader, Http.newUserToken(URI.create(base.toString()), ADMIN, reader));
        strangerAuth = Http.basic(stranger, Http.newUserToken(URI.create(base.toString()), ADMIN, stranger));
        for (String repo : List.of(publicRepo, privateRepo)) {
            assertEquals(201, Http.createRepo(base.toString(), ADMIN, repo).statusCode());
        }
        assertEquals(200, Http.putAccess(base.toString(), ADMIN, publicRepo,
                "{\"public\":true,\"read\":[],\"write\":[]}").statusCode());
        assertEquals(200, Http.putAccess(base.toString(), ADMIN, privateRepo,
                "{\"public\":false,\"read\":[\"" + reader + "\"],\"write\":[]}").statusCode());
    }

    private String url(String repo) {
        String[] b = base.toString().split("//", 2);
        return b[0] + "//x-token-auth:" + ADMIN_TOKEN + "@" + b[1] + repo + ".git";
    }

    /** A repository with history worth showing: branches with slashes, a tag, a binary, a large file, hostile names. */
    private Path pushContent(String repo) throws Exception {
        return pushContent(git, work.resolve("src-" + repo.replace('/', '_')), url(repo));
    }

    /** {@link #pushContent(String)} for any server: pushes to {@code url} from a new repository at {@code dir}. */
    static Path pushContent(Git git, Path dir, String url) throws Exception {
        Path src = git.newRepo(dir, 5);
        Files.writeString(src.resolve("README.md"), "# Hello\n\nSee [the docs](docs/guide.md).\n\n"
                + "<script>window.pwned=1</script>\n\n[click](javascript:alert(1))\n\n"
                + "<img src=x onerror=\"window.pwned=2\">\n");
        Files.createDirectories(src.resolve("docs"));
        Files.writeString(src.resolve("docs/guide.md"), "line one\nline <two> & \"three\"\n");
        Files.writeString(src.resolve("<img src=x onerror=alert(1)>.txt"), "hostile name\n");
        Files.writeString(src.resolve("page.html"), "<html><script>alert(document.cookie)</script></html>\n");
        Files.write(src.resolve("blob.bin"), new byte[] {0, 1, 2, 3, 0, 'x'});
        Files.writeString(src.resolve("big.txt"), "0123456789abcdef\n".repeat(5000));
        git.ok(src, "add", "-A");
        git.ok(src, "commit", "-q", "-m", "<script>window.pwned=3</script> hostile subject");
        git.ok(src, "tag", "v1.0");
        git.ok(src, "checkout", "-q", "-b", "feature/x");
        Files.writeString(src.resolve("docs/guide.md"), "changed on a branch\n");
        git.ok(src, "commit", "-q", "-am", "branch change");
        git.ok(src, "checkout", "-q", "main");
        git.ok(src, "push", "-q", url, "main", "feature/x", "v1.0");
        return src;
    }

    private HttpResponse<String> get(String path, String authorization) {
        Map<String, String> h = new HashMap<>();
        if (authorization != null) {
            h.put("Authorization", authorization);
        }
        return Http.send("GET", URI.create(base + path.replaceFirst("^/", "")), h, null);
    }

    private HttpResponse<String> getWithCookie(String path, String cookie) {
        return Http.send("GET", URI.create(base + path.replaceFirst("^/", "")), Map.of("Cookie", cookie), null);
    }

    private HttpResponse<String> signIn(String user, String token, String next, Map<String, String> extra) {
        Map<String, String> h = new HashMap<>(extra);
        h.put("Content-Type", "application/x-www-form-urlencoded");
        String form = "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&next=" + URLEncoder.encode(next, StandardCharsets.UTF_8);
        return Http.send("POST", URI.create(base + "-/signin"), h, form.getBytes(StandardCharsets.UTF_8));
    }

    /** The cookie a successful sign-in sets, as a {@code Cookie} header value. */
    private String sessionOf(String basicAuth) {
        String decoded = new String(java.util.Base64.getDecoder().decode(basicAuth.substring(6)), StandardCharsets.UTF_8);
        String[] pair = decoded.split(":", 2);
        HttpResponse<String> r = signIn(pair[0], pair[1], "/", Map.of());
        assertEquals(303, r.statusCode(), r.body());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    @Test
    void anonymousSeesPublicRepositoriesOnlyAndPrivateOnesAreIndistinguishableFromMissing() throws Exception {
        pushContent(publicRepo);
        pushContent(privateRepo);
        HttpResponse<String> index = get("/", null);
        assertEquals(200, index.statusCode(), index.body());
        assertTrue(index.body().contains(publicRepo), index.body());
        assertFalse(index.body().contains("secret-name"), "a private repository's name in the list");

        String missing = TestDirs.repoName("web/secret-nothere");
        for (String suffix : List.of("", "/-/tree/main", "/-/tree/main/docs", "/-/blob/main/README.md",
                "/-/raw/main/README.md", "/-/commits/main", "/-/commit/" + "a".repeat(40))) {
            HttpResponse<String> priv = get("/" + privateRepo + suffix, null);
            HttpResponse<String> none = get("/" + missing + suffix, null);
            assertEquals(404, priv.statusCode(), suffix);
            assertEquals(404, none.statusCode(), suffix);
            assertEquals(without(none.body(), missing), without(priv.body(), privateRepo),
                    "private and missing answer alike: " + suffix);
            assertFalse(priv.body().contains("Hello"), suffix);
            assertTrue(priv.headers().firstValue("WWW-Authenticate").isEmpty(), "no browser password prompt");
            // Signed in, not on the list: the same 404.
            HttpResponse<String> stranger = get("/" + privateRepo + suffix, strangerAuth);
            assertEquals(404, stranger.statusCode(), suffix);
        }
        // The public repository's page, and a reader's view of the private one.
        assertEquals(200, get("/" + publicRepo, null).statusCode());
        assertEquals(200, get("/" + privateRepo, readerAuth).statusCode());
        HttpResponse<String> readerIndex = get("/", readerAuth);
        assertTrue(readerIndex.body().contains(privateRepo), readerIndex.body());
        assertFalse(get("/", strangerAuth).body().contains("secret-name"));
    }

    @Test
    void pagesShowBranchesTreesFilesLogsAndDiffs() throws Exception {
        Path src = pushContent(publicRepo);
        String head = git.revParse(src, "main");
        String feature = git.revParse(src, "feature/x");

        HttpResponse<String> page = get("/" + publicRepo, null);
        assertEquals(200, page.statusCode());
        String body = page.body();
        assertTrue(body.contains("feature/x") && body.contains("v1.0") && body.contains(head.substring(0, 7)), body);
        assertTrue(body.contains(base + publicRepo + ".git"), "the HTTP clone URL");
        assertTrue(body.contains("<h1>Hello</h1>"), "the README rendered: " + body);
        assertTrue(body.contains("href=\"/" + publicRepo + "/-/blob/main/docs/guide.md\""), "relative link to a file");

        HttpResponse<String> tree = get("/" + publicRepo + "/-/tree/main/docs", null);
        assertEquals(200, tree.statusCode());
        assertTrue(tree.body().contains("/-/blob/main/docs/guide.md"), tree.body());
        // A ref with a slash, then a path.
        HttpResponse<String> onBranch = get("/" + publicRepo + "/-/blob/feature/x/docs/guide.md", null);
        assertEquals(200, onBranch.statusCode());
        assertTrue(onBranch.body().contains("changed on a branch"), onBranch.body());
        // At a tag and at a commit id.
        HttpResponse<String> atTag = get("/" + publicRepo + "/-/blob/v1.0/docs/guide.md", null);
        assertTrue(atTag.body().contains("line &lt;two&gt; &amp; &quot;three&quot;"), atTag.body());
        assertTrue(atTag.body().contains("id=\"L2\""), "line numbers");
        assertEquals(200, get("/" + publicRepo + "/-/tree/" + feature + "/docs", null).statusCode());
        // A file path under /tree goes to its page; a missing path is 404.
        assertEquals(302, get("/" + publicRepo + "/-/tree/main/README.md", null).statusCode());
        assertEquals(404, get("/" + publicRepo + "/-/blob/main/nothing.txt", null).statusCode());
        assertEquals(404, get("/" + publicRepo + "/-/tree/nobranch", null).statusCode());

        // Binary and large files are offered as downloads.
        String bin = get("/" + publicRepo + "/-/blob/main/blob.bin", null).body();
        assertTrue(bin.contains("binary file") && bin.contains("/-/raw/main/blob.bin"), bin);
        String big = get("/" + publicRepo + "/-/blob/main/big.txt", null).body();
        assertTrue(big.contains("too large to show") && !big.contains("id=\"L2\""), big);

        // The log, paged (3 per page here): 7 commits on feature/x.
        HttpResponse<String> log1 = get("/" + publicRepo + "/-/commits/feature/x", null);
        assertEquals(3, count(log1.body(), "<li>"), log1.body());
        assertTrue(log1.body().contains("?page=2") && !log1.body().contains("rel=\"prev\""));
        HttpResponse<String> log3 = get("/" + publicRepo + "/-/commits/feature/x?page=3", null);
        assertEquals(1, count(log3.body(), "<li>"), log3.body());
        assertFalse(log3.body().contains("rel=\"next\""));
        assertTrue(log3.body().contains("rel=\"prev\""));
        // A path's log: the commits that touched it.
        HttpResponse<String> pathLog = get("/" + publicRepo + "/-/commits/feature/x/docs/guide.md", null);
        assertEquals(2, count(pathLog.body(), "<li>"), pathLog.body());

        // A commit and its diff, 2 files per page (it changed 6).
        String commitId = git.revParse(src, "v1.0");
        HttpResponse<String> commit = get("/" + publicRepo + "/-/commit/" + commitId, null);
        assertEquals(200, commit.statusCode());
        assertEquals(2, count(commit.body(), "class=\"file-diff\""), commit.body());
        assertTrue(commit.body().contains("6 changed files") && commit.body().contains("?page=2"), commit.body());
        HttpResponse<String> lastFiles = get("/" + publicRepo + "/-/commit/" + commitId + "?page=3", null);
        assertEquals(2, count(lastFiles.body(), "class=\"file-diff\""));
        // An abbreviated id goes to the full one.
        HttpResponse<String> shortId = get("/" + publicRepo + "/-/commit/" + commitId.substring(0, 10), null);
        assertEquals(302, shortId.statusCode());
        assertEquals("/" + publicRepo + "/-/commit/" + commitId, location(shortId));
        // /-/commit/ takes commit ids only, never a branch whose name looks like one.
        git.ok(src, "push", "-q", url(publicRepo), "feature/x:refs/heads/cafe1234");
        assertEquals(404, get("/" + publicRepo + "/-/commit/cafe1234", null).statusCode());
        assertEquals(200, get("/" + publicRepo + "/-/tree/cafe1234", null).statusCode());
        // Legitimate git traffic alongside: the clone matches.
        git.ok(work, "clone", "-q", url(publicRepo), "clone");
        assertEquals(head, git.revParse(work.resolve("clone"), "HEAD"));
    }

    @Test
    void hostileNamesMessagesAndReadmesStayInert() throws Exception {
        pushContent(publicRepo);
        String commitId = get("/" + publicRepo, null).body().replaceAll("(?s).*?/-/commit/([0-9a-f]{40}).*", "$1");
        List<String> pages = List.of("/", "/" + publicRepo, "/" + publicRepo + "/-/tree/main",
                "/" + publicRepo + "/-/commits/main", "/" + publicRepo + "/-/commit/" + commitId,
                "/" + publicRepo + "/-/blob/main/page.html");
        for (String p : pages) {
            HttpResponse<String> r = get(p, null);
            assertEquals(200, r.statusCode(), p);
            String html = r.body();
            assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=\"/-/static/)", Pattern.CASE_INSENSITIVE)
                    .matcher(html).find(), "a script element in " + p + ":\n" + html);
            assertFalse(Pattern.compile("<img[^>]*onerror", Pattern.CASE_INSENSITIVE).matcher(html).find(), p);
            assertFalse(html.toLowerCase().contains("href=\"javascript:"), p);
            String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertTrue(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), csp);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null));
        }
        String tree = get("/" + publicRepo + "/-/tree/main", null).body();
        assertTrue(tree.contains("&lt;img src=x onerror=alert(1)&gt;.txt"), "the hostile name shown as text");
        assertTrue(tree.contains("/-/blob/main/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt"), tree);
        assertTrue(get("/" + publicRepo + "/-/commits/main", null).body()
                .contains("&lt;script&gt;window.pwned=3&lt;/script&gt;"));

        // Raw files are never pages: HTML comes back as text, sandboxed, unsniffed.
        HttpResponse<String> raw = get("/" + publicRepo + "/-/raw/main/page.html", null);
        assertEquals(200, raw.statusCode());
        assertEquals("text/plain;charset=UTF-8", raw.headers().firstValue("Content-Type").orElseThrow()
                .replace(" ", ""));
        assertEquals("nosniff", raw.headers().firstValue("X-Content-Type-Options").orElseThrow());
        assertTrue(raw.headers().firstValue("Content-Security-Policy").orElseThrow().contains("sandbox"));
        assertTrue(raw.body().contains("<script>alert(document.cookie)</script>"), "the bytes as they are");
        HttpResponse<String> rawBin = get("/" + publicRepo + "/-/raw/main/blob.bin", null);
        assertEquals("application/octet-stream", rawBin.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(rawBin.headers().firstValue("Content-Disposition").orElseThrow().startsWith("attachment"));
        // The hostile file name in a raw download's header is encoded, never raw.
        HttpResponse<String> rawName = get("/" + publicRepo + "/-/raw/main/" + "%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt", null);
        assertEquals(200, rawName.statusCode());
        assertFalse(rawName.headers().firstValue("Content-Disposition").orElseThrow().contains("<"));
    }

    @Test
    void signingInSetsAGuardedCookieThatOnlyTheWebViewReads() throws Exception {
        pushContent(privateRepo);
        HttpResponse<String> in = signIn(readerAuth.isEmpty() ? "" : user(readerAuth), secret(readerAuth),
                "/" + privateRepo, Map.of());
        assertEquals(303, in.statusCode(), in.body());
        assertEquals("/" + privateRepo, location(in));
        String setCookie = in.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax")
                && setCookie.contains("Path=/"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain http: no Secure flag, or the browser drops it");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        HttpResponse<String> page = getWithCookie("/" + privateRepo, cookie);
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Signed in as"), page.body());
        assertTrue(page.headers().firstValue("Cache-Control").orElseThrow().startsWith("private"));

        // Behind TLS (a proxy saying so), the cookie is Secure.
        HttpResponse<String> tls = signIn(user(readerAuth), secret(readerAuth), "/", Map.of("X-Forwarded-Proto", "https"));
        assertTrue(tls.headers().firstValue("Set-Cookie").orElseThrow().contains("; Secure"));

        // git's endpoints and the API never take the cookie: a cross-site form cannot use it.
        Map<String, String> withCookie = Map.of("Cookie", cookie);
        assertEquals(401, Http.send("GET", URI.create(base + privateRepo + ".git/info/refs?service=git-upload-pack"),
                withCookie, null).statusCode());
        assertEquals(401, Http.send("POST", URI.create(base + privateRepo + ".git/git-upload-pack"),
                Map.of("Cookie", cookie, "Content-Type", "application/x-git-upload-pack-request"),
                "0000".getBytes()).statusCode());
        assertEquals(401, Http.send("GET", URI.create(base + "api/user"), withCookie, null).statusCode());

        // Wrong credentials, typed or in a cookie: refused, and the cookie is cleared.
        HttpResponse<String> wrong = signIn(user(readerAuth), "gfn_wrong", "/", Map.of());
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("Set-Cookie").isEmpty());
        String forged = "gitfn_session=" + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(Http.basic(user(readerAuth), "gfn_forged").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> forgedPage = getWithCookie("/" + privateRepo, forged);
        assertEquals(401, forgedPage.statusCode());
        assertTrue(forgedPage.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
        assertFalse(forgedPage.body().contains("Hello"));
        // A cookie that is no credential at all is no sign-in: anonymous.
        assertEquals(404, getWithCookie("/" + privateRepo, "gitfn_session=%%%garbage").statusCode());

        // Signing in from another site (login CSRF) is refused; so is a redirect off the site.
        assertEquals(403, signIn(user(readerAuth), secret(readerAuth), "/", Map.of("Origin", "https://evil.example"))
                .statusCode());
        for (String next : List.of("//evil.example/", "https://evil.example/", "/\\evil.example", "")) {
            HttpResponse<String> r = signIn(user(readerAuth), secret(readerAuth), next, Map.of());
            assertEquals("/", location(r), next);
        }
        // A sign-in body over the API's bound is refused before it is read; a chunked one without a length too.
        dev.gitfn.support.RawHttp.Head huge = dev.gitfn.support.RawHttp.send(URI.create(base.toString()),
                "POST /-/signin HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
                        + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000", new byte[0]);
        assertEquals(413, huge.status(), huge.text());
        assertEquals(200, getWithCookie("/" + privateRepo, cookie).statusCode(), "legitimate traffic meanwhile");
        // Signing out clears the cookie.
        HttpResponse<String> out = Http.send("POST", URI.create(base + "-/signout"),
                Map.of("Cookie", cookie, "Content-Type", "application/x-www-form-urlencoded"), new byte[0]);
        assertEquals(303, out.statusCode());
        assertTrue(out.headers().firstValue("Set-Cookie").orElseThrow().contains("Max-Age=0"));
    }

    @Test
    void revokingTheTokenEndsTheSession() throws Exception {
        pushContent(privateRepo);
        String name = "revoked" + System.nanoTime() % 1000000;
        String token = Http.newUserToken(URI.create(base.toString()), ADMIN, name);
        assertEquals(200, Http.putAccess(base.toString(), ADMIN, privateRepo,
                "{\"public\":false,\"read\":[\"" + name + "\"],\"write\":[]}").statusCode());
        String cookie = sessionOf(Http.basic(name, token));
        assertEquals(200, getWithCookie("/" + privateRepo, cookie).statusCode());
        assertEquals(204, Http.json("DELETE", URI.create(base + "api/users/" + name), ADMIN, null).statusCode());
        assertEquals(401, getWithCookie("/" + privateRepo, cookie).statusCode());
    }

    @Test
    void pagesAddressedByCommitIdAreImmutableAndOthersRevalidate() throws Exception {
        Path src = pushContent(publicRepo);
        pushContent(privateRepo);
        String head = git.revParse(src, "main");
        HttpResponse<String> byId = get("/" + publicRepo + "/-/commit/" + head, null);
        assertEquals("public, max-age=31536000, immutable", byId.headers().firstValue("Cache-Control").orElseThrow());
        HttpResponse<String> treeById = get("/" + publicRepo + "/-/tree/" + head, null);
        assertTrue(treeById.headers().firstValue("Cache-Control").orElseThrow().endsWith("immutable"));
        HttpResponse<String> privateById = get("/" + privateRepo + "/-/commit/"
                + get("/" + privateRepo, readerAuth).body().replaceAll("(?s).*?/-/commit/([0-9a-f]{40}).*", "$1"),
                readerAuth);
        assertEquals("private, no-store", privateById.headers().firstValue("Cache-Control").orElseThrow(),
                "a private repository's pages are kept by no cache");
        assertEquals("private, no-store", get("/" + privateRepo + "/-/tree/main", readerAuth).headers()
                .firstValue("Cache-Control").orElseThrow());
        assertEquals("private, no-store", get("/", readerAuth).headers().firstValue("Cache-Control").orElseThrow(),
                "a signed-in list may name private repositories");
        assertEquals("private, max-age=31536000, immutable", get("/" + publicRepo + "/-/commit/" + head, readerAuth)
                .headers().firstValue("Cache-Control").orElseThrow(), "the page names who is signed in");

        HttpResponse<String> byRef = get("/" + publicRepo + "/-/tree/main", null);
        assertEquals("private, no-cache", byRef.headers().firstValue("Cache-Control").orElseThrow(),
                "only immutable pages are for shared caches");
        String etag = byRef.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = Http.send("GET", URI.create(base + publicRepo + "/-/tree/main"),
                Map.of("If-None-Match", etag), null);
        assertEquals(304, again.statusCode());
        // A push moves main: the same address is a new page.
        git.commit(src, 1, "moves main");
        git.ok(src, "push", "-q", url(publicRepo), "main");
        HttpResponse<String> moved = Http.send("GET", URI.create(base + publicRepo + "/-/tree/main"),
                Map.of("If-None-Match", etag), null);
        assertEquals(200, moved.statusCode());
        assertNotNull(moved.headers().firstValue("ETag").orElse(null));
        String repoEtag = get("/" + publicRepo, null).headers().firstValue("ETag").orElseThrow();
        assertEquals(304, Http.send("GET", URI.create(base + publicRepo), Map.of("If-None-Match", repoEtag), null)
                .statusCode());
        // The same ETag never answers another visitor: the reader's page differs (its name is on it).
        HttpResponse<String> asReader = Http.send("GET", URI.create(base + publicRepo),
                Map.of("If-None-Match", repoEtag, "Authorization", readerAuth), null);
        assertEquals(200, asReader.statusCode());
    }

    @Test
    void aRepositoryNameWithDotGitGoesToItsPage() {
        HttpResponse<String> r = get("/" + publicRepo + ".git", null);
        assertEquals(301, r.statusCode());
        assertEquals("/" + publicRepo, location(r));
        assertNull(null);
    }

    /** The path a redirect goes to (JAX-RS makes relative locations absolute). */
    private static String location(HttpResponse<String> r) {
        return URI.create(r.headers().firstValue("Location").orElseThrow()).getRawPath();
    }

    private static String user(String basic) {
        return new String(java.util.Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8).split(":", 2)[0];
    }

    private static String secret(String basic) {
        return new String(java.util.Base64.getDecoder().decode(basic.substring(6)), StandardCharsets.UTF_8).split(":", 2)[1];
    }

    /** A page with a name taken out, as typed and as a URL-encoded {@code next=}. */
    private static String without(String page, String name) {
        return page.replace(name, "X").replace(URLEncoder.encode("/" + name, StandardCharsets.UTF_8), "X");
    }

    private static int count(String haystack, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
