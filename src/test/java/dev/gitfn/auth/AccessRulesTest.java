package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.Configs;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TestIssuer;

/**
 * The guards of the auth package as plain objects over a real folder store: who a
 * request is, what each kind of principal may do, tokens, JWTs and the start-up
 * guard. Fast, so that mutation testing runs them against every mutant.
 */
class AccessRulesTest {
    static final String ADMIN_TOKEN = "unit-admin-token-0123456789abcdefghijklmn";
    static final RepoName PRIVATE = new RepoName("team/private");
    static final RepoName PUBLIC = new RepoName("team/public");

    AccessControl access;
    AuthDirectory directory;
    FsBlobStore store;
    String aliceToken;
    String bobToken;

    @BeforeEach
    void setUp() throws Exception {
        Path dir = TestDirs.fresh("access-rules");
        Map<String, String> values = new HashMap<>(Map.of("gitfn.auth.admin-token", ADMIN_TOKEN,
                "gitfn.auth.cache-ttl", "0s", "gitfn.auth.jwt.issuer", TestIssuer.ISSUER,
                "gitfn.auth.jwt.jwks-url", TestIssuer.jwks().toString(), "gitfn.auth.jwt.audience", "gitfn-unit",
                "gitfn.auth.jwt.max-lifetime", "2h"));
        GitfnConfig config = Configs.gitfn(values);
        store = new FsBlobStore(dir.resolve("store"));
        directory = new AuthDirectory(store, new ObjectMapper(), config);
        access = new AccessControl(directory, config);
        aliceToken = user("alice", List.of("dev"));
        bobToken = user("bob", List.of());
        user("root", List.of("admins"));
        directory.updateAccess(PRIVATE, a -> new RepoAccess(false, List.of("bob"), List.of("group:dev"),
                List.of("refs/heads/main", "refs/heads/release/*")));
        directory.updateAccess(PUBLIC, a -> new RepoAccess(true, List.of(), List.of("alice"), List.of()));
    }

    private String user(String name, List<String> groups) throws Exception {
        String token = Tokens.newToken();
        assertTrue(directory.createUser(new UserRecord(name, groups,
                List.of(new UserRecord.TokenRecord(Tokens.newId(), Tokens.hash(token), "now")))));
        return token;
    }

    private Principal who(String authorization) {
        return access.authenticate(authorization).await().atMost(Duration.ofSeconds(5));
    }

