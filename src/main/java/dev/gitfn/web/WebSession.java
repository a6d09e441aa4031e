package dev.gitfn.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import jakarta.ws.rs.core.Cookie;

/**
 * A browser's sign-in: the session cookie carries the credentials the visitor signed in
 * with (a token or a JWT, as an {@code Authorization} value), so every page is checked by
 * the same rules as git, and revoking the token or letting the JWT expire ends the session
 * on every instance at once: nothing is kept on the server. The cookie is
 * {@code HttpOnly} (no script reads it), {@code SameSite=Lax} (no cross-site POST carries
 * it) and {@code Secure} over TLS; only the web view's pages read it.
 */
public final class WebSession {
    public static final String COOKIE = "gitfn_session";
    /** Cookie values longer than this are not ours (a JWT is a few KiB at most). */
    private static final int MAX_VALUE = 8192;

    private WebSession() {
    }

    /** The {@code Authorization} value a session cookie holds, if it holds a well-formed one. */
    public static Optional<String> credentials(Cookie cookie) {
        if (cookie == null || cookie.getValue() == null || cookie.getValue().isEmpty()
                || cookie.getValue().length() > MAX_VALUE) {
            return Optional.empty();
        }
        try {
            String value = new String(Base64.getUrlDecoder().decode(cookie.getValue()), StandardCharsets.UTF_8);
            boolean scheme = value.regionMatches(true, 0, "Basic ", 0, 6)
                    || value.regionMatches(true, 0, "Bearer ", 0, 7);
            return scheme && value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? Optional.of(value)
                    : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The {@code Set-Cookie} value that signs a browser in with {@code authorization}. */
    public static String signIn(String authorization, Duration maxAge, boolean secure) {
        String value = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(authorization.getBytes(StandardCharsets.UTF_8));
        return COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAge.toSeconds() + "; HttpOnly; SameSite=Lax"
                + (secure ? "; Secure" : "");
    }

    /** The {@code Set-Cookie} value that ends a session. */
    public static String signOut(boolean secure) {
        return COOKIE + "=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    /** The {@code Authorization} value for a user name and token (or a JWT, with no user name) typed into the form. */
    public static Optional<String> fromForm(String user, String token) {
        if (token == null || token.isBlank() || token.length() > MAX_VALUE / 2) {
            return Optional.empty();
        }
        String secret = token.trim();
        if (user == null || user.isBlank()) {
            return Optional.of("Bearer " + secret);
        }
        if (user.indexOf(':') >= 0 || user.length() > 256) {
            return Optional.empty();
        }
        return Optional.of("Basic " + Base64.getEncoder()
                .encodeToString((user.trim() + ":" + secret).getBytes(StandardCharsets.UTF_8)));
    }

    /** A path on this server to go back to after signing in, or {@code /}: never another site ({@code //evil}, {@code /\evil}). */
    public static String returnPath(String next) {
        if (next == null || !next.startsWith("/") || next.startsWith("//") || next.contains("\\")
                || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return "/";
        }
        try {
            java.net.URI.create(next); // a Location header must be a URI (no raw | " { ...)
        } catch (IllegalArgumentException notAUri) {
            return "/";
        }
        return next;
    }
}
