package dev.gitfn.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Raw HTTP requests, for what the git client cannot send: the API and hostile input. */
public final class Http {
    /** HTTP/1.1, as git speaks it (the JDK's default would try an h2c upgrade). */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private Http() {
    }

    public static HttpResponse<String> send(String method, URI uri, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        // Large bodies ask first, as curl (and so git) does: the server may refuse before they are sent.
        b.expectContinue(body != null && body.length > 1024 * 1024);
        try {
            return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An {@code Authorization: Basic} header value. */
    public static String basic(String user, String secret) {
        return "Basic " + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A JSON request with an {@code Authorization} header (none when null). */
    public static HttpResponse<String> json(String method, URI uri, String authorization, String body) {
        Map<String, String> headers = new java.util.HashMap<>();
        headers.put("Content-Type", "application/json");
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        return send(method, uri, headers, body == null ? null : body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public static HttpResponse<String> get(URI uri) {
        return send("GET", uri, Map.of(), null);
    }

    /** {@code POST /api/repos}; returns the status code. */
    public static int createRepo(URI base, String name) {
        return send("POST", base.resolve("/api/repos"), Map.of("Content-Type", "application/json"),
                ("{\"name\":\"" + name + "\"}").getBytes()).statusCode();
    }

    /** {@code POST /api/repos} on the server at {@code base} (ending in '/'), as {@code authorization}. */
    public static HttpResponse<String> createRepo(String base, String authorization, String name) {
        return json("POST", URI.create(base + "api/repos"), authorization, "{\"name\":\"" + name + "\"}");
    }

    /** {@code PUT} of a repository's access record ({@code accessJson}) on the server at {@code base}. */
    public static HttpResponse<String> putAccess(String base, String authorization, String name, String accessJson) {
        return json("PUT", URI.create(base + "api/repos/" + name + "/-/access"), authorization, accessJson);
    }

    /** Creates user {@code name} as {@code adminAuth} and issues it a token with every scope; answers the token. */
    public static String newUserToken(URI api, String adminAuth, String name) {
        HttpResponse<String> user = json("POST", api.resolve("/api/users"), adminAuth, "{\"name\":\"" + name + "\"}");
        if (user.statusCode() != 201) {
            throw new AssertionError("creating user " + name + ": " + user.statusCode() + " " + user.body());
        }
        HttpResponse<String> token = json("POST", api.resolve("/api/users/" + name + "/tokens"), adminAuth, null);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"").matcher(token.body());
        if (!m.find()) {
            throw new AssertionError("no token for " + name + ": " + token.body());
        }
        return m.group(1);
    }
}
