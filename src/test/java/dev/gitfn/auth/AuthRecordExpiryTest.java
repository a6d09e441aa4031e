package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.support.Http;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * A token revoked through one instance stops working on another that had it
 * cached, within {@code gitfn.auth.cache-ttl} and not before: instance A is the
 * server, instance B a second directory on the same store in this JVM.
 */
@QuarkusTest
@TestProfile(AuthRecordExpiryTest.ShortTtl.class)
class AuthRecordExpiryTest {
    static final String ADMIN_TOKEN = "expiry-admin-token-0123456789abcdefghijk";
    static final Duration TTL = Duration.ofSeconds(2);

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", TTL.toMillis() + "ms");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @Inject
    BlobStore store;

    @Inject
    ObjectMapper json;

    @Inject
    GitfnConfig config;

    @Test
    void aRevokedTokenIsRefusedElsewhereWithinTheTtl() throws Exception {
        URI api = URI.create(base.toString());
        String user = "expiring-" + System.nanoTime() % 1_000_000;
        assertEquals(201, Http.json("POST", api.resolve("/api/users"), admin(), "{\"name\":\"" + user + "\"}")
                .statusCode());
        HttpResponse<String> created = Http.json("POST", api.resolve("/api/users/" + user + "/tokens"), admin(), null);
        Matcher m = Pattern.compile("\"id\":\"([0-9a-f]+)\",\"token\":\"([^\"]+)\"").matcher(created.body());
        assertTrue(m.find(), created.body());
        String basic = Http.basic(user, m.group(2));

        AccessControl instanceB = new AccessControl(new AuthDirectory(ClientProxy.unwrap(store), json, config), config);
        assertEquals(user, instanceB.authenticate(basic).await().atMost(Duration.ofSeconds(5)).name());
        // B records the token's first use (a write of the user's record, which B then reads afresh);
        // after that B writes no more for a minute, and trusts what it read.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!new String(store.get(dev.gitfn.repo.StoreLayout.userKey(user)).orElseThrow().data(),
                java.nio.charset.StandardCharsets.UTF_8).contains("\"lastUsed\":\"") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(user, instanceB.authenticate(basic).await().atMost(Duration.ofSeconds(5)).name());

        assertEquals(204, Http.json("DELETE", api.resolve("/api/users/" + user + "/tokens/" + m.group(1)), admin(),
                null).statusCode());
        long revoked = System.nanoTime();
        // Within the TTL, B trusts what it read: the cache is real...
        assertEquals(user, instanceB.authenticate(basic).await().atMost(Duration.ofSeconds(5)).name());
        // ...and bounded: B refuses once the TTL has passed, not much later.
        long refusedAfter = -1;
        while (System.nanoTime() - revoked < TTL.toNanos() + Duration.ofSeconds(3).toNanos()) {
            try {
                instanceB.authenticate(basic).await().atMost(Duration.ofSeconds(5));
                Thread.sleep(50);
            } catch (AuthenticationRequiredException refused) {
                refusedAfter = (System.nanoTime() - revoked) / 1_000_000;
                break;
            }
        }
        assertTrue(refusedAfter >= 0, "instance B still accepts the revoked token after " + TTL.plusSeconds(3));
        assertTrue(refusedAfter <= TTL.toMillis() + 1000, "refused after " + refusedAfter + " ms");
        assertThrows(AuthenticationRequiredException.class,
                () -> instanceB.authenticate(basic).await().atMost(Duration.ofSeconds(5)));
        System.out.printf("revoked token refused by the other instance after %d ms (ttl %d ms)%n", refusedAfter,
                TTL.toMillis());
    }

    private static String admin() {
        return "Bearer " + ADMIN_TOKEN;
    }
}