    private Principal authorize(String authorization, RepoName repo, Permission permission) {
        return access.authorize(authorization, repo, permission).await().atMost(Duration.ofSeconds(5)).who();
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static UserRecord.KeyRecord record(SshPublicKey key) {
        return new UserRecord.KeyRecord(key.sha256Hex().substring(0, 16), key.line(), key.fingerprint(), "", "now");
    }

    private Principal keyOwner(SshPublicKey key) {
        return access.authenticate(new Credentials.SshKey(key)).await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void sshKeysSignInTheOneUserWhoseRecordListsThem() throws Exception {
        dev.gitfn.support.Ssh ssh = new dev.gitfn.support.Ssh(TestDirs.fresh("access-rules-keys"));
        SshPublicKey key = SshPublicKey.parse(dev.gitfn.support.Ssh.publicLine(ssh.newKey("k1")));
        SshPublicKey other = SshPublicKey.parse(dev.gitfn.support.Ssh.publicLine(ssh.newKey("k2")));
        assertTrue(directory.addSshKey("alice", key, record(key)).isPresent());
        assertTrue(directory.addSshKey("nobody", key, record(key)).isEmpty(), "no such user");
        Principal alice = keyOwner(key);
        assertEquals("alice", alice.name());
        assertEquals(Set.of("dev"), alice.groups());
        assertEquals("alice", access.authorize(new Credentials.SshKey(key), PRIVATE, Permission.WRITE).await()
                .atMost(Duration.ofSeconds(5)).who().name(), "the same access lists as a token");
        assertThrows(AuthenticationRequiredException.class, () -> keyOwner(other), "an unknown key");
        assertThrows(IllegalStateException.class, () -> directory.addSshKey("bob", key, record(key)),
                "one key, one owner");
        assertEquals(1, directory.addSshKey("alice", key, record(key)).get().keys().size(), "added twice: once");

        // The record is what counts: a key its owner's record no longer lists signs no one in
        // (even while the owner has other keys), and its stale pointer may be taken by someone else.
        SshPublicKey third = SshPublicKey.parse(dev.gitfn.support.Ssh.publicLine(ssh.newKey("k3")));
        directory.updateUser("alice", u -> u.withKeys(List.of(record(third))));
        assertThrows(AuthenticationRequiredException.class, () -> keyOwner(key));
        assertTrue(directory.addSshKey("bob", key, record(key)).isPresent());
        assertEquals("bob", keyOwner(key).name());
        assertFalse(directory.removeSshKey("bob", "0000000000000000"));
        assertTrue(directory.removeSshKey("bob", record(key).id()));
        assertThrows(AuthenticationRequiredException.class, () -> keyOwner(key));
        assertFalse(directory.removeSshKey("bob", record(key).id()), "already gone");

        // Deleting a user removes their keys' pointers.
        assertTrue(directory.addSshKey("alice", other, record(other)).isPresent());
        assertTrue(store.get(dev.gitfn.repo.StoreLayout.sshKeyKey(other.sha256Hex())).isPresent());
        directory.deleteUser("alice");
        assertTrue(store.get(dev.gitfn.repo.StoreLayout.sshKeyKey(other.sha256Hex())).isEmpty(), "pointer gone");
        assertThrows(AuthenticationRequiredException.class, () -> keyOwner(other));
        assertTrue(directory.addSshKey("bob", other, record(other)).isPresent(), "free again");

        assertFalse(Credentials.NONE.presented());
        assertFalse(Credentials.header("  ").presented());
        assertTrue(Credentials.header("Basic eA==").presented());
        assertTrue(new Credentials.SshKey(key).presented());
    }

    @Test
    void credentialsNameTheirPrincipal() {
        assertSame(Principal.ANONYMOUS, who(null));
        assertSame(Principal.ANONYMOUS, who("  "));
        Principal alice = who(basic("alice", aliceToken));
        assertEquals("alice", alice.name());
        assertEquals(Set.of("dev"), alice.groups());
        assertFalse(alice.admin());
        assertTrue(who("Bearer " + ADMIN_TOKEN).admin());
        assertTrue(who("bearer " + ADMIN_TOKEN).admin(), "schemes are case-insensitive");
        assertTrue(who(basic("anyone", ADMIN_TOKEN)).admin(), "the admin token as a Basic password");
        assertTrue(who(basic("root", tokenOf("root"))).admin(), "members of the admin group");
        assertTrue(access.enabled());
        assertEquals("Basic realm=\"gitfn\"", access.challenge());
    }

    private String tokenOf(String name) {
        try {
            String token = Tokens.newToken();
            directory.updateUser(name, u -> new UserRecord(u.name(), u.groups(),
                    List.of(new UserRecord.TokenRecord(Tokens.newId(), Tokens.hash(token), "now"))));
            return token;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void wrongCredentialsAreRefusedNeverAnonymous() {
        for (String bad : List.of(basic("alice", "gfn_wrong"), basic("alice", bobToken), basic("nobody", aliceToken),
                basic("../alice", aliceToken), "Basic !!notbase64", "Basic " + Base64.getEncoder().encodeToString(
                        "no-colon".getBytes()), "Bearer " + ADMIN_TOKEN + "x", "Bearer not.a.jwt", "Digest abc",
                "Bearer")) {
            assertThrows(AuthenticationRequiredException.class, () -> who(bad), bad);
        }
    }

    @Test
    void eachPrincipalGetsWhatTheRulesSay() {
        String alice = basic("alice", aliceToken);
        String bob = basic("bob", bobToken);
        String admin = "Bearer " + ADMIN_TOKEN;
        assertEquals("alice", authorize(alice, PRIVATE, Permission.WRITE).name()); // write through group:dev
        assertEquals("alice", authorize(alice, PRIVATE, Permission.READ).name()); // write implies read
        assertEquals("bob", authorize(bob, PRIVATE, Permission.READ).name());
        assertThrows(AccessDeniedException.class, () -> authorize(bob, PRIVATE, Permission.WRITE));
        assertThrows(AuthenticationRequiredException.class, () -> authorize(null, PRIVATE, Permission.READ));
        assertThrows(AuthenticationRequiredException.class, () -> authorize(null, PUBLIC, Permission.WRITE));
        assertSame(Principal.ANONYMOUS, authorize(null, PUBLIC, Permission.READ));
        assertThrows(AccessDeniedException.class, () -> authorize(bob, PUBLIC, Permission.WRITE));
        RepoName none = new RepoName("team/no-record");
        assertThrows(RepoNotFoundException.class, () -> authorize(bob, none, Permission.READ));
        assertThrows(RepoNotFoundException.class, () -> authorize(bob, none, Permission.WRITE));
        assertThrows(AuthenticationRequiredException.class, () -> authorize(null, none, Permission.READ));
        assertTrue(authorize(admin, none, Permission.WRITE).admin(), "admins may do everything");
        assertEquals(List.of("refs/heads/main", "refs/heads/release/*"),
                access.authorize(alice, PRIVATE, Permission.WRITE).await().atMost(Duration.ofSeconds(5)).rules()
                        .protectedRefs());
    }

    /** What a listing (the web view's) may show: the repositories each may read, by the same rule, in order. */
    @Test
    void listingsShowWhatEachMayReadAndNoMore() {
        RepoName none = new RepoName("team/no-record");
        List<RepoName> all = List.of(PUBLIC, PRIVATE, none);
        java.util.function.Function<Principal, List<RepoName>> listed = who -> access.readable(who, all)
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(List.of(PUBLIC), listed.apply(Principal.ANONYMOUS));
        assertEquals(List.of(PUBLIC, PRIVATE), listed.apply(who(basic("bob", bobToken)))); // on the read list
        assertEquals(List.of(PUBLIC, PRIVATE), listed.apply(who(basic("alice", aliceToken)))); // write via group:dev
        assertEquals(List.of(PUBLIC), listed.apply(new Principal("carol", Set.of(), false)));
        assertEquals(all, listed.apply(who("Bearer " + ADMIN_TOKEN)));
        // A token of no scope it knows (a record naming an unknown one) lists nothing; a deploy
        // credential its own repository only.
        assertEquals(List.of(), listed.apply(new Principal("bob", Set.of(), false, "t1", Set.of())));
        assertEquals(List.of(PRIVATE), listed.apply(Principal.deploy(PRIVATE, "d1", Set.of(Scope.READ))));
        assertEquals(List.of(PRIVATE, PUBLIC), access.readable(who("Bearer " + ADMIN_TOKEN), List.of(PRIVATE, PUBLIC))
                .await().atMost(Duration.ofSeconds(5)), "in the order asked");
        AccessControl open = new AccessControl(directory, Configs.gitfn(Map.of()));
        assertEquals(all, open.readable(Principal.ANONYMOUS, all).await().atMost(Duration.ofSeconds(5)));
    }

    /** enforceLocks is kept by every other change of the record, and off for records written before it. */
    @Test
    void theLockSettingSurvivesEveryOtherChange() {
        RepoAccess on = RepoAccess.NONE.withEnforceLocks(true);
        assertTrue(on.enforceLocks());
        assertFalse(RepoAccess.NONE.enforceLocks());
        assertFalse(on.withEnforceLocks(false).enforceLocks());
        for (RepoAccess changed : List.of(on.withLists(true, List.of("a"), List.of("b"), null),
                on.withProtectedRefs(List.of("refs/heads/main")), on.withOwner("o", "now"), on.withDescription("d"),
                on.withQuota(5L))) {
            assertTrue(changed.enforceLocks(), changed.toString());
        }
        assertFalse(new RepoAccess(false, null, null, null, null, null, null, null, null, null).enforceLocks());
    }

    /** Changing the lists keeps the CDN choice unless the change names one. */
    @Test
    void theCdnChoiceChangesOnlyWhenNamed() {
        RepoAccess cdn = RepoAccess.NONE.withLists(true, List.of(), List.of(), true);
        assertTrue(cdn.cdnRedirect());
        assertTrue(cdn.withLists(true, List.of("a"), List.of(), null).cdnRedirect(), "kept");
        assertFalse(cdn.withLists(true, List.of("a"), List.of(), false).cdnRedirect(), "changed");
        assertEquals(List.of("ops"), new UserRecord("u", List.of("dev"), List.of()).withGroups(List.of("ops"))
                .groups());
    }

    @Test
    void theApiIsForAdminsOnly() {
        assertThrows(AuthenticationRequiredException.class,
                () -> access.requireAdmin(null).await().atMost(Duration.ofSeconds(5)));
        assertThrows(AccessDeniedException.class,
                () -> access.requireAdmin(basic("alice", aliceToken)).await().atMost(Duration.ofSeconds(5)));
        assertTrue(access.requireAdmin("Bearer " + ADMIN_TOKEN).await().atMost(Duration.ofSeconds(5)).admin());
    }

    @Test
    void withoutAuthenticationEveryoneMayDoEverything() {
        AccessControl open = new AccessControl(directory, Configs.gitfn(Map.of()));
        assertFalse(open.enabled());
        assertSame(Principal.ANONYMOUS, open.authorize((String) null, PRIVATE, Permission.WRITE).await().indefinitely().who());
        assertSame(Principal.ANONYMOUS, open.requireAdmin(null).await().indefinitely());
        assertEquals(RepoAccess.NONE, open.authorize((String) null, PRIVATE, Permission.WRITE).await().indefinitely().rules());
    }

    @Test
    void accessRecordsAndPrincipals() {
        RepoAccess rules = new RepoAccess(false, List.of("carol", "group:qa"), List.of("dave"),
                List.of("refs/heads/main", "refs/tags/*"));
        Principal carol = new Principal("carol", Set.of(), false);
        Principal qa = new Principal("erin", Set.of("qa"), false);
        Principal dave = new Principal("dave", Set.of(), false);
        Principal stranger = new Principal("frank", Set.of("dev"), false);
        Principal admin = new Principal("admin", Set.of(), true);
        assertTrue(rules.canRead(carol) && rules.canRead(qa) && rules.canRead(dave) && rules.canRead(admin));
        assertFalse(rules.canRead(stranger) || rules.canRead(Principal.ANONYMOUS));
        assertTrue(rules.canWrite(dave) && rules.canWrite(admin));
        assertFalse(rules.canWrite(carol) || rules.canWrite(qa) || rules.canWrite(Principal.ANONYMOUS));
        assertTrue(rules.isProtected("refs/heads/main") && rules.isProtected("refs/tags/v1"));
        assertFalse(rules.isProtected("refs/heads/main2") || rules.isProtected("refs/heads/mai")
                || rules.isProtected("refs/tagsx"));
        assertFalse(Principal.ANONYMOUS.matches("group:qa") || qa.matches(null) || qa.matches("qa")
                || qa.matches("group:dev"));
        assertTrue(qa.matches("group:qa") && qa.matches("erin"));
        assertEquals("anonymous", Principal.ANONYMOUS.toString());
        assertEquals("erin", qa.toString());
        assertTrue(new RepoAccess(true, null, null, null).canRead(Principal.ANONYMOUS));
        assertEquals(List.of(), new RepoAccess(true, null, null, null).read());
    }

    @Test
    void tokensAreRandomHashedAndComparedWhole() {
        Set<String> tokens = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String t = Tokens.newToken();
            assertTrue(t.startsWith("gfn_") && t.length() == 4 + 43, t);
            tokens.add(t);
            String id = Tokens.newId();
            assertTrue(id.matches("[0-9a-f]{12}"), id);
            ids.add(id);
        }
        assertEquals(50, tokens.size(), "every token differs");
        assertEquals(50, ids.size(), "every id differs");
        assertEquals("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Tokens.hash("hello"));
        assertTrue(Tokens.same("abc", "abc"));
        assertFalse(Tokens.same("abc", "abd") || Tokens.same(null, "abc") || Tokens.same("abc", null));
        assertTrue(UserRecord.validName("alice.b-c_d") && UserRecord.validName("a".repeat(64)));
        assertFalse(UserRecord.validName("a".repeat(65)) || UserRecord.validName(".a") || UserRecord.validName("-a")
                || UserRecord.validName("a/b") || UserRecord.validName("") || UserRecord.validName(null));
    }

    @Test
    void jwtsMustBeSignedByTheProviderForUsAndNotForever() {
        String valid = "Bearer " + TestIssuer.tokenFor("gitfn-unit", "erin", List.of("dev", "admins"), 10);
        Principal erin = who(valid);
        assertEquals("erin", erin.name());
        assertEquals(Set.of("dev", "admins"), erin.groups());
        assertTrue(erin.admin());
        for (String bad : List.of(TestIssuer.tokenFor("another-service", "erin", List.of(), 10),
                TestIssuer.tokenFor("gitfn-unit", "erin", List.of(), -5),
                TestIssuer.tokenFor("gitfn-unit", "erin", List.of(), 60 * 5),
                TestIssuer.forgedTokenFor("gitfn-unit", "erin", List.of()),
                TestIssuer.token("https://elsewhere.example", "erin", List.of(), 10))) {
            assertThrows(AuthenticationRequiredException.class, () -> who("Bearer " + bad), bad);
        }
    }

    @Test
    void theStartupGuardRefusesAnOpenServerBeyondLoopback() {
        StartupGuard guard = new StartupGuard();
        AccessControl open = new AccessControl(directory, Configs.gitfn(Map.of()));
        // (the environment is passed in: the machine running the tests may itself be a platform)
        assertNull(StartupGuard.refusal("127.0.0.1", "127.0.0.1", false, Map.of()));
        guard.check(null, access, Configs.gitfn(Map.of()), "0.0.0.0", "0.0.0.0");
        assertThrows(IllegalStateException.class,
                () -> guard.check(null, open, Configs.gitfn(Map.of()), "0.0.0.0", "127.0.0.1"));
        String refused = StartupGuard.refusal("0.0.0.0", "127.0.0.1", false, Map.of());
        assertTrue(refused.contains("refusing to listen on 0.0.0.0"), refused);
        // The management port counts too: health and metrics beyond loopback need authentication on.
        refused = StartupGuard.refusal("127.0.0.1", "0.0.0.0", false, Map.of());
        assertTrue(refused.contains("refusing to listen on 0.0.0.0"), refused);
        guard.check(null, open, Configs.gitfn(Map.of("gitfn.auth.allow-anonymous", "true")), "0.0.0.0", "0.0.0.0");
        assertTrue(StartupGuard.isLoopback("localhost") && StartupGuard.isLoopback("::1"));
        assertFalse(StartupGuard.isLoopback("0.0.0.0") || StartupGuard.isLoopback("no-such-host.invalid"));
        assertNotEquals(open, access);
    }

    @Test
    void theStartupGuardRefusesAnOpenServerOnAPlatformEvenOnLoopback() {
        // Knative's queue-proxy and Lambda's adapter reach gitfn on 127.0.0.1 while the service is public.
        assertNull(StartupGuard.refusal("127.0.0.1", "127.0.0.1", false, Map.of("HOME", "/root")));
        for (String variable : List.of("K_SERVICE", "AWS_LAMBDA_FUNCTION_NAME", "KUBERNETES_SERVICE_HOST")) {
            String why = StartupGuard.refusal("127.0.0.1", "127.0.0.1", false, Map.of(variable, "x"));
            assertNotNull(why, variable);
            assertTrue(why.contains(variable + " is set") && why.contains("gitfn.auth.allow-anonymous"), why);
            assertNull(StartupGuard.refusal("127.0.0.1", "127.0.0.1", true, Map.of(variable, "x")), variable);
        }
        assertNotNull(StartupGuard.refusal("127.0.0.1", "::", false, Map.of()));
        assertNull(StartupGuard.refusal("0.0.0.0", "0.0.0.0", true, Map.of()));
    }

    @Test
    void recordsWrittenBeforeTheCdnRedirectReadAsWithoutIt() throws Exception {
        // gitfn's own (strict) JSON settings, over a store holding a record of the older shape.
        ObjectMapper strict = new ObjectMapper();
        new dev.gitfn.config.JsonLimits().customize(strict);
        FsBlobStore store = new FsBlobStore(TestDirs.fresh("old-records").resolve("store"));
        RepoName old = new RepoName("team/old");
        store.put(AuthDirectory.accessKey(old),
                "{\"public\":true,\"read\":[],\"write\":[\"alice\"],\"protectedRefs\":[]}".getBytes());
        AuthDirectory strictDirectory = new AuthDirectory(store, strict, Configs.gitfn(Map.of()));
        RepoAccess read = strictDirectory.access(old);
        assertTrue(read.isPublic());
        assertFalse(read.cdnRedirect());
        assertTrue(new RepoAccess(true, null, null, null, true).cdnRedirect());
        assertFalse(new RepoAccess(true, null, null, null, null).cdnRedirect());
    }

    @Test
    void edgesOfCredentialsAndRecords() throws Exception {
        assertTrue(who(basic("", ADMIN_TOKEN)).admin(), "an empty user name with the admin token");
        assertEquals("", AccessControl.claimedUser(basic("", "x")));
        AccessControl blank = new AccessControl(directory, Configs.gitfn(Map.of("gitfn.auth.admin-token", "   ")));
        assertFalse(blank.enabled(), "a blank admin token is no admin token");
        assertEquals("bob", directory.user("bob").orElseThrow().name());
        assertTrue(directory.user("nobody").isEmpty());
        assertTrue(directory.user("../etc").isEmpty());
        assertTrue(directory.access(PRIVATE).read().contains("bob"));
        assertFalse(directory.createUser(new UserRecord("bob", List.of(), List.of())), "taken");
        assertEquals(List.of("qa"), directory.updateUser("bob", u -> new UserRecord(u.name(), List.of("qa"),
                u.tokens())).orElseThrow().groups());
        assertTrue(directory.updateUser("nobody", u -> u).isEmpty());
        assertTrue(directory.updateAccess(PRIVATE, a -> new RepoAccess(true, a.read(), a.write(), a.protectedRefs()))
                .isPublic());
        directory.deleteUser("bob");
        assertTrue(directory.user("bob").isEmpty());
        directory.deleteUser("../etc"); // an invalid name deletes nothing and does not fail
        assertThrows(IllegalArgumentException.class,
                () -> directory.createUser(new UserRecord("../x", List.of(), List.of())));
    }

    @Test
    void recordsAreTrustedForTheTtlThenRevalidated() throws Exception {
        Path dir = TestDirs.fresh("ttl");
        FsBlobStore store = new FsBlobStore(dir.resolve("store"));
        GitfnConfig slow = Configs.gitfn(Map.of("gitfn.auth.cache-ttl", "10m"));
        AuthDirectory cached = new AuthDirectory(store, new ObjectMapper(), slow);
        AuthDirectory writer = new AuthDirectory(store, new ObjectMapper(), slow);
        assertTrue(writer.createUser(new UserRecord("carol", List.of("a"), List.of())));
        assertEquals(List.of("a"), cached.user("carol").orElseThrow().groups());
        writer.updateUser("carol", u -> new UserRecord(u.name(), List.of("b"), u.tokens()));
        assertEquals(List.of("a"), cached.user("carol").orElseThrow().groups(), "trusted within the TTL");
        AuthDirectory fresh = new AuthDirectory(store, new ObjectMapper(), Configs.gitfn(Map.of("gitfn.auth.cache-ttl",
                "0s")));
        assertEquals(List.of("b"), fresh.user("carol").orElseThrow().groups());
        assertEquals(List.of("b"), fresh.user("carol").orElseThrow().groups(), "revalidated, unchanged");
        writer.deleteUser("carol");
        assertTrue(fresh.user("carol").isEmpty(), "revalidated, gone");
    }

    @Test
    void awaitingRethrowsWhatTheBlockingCallWould() {
        assertEquals("x", assertDoesNotThrowValue(() -> Awaits.await(io.smallrye.mutiny.Uni.createFrom().item("x"))));
        java.io.IOException down = new java.io.IOException("store down");
        assertSame(down, assertThrows(java.io.IOException.class,
                () -> Awaits.await(io.smallrye.mutiny.Uni.createFrom().failure(down))));
        IllegalStateException bug = new IllegalStateException("bug");
        assertSame(bug, assertThrows(IllegalStateException.class,
                () -> Awaits.await(io.smallrye.mutiny.Uni.createFrom().failure(bug))));
    }

    private static <T> T assertDoesNotThrowValue(org.junit.jupiter.api.function.ThrowingSupplier<T> s) {
        return org.junit.jupiter.api.Assertions.assertDoesNotThrow(s);
    }
}
