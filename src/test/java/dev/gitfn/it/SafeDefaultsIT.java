package dev.gitfn.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.gitfn.support.Http;
import dev.gitfn.support.ServerProcess;
import dev.gitfn.support.StaticFileServer;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TestIssuer;

/**
 * Safe by default, checked on the packaged server: without authentication it
 * says so and serves loopback only; it refuses to listen on every address unless
 * anonymous access is allowed explicitly; with an admin token nothing is anonymous.
 */
class SafeDefaultsIT {

    @Test
    void refusesToListenOnAllAddressesWithoutAuthentication() throws Exception {
        Path work = TestDirs.fresh("safe-defaults");
        Path log = work.resolve("refused.log");
        IOException refused = assertThrows(IOException.class,
                () -> new ServerProcess(log, ServerProcess.folderStore(work,
                        Map.of("QUARKUS_HTTP_HOST", "0.0.0.0"))).close());
        assertTrue(refused.getMessage().contains("exited with"), refused.getMessage());
        assertTrue(Files.readString(log).contains("refusing to listen on 0.0.0.0 without authentication"),
                Files.readString(log));

        Path allowedLog = work.resolve("allowed.log");
        try (ServerProcess open = new ServerProcess(allowedLog, ServerProcess.folderStore(work,
                Map.of("QUARKUS_HTTP_HOST", "0.0.0.0",
                "GITFN_AUTH_ALLOW_ANONYMOUS", "true")))) {
            assertEquals(200, Http.get(URI.create(open.url() + "api/repos")).statusCode());
            assertTrue(Files.readString(allowedLog).contains("ANYONE may read and write"));
        }
    }

    @Test
    void refusesAnAdminTokenShorterThan32Characters() throws Exception {
        Path work = TestDirs.fresh("safe-short-token");
        Path log = work.resolve("short.log");
        assertThrows(IOException.class, () -> new ServerProcess(log, ServerProcess.folderStore(work,
                Map.of("GITFN_AUTH_ADMIN_TOKEN", "s3cret"))).close());
        assertTrue(Files.readString(log).contains("must have at least 32"), Files.readString(log));
    }

    @Test
    void loopbackWithoutAuthenticationSaysSo() throws Exception {
        Path work = TestDirs.fresh("safe-loopback");
        Path log = work.resolve("server.log");
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, Map.of()))) {
            assertEquals(200, Http.get(URI.create(server.url() + "api/repos")).statusCode());
            assertTrue(Files.readString(log).contains("no authentication configured"), Files.readString(log));
        }
    }

    @Test
    void withAnAdminTokenNothingIsAnonymous() throws Exception {
        Path work = TestDirs.fresh("safe-token");
        try (ServerProcess server = new ServerProcess(work.resolve("server.log"), ServerProcess.folderStore(work,
                Map.of("QUARKUS_HTTP_HOST", "0.0.0.0", "GITFN_AUTH_ADMIN_TOKEN", "s3cret-admin-token-0123456789abcdefghij")))) {
            URI repos = URI.create(server.url() + "api/repos");
            assertEquals(401, Http.get(repos).statusCode());
            assertEquals(201, Http.json("POST", repos, "Bearer s3cret-admin-token-0123456789abcdefghij", "{\"name\":\"team/app\"}").statusCode());
            assertEquals(401, Http.get(URI.create(server.url() + "team/app.git/info/refs?service=git-upload-pack"))
                    .statusCode());
            assertEquals(401, Http.get(URI.create(server.url() + "team/app.git/info/refs")).statusCode());
        }
    }

    @Test
    void jwtsVerifiedAgainstAJwksServedOverHttp() throws Exception {
        Path work = TestDirs.fresh("safe-jwks");
        Path keys = work.resolve("keys");
        Files.createDirectories(keys);
        Files.copy(TestIssuer.jwks(), keys.resolve("jwks.json"));
        try (StaticFileServer provider = new StaticFileServer(keys);
                ServerProcess server = new ServerProcess(work.resolve("server.log"),
                        ServerProcess.folderStore(work, Map.of(
                        "GITFN_AUTH_JWT_ISSUER", TestIssuer.ISSUER,
                        "GITFN_AUTH_JWT_JWKS_URL", provider.url() + "jwks.json")))) {
            URI repos = URI.create(server.url() + "api/repos");
            String admin = TestIssuer.token(TestIssuer.ISSUER, "ops", List.of("admins"), 5);
            assertEquals(200, Http.json("GET", repos, "Bearer " + admin, null).statusCode());
            assertEquals(401, Http.json("GET", repos, "Bearer " + TestIssuer.forgedToken("ops", List.of("admins")),
                    null).statusCode());
            assertEquals(401, Http.get(repos).statusCode());
        }
    }

    @Test
    void jsonLogsAndRequestLogsNeverCarryCredentials() throws Exception {
        Path work = TestDirs.fresh("safe-logs");
        Path log = work.resolve("server.log");
        String token = "log-admin-token-0123456789abcdefghijklmnop";
        String jwt = TestIssuer.token(TestIssuer.ISSUER, "ops", List.of("admins"), 5);
        try (ServerProcess server = new ServerProcess(log, ServerProcess.folderStore(work, Map.of(
                "GITFN_AUTH_ADMIN_TOKEN", token, "GITFN_LOG_JSON", "true",
                "QUARKUS_HTTP_ACCESS_LOG_ENABLED", "true")))) {
            URI repos = URI.create(server.url() + "api/repos");
            assertEquals(201, Http.json("POST", repos, Http.basic("admin", token), "{\"name\":\"team/logs\"}")
                    .statusCode());
            assertEquals(401, Http.json("GET", repos, Http.basic("admin", token + "x"), null).statusCode());
            assertEquals(401, Http.json("GET", repos, "Bearer " + jwt, null).statusCode());
            assertEquals(200, Http.json("GET", repos, Http.basic("admin", token), null).statusCode());
            Thread.sleep(300); // the access log is written after the response
        }
        String text = Files.readString(log);
        assertTrue(text.contains("team/logs"), "the request and the creation are logged: " + text);
        for (String secret : List.of(token, jwt, jwt.substring(jwt.lastIndexOf('.') + 1),
                java.util.Base64.getEncoder().encodeToString(("admin:" + token).getBytes()))) {
            assertTrue(!text.contains(secret), "a credential in the log: " + secret);
        }
        // After start-up every line is one JSON object (log collectors read them so).
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = text.lines().dropWhile(l -> !l.startsWith("{")).filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 4, text);
        for (String line : lines) {
            assertTrue(json.readTree(line).has("message"), line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("/api/repos") && l.contains("401")),
                "the access log records the refused request: " + text);
    }
}
