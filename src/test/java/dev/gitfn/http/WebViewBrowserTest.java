package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The web view in a real browser: Debian's Chromium, driven by playwright-core from
 * {@code src/test/browser/webview.mjs}, clicks from the list to a file and to a commit's
 * diff, signs in and out, copies a clone URL, looks at 320 px, and watches hostile names,
 * messages and a README for any script that runs. Screenshots are kept in
 * {@code target/browser-screenshots}.
 */
@QuarkusTest
@TestProfile(WebViewTest.Profile.class)
class WebViewBrowserTest {
    private static final Path SCRIPTS = Path.of("src/test/browser").toAbsolutePath();
    private static final Path SHOTS = Path.of("target/browser-screenshots").toAbsolutePath();

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void installDriver() throws Exception {
        if (!Files.isDirectory(SCRIPTS.resolve("node_modules/playwright-core"))) {
            Process npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(SCRIPTS.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, npm.waitFor(), out);
        }
    }

    @Test
    void clickingThroughTheWebViewInChromium() throws Exception {
        Path work = TestDirs.fresh("webview-browser");
        Git git = new Git(work.resolve("home"));
        String admin = WebViewTest.ADMIN;
        String publicRepo = TestDirs.repoName("browser/open");
        String privateRepo = TestDirs.repoName("browser/closed");
        String user = "viewer" + System.nanoTime() % 1000000;
        String token = Http.newUserToken(URI.create(base.toString()), admin, user);
        for (String repo : List.of(publicRepo, privateRepo)) {
            assertEquals(201, Http.createRepo(base.toString(), admin, repo).statusCode());
        }
        assertEquals(200, Http.putAccess(base.toString(), admin, publicRepo, "{\"public\":true}").statusCode());
        assertEquals(200, Http.putAccess(base.toString(), admin, privateRepo,
                "{\"public\":false,\"read\":[\"" + user + "\"]}").statusCode());
        String pushBase = base.toString().replace("http://", "http://admin:" + WebViewTest.ADMIN_TOKEN + "@");
        WebViewTest.pushContent(git, work.resolve("open"), pushBase + publicRepo + ".git");
        WebViewTest.pushContent(git, work.resolve("closed"), pushBase + privateRepo + ".git");

        Process walk = new ProcessBuilder("node", SCRIPTS.resolve("webview.mjs").toString(), base.toString(),
                SHOTS.toString(), publicRepo, privateRepo, user, token).redirectErrorStream(true).start();
        String out = new String(walk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(walk.waitFor(120, TimeUnit.SECONDS), "the browser walk did not end: " + out);
        assertEquals(0, walk.exitValue(), out);
        assertTrue(out.contains("web view OK"), out);
        for (String shot : List.of("1-repositories", "2-repository", "3-file", "4-commit", "5-signed-in", "6-narrow")) {
            assertTrue(isPng(SHOTS.resolve(shot + ".png")), shot + ".png");
        }
    }

    private static boolean isPng(Path file) throws IOException {
        byte[] head = Files.readAllBytes(file);
        return head.length > 1000 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G';
    }
}
