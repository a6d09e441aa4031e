package dev.gitfn.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import jakarta.ws.rs.core.Cookie;

import org.junit.jupiter.api.Test;

/**
 * The web view's guards as plain calls, for mutation testing: what a session cookie may
 * hold and how it is set, where a sign-in may send the browser back to, how names become
 * addresses, and what of a README survives.
 */
class WebGuardsTest {

    private static Cookie cookie(String value) {
        return new Cookie.Builder(WebSession.COOKIE).value(value).build();
    }

    private static String encoded(String authorization) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(authorization.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSessionCookieHoldsOneWellFormedAuthorizationValue() {
        assertEquals(Optional.of("Basic YTpi"), WebSession.credentials(cookie(encoded("Basic YTpi"))));
        assertEquals(Optional.of("Bearer eyJ.x.y"), WebSession.credentials(cookie(encoded("Bearer eyJ.x.y"))));
        assertEquals(Optional.of("basic YTpi"), WebSession.credentials(cookie(encoded("basic YTpi"))));
        assertEquals(Optional.empty(), WebSession.credentials(null));
        assertEquals(Optional.empty(), WebSession.credentials(cookie("")));
        assertEquals(Optional.empty(), WebSession.credentials(cookie("%%%not-base64")));
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Token abc"))), "another scheme");
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Basic"))), "a scheme alone");
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Basic YTpi\r\nX-Admin: 1"))),
                "control characters");
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Basic \u00e9"))), "beyond ASCII");
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Bearer " + "a".repeat(8200)))),
                "longer than any credential");
        String longest = "Bearer " + "a".repeat(6000);
        assertEquals(Optional.of(longest), WebSession.credentials(cookie(encoded(longest))));
        // The edges: a cookie value of exactly 8192 characters is taken, one more is not; printable ASCII is.
        String atLimit = "Bearer " + "a".repeat(6137); // 6144 bytes: 8192 base64 characters
        assertEquals(8192, encoded(atLimit).length());
        assertEquals(Optional.of(atLimit), WebSession.credentials(cookie(encoded(atLimit))));
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded(atLimit) + "A")));
        assertEquals(Optional.of("Basic ~ !"), WebSession.credentials(cookie(encoded("Basic ~ !"))));
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Basic ab"))));
        assertEquals(Optional.empty(), WebSession.credentials(cookie(encoded("Basic ab"))));
    }

    @Test
    void theCookieIsHttpOnlySameSiteAndSecureOverTls() {
        String plain = WebSession.signIn("Basic YTpi", Duration.ofHours(8), false);
        assertTrue(plain.startsWith(WebSession.COOKIE + "=" + encoded("Basic YTpi") + ";"), plain);
        assertTrue(plain.contains("; Path=/;") && plain.contains("; Max-Age=28800;") && plain.contains("; HttpOnly")
                && plain.contains("; SameSite=Lax"), plain);
        assertFalse(plain.contains("Secure"), plain);
        assertTrue(WebSession.signIn("Basic YTpi", Duration.ofHours(8), true).endsWith("; Secure"));
        String out = WebSession.signOut(false);
        assertTrue(out.startsWith(WebSession.COOKIE + "=;") && out.contains("Max-Age=0") && out.contains("HttpOnly"), out);
        assertFalse(out.contains("Secure"));
        assertTrue(WebSession.signOut(true).endsWith("; Secure"));
        // What the cookie says is what it was given.
        assertEquals(Optional.of("Basic YTpi"), WebSession.credentials(cookie(plain.substring(
                plain.indexOf('=') + 1, plain.indexOf(';')))));
    }

    @Test
    void theSignInFormBecomesBasicOrBearer() {
        assertEquals(Optional.of("Basic " + Base64.getEncoder().encodeToString("alice:gfn_x".getBytes())),
                WebSession.fromForm(" alice ", " gfn_x "));
        assertEquals(Optional.of("Bearer eyJ"), WebSession.fromForm("", "eyJ"));
        assertEquals(Optional.of("Bearer eyJ"), WebSession.fromForm(null, "eyJ"));
        assertEquals(Optional.empty(), WebSession.fromForm("alice", ""));
        assertEquals(Optional.empty(), WebSession.fromForm("alice", null));
        assertEquals(Optional.empty(), WebSession.fromForm("alice", "   "));
        assertEquals(Optional.empty(), WebSession.fromForm("al:ice", "gfn_x"), "a colon would split the pair");
        assertEquals(Optional.empty(), WebSession.fromForm(":alice", "gfn_x"));
        assertEquals(Optional.empty(), WebSession.fromForm("a".repeat(257), "gfn_x"));
        assertTrue(WebSession.fromForm("a".repeat(256), "gfn_x").isPresent());
        assertEquals(Optional.empty(), WebSession.fromForm("alice", "t".repeat(4097)));
        assertTrue(WebSession.fromForm("alice", "t".repeat(4096)).isPresent());
    }

    @Test
    void aSignInGoesBackOnlyToThisSite() {
        assertEquals("/team/app", WebSession.returnPath("/team/app"));
        assertEquals("/team/app/-/commits/main?page=2", WebSession.returnPath("/team/app/-/commits/main?page=2"));
        assertEquals("/!~", WebSession.returnPath("/!~"), "the printable edges");
        for (String away : new String[] {null, "", "team/app", "//evil.example/", "https://evil.example/",
                "/\\evil.example", "/a b", "/a|b", "/a\"b", "/%zz", "/a\tb", "/a\nb", "/a\u007fb", "javascript:alert(1)"}) {
            assertEquals("/", WebSession.returnPath(away), String.valueOf(away));
        }
    }

    @Test
    void namesBecomeEncodedAddresses() {
        WebLinks links = new WebLinks("team/app");
        assertEquals("/team/app", links.repo());
        assertEquals("/team/app/-/tree/feature/x/src", links.tree("feature/x", "src"));
        assertEquals("/team/app/-/tree/main", links.tree("main", ""));
        assertEquals("/team/app/-/tree/main", links.tree("main", null));
        assertEquals("/team/app/-/blob/main/%3Cimg%20src%3Dx%3E.txt", links.blob("main", "<img src=x>.txt"));
        assertEquals("/team/app/-/raw/v1/a%3Fb%23c%25d%2Be", links.raw("v1", "a?b#c%d+e"));
        assertEquals("/team/app/-/commits/main/docs", links.commits("main", "docs"));
        assertEquals("/team/app/-/commit/abc", links.commit("abc"));
        assertEquals("/x", WebLinks.page("/x", 1));
        assertEquals("/x", WebLinks.page("/x", 0));
        assertEquals("/x?page=2", WebLinks.page("/x", 2));
        assertEquals("a/%22%27/b", WebLinks.segments("a/\"'/b"));
        assertEquals("example.com", WebLinks.hostName("example.com:8080"));
        assertEquals("example.com", WebLinks.hostName("example.com"));
        assertEquals("[::1]", WebLinks.hostName("[::1]:8080"));
        assertEquals("", WebLinks.hostName(":8080"));
    }

    @Test
    void aReadmeKeepsNothingActive() {
        String html = Readme.toHtml("""
                # Title

                <script>alert(1)</script>
                <img src=x onerror="alert(2)">
                <iframe src="https://evil.example"></iframe>
                <a href="javascript:alert(3)">js</a>

                [md-js](javascript:alert(4)) [data](data:text/html;base64,PHNjcmlwdD4=) [VB](vbscript:x)
                [docs](docs/guide.md) [dot](./a.md) [site](https://example.com/) [anchor](#title) [root](/elsewhere)
                ![logo](img/logo.png) ![remote](https://example.com/x.png)

                | a | b |
                |---|---|
                | 1 | 2 |
                """, p -> "/r/blob/main/" + p, p -> "/r/raw/main/" + p);
        assertTrue(html.contains("<h1>Title</h1>"), html);
        // Read back as a browser would: no active element, attribute or address survives.
        org.jsoup.nodes.Document page = org.jsoup.Jsoup.parseBodyFragment(html);
        assertTrue(page.select("script, iframe, object, embed, style, form, input").isEmpty(), html);
        for (org.jsoup.nodes.Element e : page.getAllElements()) {
            for (org.jsoup.nodes.Attribute a : e.attributes()) {
                assertFalse(a.getKey().toLowerCase().startsWith("on") || a.getKey().equalsIgnoreCase("style"),
                        a + " in " + html);
                String v = a.getValue().trim().toLowerCase();
                assertFalse(v.startsWith("javascript:") || v.startsWith("data:") || v.startsWith("vbscript:"),
                        a + " in " + html);
            }
        }
        assertTrue(html.contains("&lt;script&gt;"), "raw HTML is shown as text: " + html);
        assertTrue(html.contains("href=\"/r/blob/main/docs/guide.md\""), html);
        assertTrue(html.contains("href=\"/r/blob/main/a.md\""), html);
        assertTrue(html.contains("href=\"https://example.com/\""), html);
        assertTrue(html.contains("href=\"#title\"") && html.contains("href=\"/elsewhere\""), html);
        assertTrue(html.contains("src=\"/r/raw/main/img/logo.png\""), html);
        assertTrue(html.contains("src=\"https://example.com/x.png\""), html);
        assertTrue(html.contains("rel=\"nofollow noopener noreferrer\""), html);
        assertTrue(html.contains("<table>") && html.contains("<td>1</td>"), html);
        assertTrue(Readme.isMarkdown("README.md") && Readme.isMarkdown("readme.MARKDOWN"));
        assertFalse(Readme.isMarkdown("README") || Readme.isMarkdown("README.txt"));
        assertEquals("<pre>&lt;b&gt; &amp; &quot;x&quot;</pre>", Readme.plainText("<b> & \"x\""));
    }
}
