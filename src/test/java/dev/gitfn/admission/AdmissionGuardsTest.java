package dev.gitfn.admission;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.AccessDeniedException;
import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.AuthenticationRequiredException;
import dev.gitfn.auth.Credentials;
import dev.gitfn.auth.Permission;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoExistsException;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.storage.StorageUnavailableException;
import dev.gitfn.support.Configs;
import dev.gitfn.support.TestDirs;

/** The admission step's own guards as plain objects: browsers, client slots, failed sign-ins, the refusal table. */
class AdmissionGuardsTest {
    static final String ADMIN = "admission-admin-token-0123456789abcdefghij";

    private static BrowserChecks browsers(Map<String, String> values) {
        return new BrowserChecks(Configs.gitfn(values).http());
    }

    @Test
    void hostsAreCheckedOnlyWithoutAuthentication() {
        BrowserChecks checks = browsers(Map.of());
        for (String host : List.of("127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "127.0.0.1")) {
            assertDoesNotThrow(() -> checks.check(new Client("a", host, null), false, true), host);
        }
        for (String host : List.of("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "10.0.0.1")) {
            Refusal r = assertThrows(Refusal.class, () -> checks.check(new Client("a", host, null), false, false));
            assertEquals(Refusal.Reason.FORBIDDEN, r.reason());
            assertTrue(r.getMessage().contains("gitfn.http.allowed-hosts"), r.getMessage());
            assertDoesNotThrow(() -> checks.check(new Client("a", host, null), true, false), "auth on: " + host);
        }
        assertDoesNotThrow(() -> checks.check(new Client("a", null, null), false, true), "HTTP/1.0 without Host");
        BrowserChecks listed = browsers(Map.of("gitfn.http.allowed-hosts", "git.example.com"));
        assertDoesNotThrow(() -> listed.check(new Client("a", "git.example.com:443", null), false, false));
        assertThrows(Refusal.class, () -> listed.check(new Client("a", "localhost", null), false, false));
        assertEquals("[::1]", BrowserChecks.hostName("[::1]:80"));
        assertEquals("::1", BrowserChecks.hostName("::1"));
        assertEquals("example.com", BrowserChecks.hostName("Example.COM:8080"));
        assertEquals("", BrowserChecks.hostName(":80"));
        Refusal odd = assertThrows(Refusal.class, () -> checks.check(new Client("a", "bad\u0001host" + "x".repeat(200),
                null), false, false));
        assertTrue(odd.getMessage().contains("bad?host") && odd.getMessage().contains("...")
                && odd.getMessage().length() < 220, odd.getMessage());
    }

    @Test
    void originsMustBeTheServersOwnForStateChanges() {
        BrowserChecks checks = browsers(Map.of("gitfn.http.allowed-origins", "https://tools.example.com/"));
        String host = "127.0.0.1:8080";
        for (String same : List.of("http://127.0.0.1:8080", "HTTP://127.0.0.1:8080", "https://tools.example.com")) {
            assertDoesNotThrow(() -> checks.check(new Client("a", host, same), true, true), same);
        }
        assertDoesNotThrow(() -> checks.check(new Client("a", "git.example.com", "https://git.example.com"), true,
                true), "default port");
        assertDoesNotThrow(() -> checks.check(new Client("a", "git.example.com:443", "https://git.example.com"),
                true, true), "default port spelled out in Host");
        for (String other : List.of("https://evil.example", "null", "http://127.0.0.1:9090", "file://x",
                "http://127.0.0.1:8080.evil.example", "not a url")) {
            Refusal r = assertThrows(Refusal.class, () -> checks.check(new Client("a", host, other), true, true));
            assertTrue(r.getMessage().startsWith("cross-site request refused"), r.getMessage());
            assertDoesNotThrow(() -> checks.check(new Client("a", host, other), true, false), "reads: " + other);
        }
        assertThrows(Refusal.class, () -> checks.check(new Client("a", null, "http://x"), true, true));
    }

    @Test
    void eachClientHasBoundedSlotsGivenBackOnce() {
        ClientLimits limits = new ClientLimits(2);
        Runnable first = limits.enter("10.0.0.1");
        Runnable second = limits.enter("10.0.0.1");
        Refusal r = assertThrows(Refusal.class, () -> limits.enter("10.0.0.1"));
        assertEquals(Refusal.Reason.TOO_MANY_REQUESTS, r.reason());
        assertEquals(1, r.retryAfterSeconds());
        limits.enter("10.0.0.2").run(); // others are not affected
        first.run();
        first.run(); // twice frees one slot only
        Runnable third = limits.enter("10.0.0.1");
        assertThrows(Refusal.class, () -> limits.enter("10.0.0.1"));
        second.run();
        third.run();
        limits.enter("10.0.0.1");
        limits.enter("10.0.0.1");
        limits.enter(null).run(); // no address: not counted
    }

    @Test
    void failedSignInsBackOffThen429() {
        FailedLogins logins = new FailedLogins(4, Duration.ofMinutes(1), Duration.ofMillis(100));
        List<Long> delays = new java.util.ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            FailedLogins.Verdict v = logins.record("10.0.0.1", "alice");
            assertEquals(i, v.failures());
            assertEquals(i > 4, v.overLimit(), "failure " + i);
            delays.add(v.delay().toMillis());
            if (i == 1) {
                assertEquals(60, v.retryAfterSeconds(), "a window that just began: all of it, rounded up");
            }
            assertTrue(v.retryAfterSeconds() >= 50 && v.retryAfterSeconds() <= 60, "the window's rest: "
                    + v.retryAfterSeconds());
        }
        assertEquals(List.of(0L, 0L, 0L, 100L, 200L, 300L), delays);
        assertEquals(1, logins.record("10.0.0.9", "bob").failures(), "counted per address and per user");
        assertEquals(7, logins.record("10.0.0.8", "alice").failures(), "the user's count follows it everywhere");
        assertEquals(8, logins.total());
        FailedLogins capped = new FailedLogins(100, Duration.ofMinutes(1), Duration.ofSeconds(1));
        FailedLogins.Verdict v = null;
        for (int i = 0; i < 10; i++) {
            v = capped.record("10.0.0.1", null);
        }
        assertEquals(Duration.ofSeconds(2), v.delay(), "at most 2 s");
        FailedLogins shortWindow = new FailedLogins(1, Duration.ofMillis(1), Duration.ZERO);
        shortWindow.record("10.0.0.1", "x");
        sleep(5);
        assertEquals(1, shortWindow.record("10.0.0.1", "x").failures(), "a new window starts over");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void whatClientsSentIsLoggedAndEchoedPrintably() {
        assertEquals(" ~?", Printable.of(" ~\u007f"));
        assertEquals("?a", Printable.of("\u001fa"));
        assertEquals("h".repeat(100) + "...", Printable.of("h".repeat(101)));
        assertEquals("h".repeat(100), Printable.of("h".repeat(100)));
        assertEquals("a?b", Printable.of("a\u0001b", 64));
        assertEquals("u".repeat(64), Printable.of("u".repeat(64), 64));
        assertEquals("u".repeat(64) + "...", Printable.of("u".repeat(65), 64));
        assertEquals("(none)", Printable.of(null));
    }

    @Test
    void theRefusalTable() {
        assertEquals(Refusal.Reason.UNAUTHENTICATED, Refusal.of(new AuthenticationRequiredException("x")).orElseThrow()
                .reason());
        assertEquals(Refusal.Reason.FORBIDDEN, Refusal.of(new AccessDeniedException("x")).orElseThrow().reason());
        assertEquals(Refusal.Reason.NOT_FOUND, Refusal.of(new RepoNotFoundException(new RepoName("a"))).orElseThrow()
                .reason());
        assertEquals(Refusal.Reason.INVALID_REQUEST, Refusal.of(new InvalidRepoNameException("x")).orElseThrow()
                .reason());
        assertEquals(Refusal.Reason.CONFLICT, Refusal.of(new RepoExistsException(new RepoName("a"))).orElseThrow()
                .reason());
        Refusal down = Refusal.of(new StorageUnavailableException("x", null)).orElseThrow();
        assertEquals(Refusal.Reason.UNAVAILABLE, down.reason());
        assertEquals(5, down.retryAfterSeconds());
        assertEquals(Optional.empty(), Refusal.of(new IllegalStateException("bug")));
        Refusal own = new Refusal(Refusal.Reason.TOO_LARGE, "big");
        assertEquals(own, Refusal.of(own).orElseThrow());
        assertNull(own.challenge());
        assertEquals("Basic realm=\"x\"", own.withChallenge("Basic realm=\"x\"").challenge());
        assertEquals(Refusal.Reason.TOO_LARGE, own.withChallenge("c").reason());
        int[] statuses = java.util.Arrays.stream(Refusal.Reason.values()).mapToInt(Refusal.Reason::httpStatus)
                .toArray();
        assertEquals(List.of(400, 401, 403, 404, 409, 411, 413, 415, 429, 503),
                java.util.Arrays.stream(statuses).boxed().toList());
    }

    @Test
    void admissionTypesEveryOutcome() throws Exception {
        Path dir = TestDirs.fresh("admission");
        GitfnConfig config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.cache-ttl", "0s",
                "gitfn.auth.max-failures", "2", "gitfn.auth.failure-backoff", "0s"));
        AuthDirectory directory = new AuthDirectory(new FsBlobStore(dir.resolve("store")), new ObjectMapper(), config);
        directory.updateAccess(new RepoName("team/app"), a -> new RepoAccess(true, List.of(), List.of(), List.of()));
        Admission admission = new Admission(new AccessControl(directory, config), config, new dev.gitfn.audit.AuditLog(new FsBlobStore(dir.resolve("store")), new ObjectMapper(), config));
        Client client = new Client("10.0.0.1", "127.0.0.1:8080", null);

        Admitted ok = admission.admit(Transport.HTTP, client, Credentials.NONE, "team/app.git", Permission.READ).await()
                .atMost(Duration.ofSeconds(5));
        assertEquals("team/app", ok.name().value());
        assertTrue(ok.rules().isPublic());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admit(Transport.HTTP, client, Credentials.NONE,
                "team/app", Permission.WRITE)).reason());
        assertEquals("Basic realm=\"gitfn\"", refusal(admission.admit(Transport.HTTP, client, Credentials.NONE, "team/app",
                Permission.WRITE)).challenge());
        assertEquals(Refusal.Reason.INVALID_REQUEST, refusal(admission.admit(Transport.HTTP, client, Credentials.NONE,
                "../etc", Permission.READ)).reason());
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admit(Transport.TUNNEL,
                new Client("10.0.0.1", "127.0.0.1:8080", "https://evil.example"), Credentials.NONE, "team/app",
                Permission.READ)).reason(), "every tunnel is checked for its origin");
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admitAdmin(Transport.API,
                new Client("10.0.0.1", "127.0.0.1:8080", "https://evil.example"), "Bearer " + ADMIN, true)).reason());
        assertTrue(admission.admitAdmin(Transport.API, client, "Bearer " + ADMIN, false).await()
                .atMost(Duration.ofSeconds(5)).admin());
        assertEquals("team/app", admission.admit(Transport.HTTP, new Client("10.0.0.1", "127.0.0.1:8080",
                "https://evil.example"), Credentials.NONE, "team/app", Permission.READ).await().atMost(Duration.ofSeconds(5))
                .name().value(), "a read over HTTP changes nothing: no origin check");
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admit(Transport.HTTP, new Client("10.0.0.1",
                "127.0.0.1:8080", "https://evil.example"), "Bearer " + ADMIN, "team/app", Permission.WRITE)).reason());
        assertEquals("Basic realm=\"gitfn\"", admission.challenge());

        // The web view's visitors: anonymous without credentials, admins with theirs; a cross-site
        // sign-in (state-changing) is refused, a cross-site page view is not.
        Client web = new Client("10.0.0.2", "127.0.0.1:8080", null);
        Client crossSite = new Client("10.0.0.2", "127.0.0.1:8080", "https://evil.example");
        assertTrue(admission.admitVisitor(Transport.WEB, web, null, false).await().atMost(Duration.ofSeconds(5))
                .anonymous());
        assertTrue(admission.admitVisitor(Transport.WEB, crossSite, "Bearer " + ADMIN, false).await()
                .atMost(Duration.ofSeconds(5)).admin());
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admitVisitor(Transport.WEB, crossSite,
                "Bearer " + ADMIN, true)).reason());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitVisitor(Transport.WEB, web,
                "Bearer not-the-token", false)).reason(), "wrong credentials are no anonymous visit");
        assertEquals(1, admission.failedSignIns(), "and count as a failed sign-in");
        assertTrue(Transport.WEB.browserReachable());

        // git:// reads public repositories and never pushes, whatever the rules say.
        Refusal daemonPush = refusal(admission.admit(Transport.DAEMON, client, Credentials.NONE, "team/app",
                Permission.WRITE));
        assertEquals(Refusal.Reason.FORBIDDEN, daemonPush.reason());
        assertEquals("service not enabled", daemonPush.reason().daemonError());
        assertEquals("team/app", admission.admit(Transport.DAEMON, client, Credentials.NONE, "team/app.git",
                Permission.READ).await().atMost(Duration.ofSeconds(5)).name().value());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admit(Transport.DAEMON, client,
                Credentials.NONE, "team/private", Permission.READ)).reason());
        // Browsers cannot open SSH or git:// connections: no Origin or Host check there.
        Client noBrowser = new Client("10.0.0.1", "127.0.0.1:8080", "https://evil.example");
        assertEquals("team/app", admission.admit(Transport.DAEMON, noBrowser, Credentials.NONE, "team/app",
                Permission.READ).await().atMost(Duration.ofSeconds(5)).name().value());
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admit(Transport.TUNNEL, noBrowser, Credentials.NONE,
                "team/app", Permission.READ)).reason(), "the same client over a browser-reachable transport");
        assertTrue(Transport.HTTP.browserReachable() && Transport.TUNNEL.browserReachable()
                && Transport.API.browserReachable());
        assertTrue(!Transport.SSH.browserReachable() && !Transport.DAEMON.browserReachable());
        for (Refusal.Reason reason : Refusal.Reason.values()) {
            assertEquals(128, reason.sshExitStatus(), "git's exit status when a command dies");
        }
        assertEquals(Refusal.Reason.NOT_FOUND.daemonError(), Refusal.Reason.UNAUTHENTICATED.daemonError(),
                "git:// never tells a missing repository from a private one");

        // Wrong credentials: 401, 401, then 429; the right ones still work from the same address.
        String wrong = "Basic " + java.util.Base64.getEncoder().encodeToString("admin:nope".getBytes());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitAdmin(Transport.API, client, wrong, false))
                .reason());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitAdmin(Transport.API, client, wrong, false))
                .reason());
        Refusal tooMany = refusal(admission.admitAdmin(Transport.API, client, wrong, false));
        assertEquals(Refusal.Reason.TOO_MANY_REQUESTS, tooMany.reason());
        assertTrue(tooMany.retryAfterSeconds() >= 1);
        assertEquals(4, admission.failedSignIns());
        assertTrue(admission.admitAdmin(Transport.API, client, "Bearer " + ADMIN, false).await()
                .atMost(Duration.ofSeconds(5)).admin());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitAdmin(Transport.API, client, null, false))
                .reason(), "no credentials is not a failed sign-in");
        assertEquals(4, admission.failedSignIns());

        GitfnConfig slowConfig = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.failure-backoff",
                "200ms", "gitfn.auth.max-failures", "100"));
        Admission slow = new Admission(new AccessControl(directory, slowConfig), slowConfig, new dev.gitfn.audit.AuditLog(new FsBlobStore(dir.resolve("store")), new ObjectMapper(), slowConfig));
        long[] took = new long[6];
        for (int i = 0; i < 6; i++) {
            long start = System.nanoTime();
            refusal(slow.admitAdmin(Transport.API, client, wrong, false));
            took[i] = (System.nanoTime() - start) / 1_000_000;
        }
        assertTrue(took[0] < 150 && took[5] >= 550, "later failures are answered later: "
                + java.util.Arrays.toString(took));

        Runnable slot = admission.enter(client);
        slot.run();
        assertFalse(admission.packSlot().await().atMost(Duration.ofSeconds(5)) == null);
    }

    private static Refusal refusal(io.smallrye.mutiny.Uni<?> step) {
        return assertThrows(Refusal.class, () -> step.await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void aPushThatCreatesItsRepositoryMakesThePusherItsOwnerAndIsAudited() throws Exception {
        Path dir = TestDirs.fresh("admission-create");
        GitfnConfig config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.cache-ttl", "0s"));
        FsBlobStore store = new FsBlobStore(dir.resolve("store"));
        AuthDirectory directory = new AuthDirectory(store, new ObjectMapper(), config);
        dev.gitfn.audit.AuditLog audit = new dev.gitfn.audit.AuditLog(store, new ObjectMapper(), config);
        Admission admission = new Admission(new AccessControl(directory, config), config, audit);
        Client client = new Client("10.0.0.1", "127.0.0.1:8080", null);
        RepoName created = new RepoName("team/new");
        Admitted byAdmin = admission.admit(Transport.SSH, client, Credentials.header("Bearer " + ADMIN), "team/new",
                Permission.WRITE).await().atMost(Duration.ofSeconds(5));
        admission.createdByPush(byAdmin, Transport.SSH).run();
        assertEquals(byAdmin.who().name(), directory.access(created).owner());
        assertTrue(directory.access(created).created() != null);
        // An owner once recorded is kept; anonymous pushers (authentication off) record none.
        directory.updateAccess(created, a -> a.withOwner("carol", "2026-01-01T00:00:00Z"));
        admission.createdByPush(byAdmin, Transport.SSH).run();
        assertEquals("carol", directory.access(created).owner());
        RepoName open = new RepoName("team/open");
        admission.createdByPush(new Admitted(open, dev.gitfn.auth.Principal.ANONYMOUS, RepoAccess.NONE), Transport.HTTP)
                .run();
        assertEquals(null, directory.access(open).owner());
        List<dev.gitfn.audit.AuditEvent> events = audit.read(java.time.Instant.now().minusSeconds(60), null, 10);
        assertEquals(3, events.stream().filter(e -> e.action().equals("repo.create")
                && "push".equals(e.detail().get("by"))).count(), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.repo().equals("team/new") && "ssh".equals(e.transport())
                && byAdmin.who().name().equals(e.detail().get("owner"))), events.toString());
    }

    @Test
    void anExpiredTokenIsAnsweredAsAWrongOneAndAuditedAsExpired() throws Exception {
        Path dir = TestDirs.fresh("admission-expired");
        GitfnConfig config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.cache-ttl", "0s",
                "gitfn.auth.failure-backoff", "0s"));
        FsBlobStore store = new FsBlobStore(dir.resolve("store"));
        AuthDirectory directory = new AuthDirectory(store, new ObjectMapper(), config);
        dev.gitfn.audit.AuditLog audit = new dev.gitfn.audit.AuditLog(store, new ObjectMapper(), config);
        Admission admission = new Admission(new AccessControl(directory, config), config, audit);
        assertTrue(directory.createUser(new dev.gitfn.auth.UserRecord("erin", List.of(), List.of())));
        String secret = directory.issueToken("erin", "old", dev.gitfn.auth.Scope.ALL,
                java.time.Instant.now().minusSeconds(1)).orElseThrow().token();
        Refusal refused = refusal(admission.admit(Transport.HTTP, new Client("10.0.0.9", "127.0.0.1:8080", null),
                Credentials.header("Basic " + java.util.Base64.getEncoder().encodeToString(("erin:" + secret)
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))), "team/app", Permission.READ));
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refused.reason());
        assertEquals("wrong user name or token", refused.getMessage());
        admission.refusedKey(new Client("10.0.0.8", null, null), "SHA256:abc", null);
        audit.flush();
        List<dev.gitfn.audit.AuditEvent> events = audit.read(java.time.Instant.now().minusSeconds(60), null, 10);
        assertTrue(events.stream().anyMatch(e -> e.action().equals("auth.refused")
                && String.valueOf(e.detail().get("reason")).contains("expired")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.action().equals("auth.refused") && "ssh".equals(e.transport())
                && "10.0.0.8".equals(e.client()) && "SHA256:abc".equals(e.detail().get("key"))
                && "unknown SSH key".equals(e.detail().get("reason"))), events.toString());
    }

    @Test
    void managersAndSignedInUsersAreAdmittedAsTheyAre() throws Exception {
        Path dir = TestDirs.fresh("admission-managers");
        GitfnConfig config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ADMIN, "gitfn.auth.cache-ttl", "0s",
                "gitfn.auth.failure-backoff", "0s", "gitfn.limits.max-concurrent-packs", "1"));
        FsBlobStore store = new FsBlobStore(dir.resolve("store"));
        AuthDirectory directory = new AuthDirectory(store, new ObjectMapper(), config);
        dev.gitfn.audit.AuditLog audit = new dev.gitfn.audit.AuditLog(store, new ObjectMapper(), config);
        Admission admission = new Admission(new AccessControl(directory, config), config, audit);
        RepoName app = new RepoName("team/app");
        for (String user : List.of("olga", "rita")) {
            assertTrue(directory.createUser(new dev.gitfn.auth.UserRecord(user, List.of(), List.of())));
        }
        directory.updateAccess(app, a -> new RepoAccess(false, List.of("rita"), List.of(), List.of())
                .withOwner("olga", "2026-01-01T00:00:00Z"));
        String olga = basic("olga", directory.issueToken("olga", "t", dev.gitfn.auth.Scope.ALL, null).orElseThrow()
                .token());
        String rita = basic("rita", directory.issueToken("rita", "t", dev.gitfn.auth.Scope.ALL, null).orElseThrow()
                .token());
        Client client = new Client("10.0.0.3", "127.0.0.1:8080", null);
        Duration wait = Duration.ofSeconds(5);

        Admitted owner = admission.admitManager(Transport.API, client, olga, "team/app", true).await().atMost(wait);
        assertEquals("team/app", owner.name().value());
        assertEquals("olga", owner.who().name());
        assertEquals("olga", owner.rules().owner());
        assertEquals("admin", admission.admitManager(Transport.API, client, "Bearer " + ADMIN, "team/app.git", false)
                .await().atMost(wait).who().name());
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admitManager(Transport.API, client, rita, "team/app",
                true)).reason(), "a reader is no manager");
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitManager(Transport.API, client,
                basic("olga", "wrong"), "team/app", true)).reason());
        assertEquals(Refusal.Reason.NOT_FOUND, refusal(admission.admitManager(Transport.API, client, rita,
                "team/private", true)).reason(), "who cannot read it learns nothing of it");
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitManager(Transport.API, client, null,
                "team/app", false)).reason());
        assertEquals(Refusal.Reason.INVALID_REQUEST, refusal(admission.admitManager(Transport.API, client, olga,
                "../x", false)).reason());
        assertEquals(Refusal.Reason.FORBIDDEN, refusal(admission.admitManager(Transport.API,
                new Client("10.0.0.3", "127.0.0.1:8080", "https://evil.example"), olga, "team/app", true)).reason(),
                "cross-site management is refused before the credentials are looked at");

        assertEquals("rita", admission.admitUser(Transport.API, client, rita, true).await().atMost(wait).name());
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitUser(Transport.API, client, null, false))
                .reason());
        long before = admission.failedSignIns();
        assertEquals(Refusal.Reason.UNAUTHENTICATED, refusal(admission.admitUser(Transport.API, client,
                basic("rita", "not-her-token"), false)).reason());
        assertEquals(before + 1, admission.failedSignIns(), "a wrong token for the user API is a failed sign-in");
        audit.flush();
        assertTrue(audit.read(java.time.Instant.now().minusSeconds(60), null, 20).stream()
                .anyMatch(e -> e.action().equals("auth.refused") && "rita".equals(e.detail().get("claimedUser"))
                        && "10.0.0.3".equals(e.client())), "the refusal is audited with the name it claimed");

        // Who pushes, as the history records it.
        dev.gitfn.cache.Pusher pusher = owner.pusher(Transport.SSH);
        assertEquals("olga", pusher.who());
        assertEquals("ssh", pusher.transport());
        assertEquals(owner.who().tokenId(), pusher.tokenId());

        // Pack slots, as the metrics count them.
        assertEquals(0, admission.packsRunning());
        Runnable slot = admission.packSlot().await().atMost(wait);
        assertEquals(1, admission.packsRunning());
        assertEquals(0, admission.packsWaiting());
        java.util.concurrent.CompletableFuture<Runnable> next = admission.packSlot().subscribeAsCompletionStage();
        assertEquals(1, admission.packsWaiting(), "the one slot is taken: the next waits in line");
        slot.run();
        next.get(5, java.util.concurrent.TimeUnit.SECONDS).run();
        assertEquals(0, admission.packsWaiting());
        assertEquals(0, admission.packsRunning());
    }

    @Test
    void aMissingRepositoryIsRefusedAsNotFound() {
        Refusal missing = Refusal.of(new RepoNotFoundException(new RepoName("team/gone"))).orElseThrow();
        assertEquals(Refusal.Reason.NOT_FOUND, missing.reason());
        assertEquals("Repository not found", missing.getMessage(), "the name is not echoed");
        Refusal moved = Refusal.of(new dev.gitfn.repo.RepoMovedException(new RepoName("team/old"),
                new RepoName("team/new"), true)).orElseThrow();
        assertEquals(Refusal.Reason.NOT_FOUND, moved.reason());
        assertTrue(moved.getMessage().contains("team/new"), "who may read it learns the new name: " + moved.getMessage());
    }

    private static String basic(String user, String secret) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + secret)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
