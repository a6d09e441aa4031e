package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.Configs;
import dev.gitfn.support.TestDirs;

/**
 * Scoped, expiring tokens and repository owners as plain objects over a real folder store:
 * a token never grants more than its scopes nor more than its user has at the moment of
 * use, an expired token is refused as a revoked one is, and the API asks for the admin
 * scope. Fast, so that mutation testing runs it against every mutant.
 */
class ScopedTokensTest {
    static final String ADMIN_TOKEN = "unit-admin-token-0123456789abcdefghijklmn";
    static final RepoName REPO = new RepoName("team/scoped");
    static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");

    FsBlobStore store;
    AuthDirectory directory;
    GitfnConfig config;
    AccessControl access;

    @BeforeEach
    void setUp() throws Exception {
        store = new FsBlobStore(TestDirs.fresh("scoped-tokens").resolve("store"));
        config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN_TOKEN, "gitfn.auth.cache-ttl", "0s"));
        directory = new AuthDirectory(store, new ObjectMapper(), config);
        access = at(NOW);
        for (String user : List.of("alice", "bob", "carol", "root")) {
            assertTrue(directory.createUser(new UserRecord(user, user.equals("root") ? List.of("admins") : List.of(),
                    List.of())));
        }
        directory.updateAccess(REPO, a -> new RepoAccess(false, List.of("bob"), List.of("alice"), List.of())
                .withOwner("carol", NOW.toString()));
    }

    private AccessControl at(Instant when) {
        return new AccessControl(directory, config, Clock.fixed(when, ZoneOffset.UTC));
    }

    /** A token for {@code user} with {@code scopes}, expiring at {@code expiresAt} (null: never). */
    private String token(String user, List<String> scopes, Instant expiresAt) throws Exception {
        AuthDirectory.IssuedToken issued = directory.issueToken(user, "t", Scope.parse(scopes).orElseThrow(),
                expiresAt).orElseThrow();
        return basic(user, issued.token());
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static <T> T await(io.smallrye.mutiny.Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    private Principal authorize(AccessControl control, String authorization, Permission permission) {
        return await(control.authorize(authorization, REPO, permission)).who();
    }

    @Test
    void aTokenIsLimitedToItsScopes() throws Exception {
        String read = token("alice", List.of("read"), null);
        String write = token("alice", List.of("write"), null);
        String adminOnly = token("alice", List.of("admin"), null);
        assertEquals("alice", authorize(access, read, Permission.READ).name());
        AccessDeniedException denied = assertThrows(AccessDeniedException.class,
                () -> authorize(access, read, Permission.WRITE));
        assertEquals("this token's scopes [read] do not allow pushing to " + REPO, denied.getMessage());
        assertEquals("alice", authorize(access, write, Permission.WRITE).name());
        assertEquals("alice", authorize(access, write, Permission.READ).name(), "write implies read");
        assertEquals("alice", authorize(access, adminOnly, Permission.WRITE).name(), "admin implies write");
        Principal who = authorize(access, write, Permission.READ);
        assertEquals(Set.of(Scope.WRITE), who.scopes());
        assertTrue(who.tokenId() != null && who.tokenId().length() == 12, who.tokenId());
    }

    @Test
    void aTokenNeverGrantsMoreThanItsUserHasNow() throws Exception {
        String bobWrite = token("bob", List.of("read", "write"), null);
        assertEquals("bob", authorize(access, bobWrite, Permission.READ).name());
        assertThrows(AccessDeniedException.class, () -> authorize(access, bobWrite, Permission.WRITE),
                "a reader's write token does not push");
        String aliceWrite = token("alice", List.of("write"), null);
        directory.updateAccess(REPO, a -> a.withLists(false, List.of(), List.of(), null));
        assertThrows(RepoNotFoundException.class, () -> authorize(access, aliceWrite, Permission.READ),
                "the user lost access: so did every token");
    }

    @Test
    void anExpiredTokenIsRefusedAsARevokedOneIs() throws Exception {
        String expiring = token("alice", List.of("read"), NOW.plusSeconds(60));
        assertEquals("alice", authorize(access, expiring, Permission.READ).name());
        assertEquals("alice", authorize(at(NOW.plusSeconds(59)), expiring, Permission.READ).name());
        AuthenticationRequiredException expired = assertThrows(AuthenticationRequiredException.class,
                () -> authorize(at(NOW.plusSeconds(60)), expiring, Permission.READ), "at its expiry: refused");
        assertEquals("wrong user name or token", expired.getMessage(), "the client hears what a revoked token gets");
        assertTrue(expired.reason().contains("expired"), "the log and the audit say why: " + expired.reason());
        assertThrows(AuthenticationRequiredException.class,
                () -> await(at(NOW.plusSeconds(3600)).authenticate(expiring)));
        String forever = token("alice", List.of("read"), null);
        assertEquals("alice", authorize(at(NOW.plusSeconds(86_400L * 3650)), forever, Permission.READ).name());

        UserRecord.TokenRecord record = new UserRecord.TokenRecord("id", "h", "now", null, null, "not a time", null);
        assertTrue(record.expired(NOW), "an unreadable expiry counts as expired");
        assertFalse(new UserRecord.TokenRecord("id", "h", "now").expired(NOW));
        assertEquals(Scope.ALL, new UserRecord.TokenRecord("id", "h", "now").scopeSet(),
                "a record from before scopes has every scope");
        assertEquals(Set.of(), new UserRecord.TokenRecord("id", "h", "now", null, List.of("root"), null, null)
                .scopeSet(), "an unknown scope grants nothing");
    }

    @Test
    void theApiNeedsTheAdminScope() throws Exception {
        String rootRead = token("root", List.of("read"), null);
        String rootAdmin = token("root", List.of("admin"), null);
        assertThrows(AccessDeniedException.class, () -> await(access.requireAdmin(rootRead)));
        assertTrue(await(access.requireAdmin(rootAdmin)).admin());
        assertTrue(await(access.requireAdmin("Bearer " + ADMIN_TOKEN)).mayAdminister());

        assertThrows(AuthenticationRequiredException.class, () -> await(access.requireSignedIn(null)));
        assertThrows(AccessDeniedException.class, () -> await(access.requireSignedIn(token("bob", List.of("read"),
                null))));
        assertEquals("bob", await(access.requireSignedIn(token("bob", List.of("admin"), null))).name());
        AccessControl open = new AccessControl(directory, Configs.gitfn(Map.of()));
        assertThrows(AccessDeniedException.class, () -> await(open.requireSignedIn(null)),
                "authentication off: no users");
    }

    @Test
    void ownersAndAdminsManageARepositoryOthersDoNot() throws Exception {
        String carol = token("carol", List.of("admin"), null);
        assertEquals("carol", await(access.requireManager(carol, REPO)).who().name());
        assertTrue(await(access.requireManager(token("root", List.of("admin"), null), REPO)).who().admin());
        assertThrows(AccessDeniedException.class,
                () -> await(access.requireManager(token("carol", List.of("read", "write"), null), REPO)),
                "the owner, without the admin scope");
        assertThrows(AccessDeniedException.class,
                () -> await(access.requireManager(token("alice", List.of("admin"), null), REPO)),
                "a writer is no manager");
        assertThrows(AccessDeniedException.class,
                () -> await(access.requireManager(token("bob", List.of("admin"), null), REPO)), "nor a reader");
        assertTrue(directory.createUser(new UserRecord("dave", List.of(), List.of())));
        assertThrows(RepoNotFoundException.class,
                () -> await(access.requireManager(token("dave", List.of("admin"), null), REPO)),
                "a stranger does not learn it exists");
        assertThrows(AuthenticationRequiredException.class, () -> await(access.requireManager(null, REPO)));
        assertThrows(RepoNotFoundException.class,
                () -> await(access.requireManager(carol, new RepoName("team/other"))), "owns only its own");
        AccessControl open = new AccessControl(directory, Configs.gitfn(Map.of()));
        assertTrue(await(open.requireManager(null, REPO)).who().anonymous());

        // The owner may push and read as a writer may.
        String carolWrite = token("carol", List.of("write"), null);
        assertEquals("carol", authorize(access, carolWrite, Permission.WRITE).name());
        RepoAccess rules = directory.access(REPO);
        assertTrue(rules.isOwner(new Principal("carol", Set.of(), false)));
        assertFalse(rules.isOwner(Principal.ANONYMOUS));
        assertFalse(RepoAccess.NONE.isOwner(new Principal("carol", Set.of(), false)));
        assertEquals("carol", rules.withQuota(5L).withDescription("d").withProtectedRefs(List.of("refs/heads/x"))
                .withLists(true, List.of(), List.of(), null).owner(), "changes keep the owner");
    }

    @Test
    void aTokenRequestIsChecked() {
        Set<Scope> all = Scope.ALL;
        assertNull(Tokens.problem("ci", List.of("read"), "2027-01-01T00:00:00Z", all, NOW));
        assertNull(Tokens.problem(null, null, null, Set.of(Scope.READ), NOW), "every field optional");
        assertNull(Tokens.problem("x".repeat(64), List.of("WRITE", "read"), null, all, NOW));
        assertNull(Tokens.problem("deploy bot", null, null, all, NOW), "a space is printable");
        assertTrue(Tokens.problem("x".repeat(65), null, null, all, NOW).contains("64"));
        assertTrue(Tokens.problem("a\nb", null, null, all, NOW).contains("printable"));
        assertTrue(Tokens.problem("a\u007fb", null, null, all, NOW).contains("printable"));
        assertTrue(Tokens.problem(null, List.of("root"), null, all, NOW).contains("scopes"));
        assertTrue(Tokens.problem(null, List.of(), null, all, NOW).contains("scopes"));
        assertTrue(Tokens.problem(null, java.util.Arrays.asList((String) null), null, all, NOW).contains("scopes"));
        assertTrue(Tokens.problem(null, List.of("write"), null, Set.of(Scope.READ), NOW)
                .contains("lacks"), "no scope beyond the maker's");
        assertTrue(Tokens.problem(null, List.of("admin"), null, Set.of(Scope.WRITE), NOW).contains("lacks"));
        assertNull(Tokens.problem(null, List.of("read", "write"), null, Set.of(Scope.WRITE), NOW), "write covers read");
        assertNull(Tokens.problem(null, List.of("read"), null, Set.of(Scope.ADMIN), NOW), "admin covers read");
        assertTrue(Tokens.problem(null, null, NOW.toString(), all, NOW).contains("past"));
        assertNull(Tokens.problem(null, null, NOW.plusSeconds(1).toString(), all, NOW));
        assertTrue(Tokens.problem(null, null, "tomorrow", all, NOW).contains("ISO-8601"));
        assertEquals(List.of("read", "write", "admin"), Scope.names(Scope.ALL));
        assertTrue(Scope.allows(Set.of(Scope.READ), Permission.READ));
        assertFalse(Scope.allows(Set.of(Scope.READ), Permission.WRITE));
        assertTrue(Scope.allows(Set.of(Scope.ADMIN), Permission.WRITE));
        assertTrue(Scope.allows(Set.of(Scope.WRITE), Permission.READ));
        assertFalse(Scope.allows(Set.of(), Permission.READ));
    }

    @Test
    void lastUseIsRecordedAtMostOnceAMinute() throws Exception {
        String secret = token("alice", List.of("read"), null);
        String id = authorize(access, secret, Permission.READ).tokenId();
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (lastUsed("alice", id) == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(NOW.toString(), lastUsed("alice", id), "the first use is written (after the request)");

        TokenUses uses = new TokenUses(directory, Clock.fixed(NOW, ZoneOffset.UTC));
        UserRecord.TokenRecord fresh = new UserRecord.TokenRecord("t1", "h", "now");
        assertTrue(uses.due(fresh, NOW));
        assertFalse(uses.due(fresh.usedAt(NOW.minusSeconds(59).toString()), NOW), "written less than a minute ago");
        assertTrue(uses.due(fresh.usedAt(NOW.minusSeconds(60).toString()), NOW));
        assertTrue(uses.due(fresh.usedAt("garbled"), NOW));
        uses.noteUse("nobody", fresh);
        assertFalse(uses.due(fresh, NOW.plusSeconds(59)), "this instance wrote it a moment ago");
        assertTrue(uses.due(fresh, NOW.plusSeconds(60)));
    }

    private String lastUsed(String user, String id) throws Exception {
        return directory.user(user).orElseThrow().tokens().stream().filter(t -> t.id().equals(id)).findFirst()
                .orElseThrow().lastUsed();
    }

    @Test
    void aRevokedTokenIsGoneAndAQuotaFallsBackToTheDefault() throws Exception {
        AuthDirectory.IssuedToken issued = directory.issueToken("alice", "t", Set.of(Scope.READ), null).orElseThrow();
        assertEquals("alice", authorize(access, basic("alice", issued.token()), Permission.READ).name());
        assertTrue(directory.revokeToken("alice", issued.record().id()));
        assertFalse(directory.revokeToken("alice", issued.record().id()), "once");
        assertFalse(directory.revokeToken("nobody", issued.record().id()));
        directory.issueToken("alice", "kept", Set.of(Scope.READ), null).orElseThrow();
        assertFalse(directory.revokeToken("alice", "0123456789abcdef"), "an id none of alice's tokens has");
        assertThrows(AuthenticationRequiredException.class,
                () -> authorize(access, basic("alice", issued.token()), Permission.READ));
        RepoAccess rules = new RepoAccess(false, List.of(), List.of(), List.of());
        assertNull(rules.quotaOr(null));
        assertEquals(7L, rules.quotaOr(7L));
        assertEquals(3L, rules.withQuota(3L).quotaOr(7L));
    }
}
