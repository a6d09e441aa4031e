package dev.gitfn.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The audit log from outside: an owner's administrative actions, a force push and a branch
 * deletion by the real git client, an undo from the history and a wrong password each become
 * one entry (who, token id, what changed), readable by admins only through /api/audit, stored
 * under .gitfn/audit/ in the store and never holding a secret.
 */
@QuarkusTest
@TestProfile(HistoryTest.NoGrace.class)
public class AuditTest {
    private static final Path STORE = Path.of("target/test-data/store");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    @Test
    void everyAdministrativeActionRewriteAndRefusedSignInIsAudited() throws Exception {
        URI api = URI.create(base.toString());
        String suffix = Long.toString(System.nanoTime(), 36);
        String dana = "dana-" + suffix;
        String secret = Http.newUserToken(api, admin(), dana);
        String danaAuth = Http.basic(dana, secret);
        String repo = TestDirs.repoName("audit/app-" + suffix);
        assertEquals(201, Http.json("POST", api.resolve("/api/repos"), admin(),
                "{\"name\":\"" + repo + "\",\"owner\":\"" + dana + "\"}").statusCode());
        assertEquals(200, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/access"), danaAuth,
                "{\"public\":false,\"read\":[\"group:qa\"],\"write\":[]}").statusCode());
        HttpResponse<String> ci = Http.json("POST", api.resolve("/api/user/tokens"), danaAuth,
                "{\"name\":\"ci\",\"scopes\":[\"read\"]}");
        assertEquals(201, ci.statusCode(), ci.body());
        String ciSecret = JSON.readTree(ci.body()).get("token").asText();
        String ciId = JSON.readTree(ci.body()).get("id").asText();
        // A refused request is not an action: it leaves no entry.
        assertEquals(400, Http.json("PUT", api.resolve("/api/repos/" + repo + "/-/protected"), danaAuth,
                "{\"refs\":[\"main\"]}").statusCode());

        Path work = TestDirs.fresh("audit");
        Git git = new Git(work.resolve("home"));
        String url = "http://" + dana + ":" + secret + "@" + base.getHost() + ":" + base.getPort() + "/" + repo + ".git";
        Path src = git.newRepo(work.resolve("src"), 2);
        git.ok(src, "push", url, "main", "main:refs/heads/feature");
        String before = git.revParse(src, "main");
        git.ok(src, "commit", "-q", "--amend", "-m", "rewritten");
        String rewritten = git.revParse(src, "main");
        git.ok(src, "push", "-f", url, "main");
        git.ok(src, "push", url, ":refs/heads/feature");
        assertEquals(200, Http.json("POST", api.resolve("/api/repos/" + repo + "/-/history/restore"), danaAuth,
                "{\"ref\":\"refs/heads/main\",\"to\":\"" + before + "\"}").statusCode());
        String wrong = "http://" + dana + ":not-the-token@" + base.getHost() + ":" + base.getPort() + "/" + repo + ".git";
        assertNotEquals(0, git.run(work, "ls-remote", wrong).exitCode());
        // Legitimate traffic meanwhile still works.
        assertTrue(git.ok(work, "ls-remote", url).out().contains(before));

        // Only admins read the log.
        assertEquals(403, Http.json("GET", api.resolve("/api/audit"), danaAuth, null).statusCode());
        assertEquals(401, Http.json("GET", api.resolve("/api/audit"), null, null).statusCode());
        assertEquals(400, Http.json("GET", api.resolve("/api/audit?since=yesterday"), admin(), null).statusCode());
        assertEquals(400, Http.json("GET", api.resolve("/api/audit?limit=0"), admin(), null).statusCode());

        HttpResponse<String> read = Http.json("GET", api.resolve("/api/audit?repo=" + repo), admin(), null);
        assertEquals(200, read.statusCode(), read.body());
        List<String> actions = new ArrayList<>();
        JsonNode entries = JSON.readTree(read.body());
        for (JsonNode e : entries) {
            actions.add(e.get("action").asText());
            assertEquals(repo, e.get("repo").asText(), "filtered by repository: " + e);
        }
        assertEquals(List.of("auth.refused", "history.restore", "push.delete", "push.force", "repo.access",
                "repo.create"), actions, "newest first: " + read.body());
        JsonNode restore = entries.get(1);
        assertEquals(dana, restore.get("user").asText());
        assertTrue(restore.hasNonNull("tokenId"), restore.toString());
        assertEquals(before, restore.get("detail").get("to").asText());
        JsonNode force = entries.get(3);
        assertEquals("http", force.get("transport").asText());
        assertEquals(dana, force.get("user").asText());
        assertEquals(before, force.get("detail").get("oldId").asText());
        assertEquals(rewritten, force.get("detail").get("newId").asText());
        assertEquals("refs/heads/feature", entries.get(2).get("detail").get("ref").asText());
        JsonNode refused = entries.get(0);
        assertEquals(dana, refused.get("detail").get("claimedUser").asText());
        assertFalse(refused.has("user"), "nobody signed in: " + refused);
        assertEquals("admin", entries.get(5).get("user").asText());
        assertEquals(dana, entries.get(5).get("detail").get("owner").asText());
        assertTrue(entries.get(4).get("detail").get("read").toString().contains("group:qa"));

        HttpResponse<String> all = Http.json("GET", api.resolve("/api/audit?limit=1000"), admin(), null);
        assertTrue(all.body().contains("\"tokenIssued\":\"" + ciId + "\""), "the self-service token: " + all.body());
        assertTrue(all.body().contains("\"action\":\"user.create\""), all.body());
        assertFalse(all.body().contains(secret) || all.body().contains(ciSecret), "no secret in the log");

        // Stored in the store, append-only, never in the published area.
        StringBuilder stored = new StringBuilder();
        try (Stream<Path> files = Files.walk(STORE.resolve(".gitfn/audit"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertTrue(f.getFileName().toString().endsWith(".jsonl"), f.toString());
                stored.append(Files.readString(f));
            }
        }
        assertTrue(stored.toString().contains("\"action\":\"push.force\"") && stored.toString().contains(repo));
        assertFalse(stored.toString().contains(secret) || stored.toString().contains(ciSecret));
        Path published = Path.of("target/test-data/published");
        if (Files.exists(published)) {
            try (Stream<Path> files = Files.walk(published)) {
                assertTrue(files.noneMatch(f -> f.toString().contains("audit")), "the published area holds no audit");
            }
        }
    }

    /** A new state-changing API endpoint without an audit name fails the build (the filter would still log it). */
    @Test
    void everyStateChangingApiEndpointHasAnAuditName() throws Exception {
        List<String> unnamed = new ArrayList<>();
        int named = 0;
        for (Class<?> resource : dev.gitfn.auth.AuthorizationMatrixTest.resourceClasses()) {
            for (java.lang.reflect.Method m : resource.getDeclaredMethods()) {
                boolean changes = m.isAnnotationPresent(jakarta.ws.rs.POST.class)
                        || m.isAnnotationPresent(jakarta.ws.rs.PUT.class)
                        || m.isAnnotationPresent(jakarta.ws.rs.DELETE.class)
                        || m.isAnnotationPresent(jakarta.ws.rs.PATCH.class);
                if (changes && AuditFilter.isApi(m)) {
                    if (m.isAnnotationPresent(Audited.class)) {
                        named++;
                    } else {
                        unnamed.add(resource.getSimpleName() + "." + m.getName());
                    }
                }
            }
        }
        assertEquals(List.of(), unnamed);
        assertTrue(named >= 15, "state-changing API endpoints found: " + named);
    }

    private static String admin() {
        return Http.basic("admin", HistoryTest.ADMIN_TOKEN);
    }
}
