package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.support.Configs;
import dev.gitfn.support.TestDirs;

/**
 * Deploy tokens and deploy keys as plain objects over a real folder store: each holds for
 * its one repository and its scope, never names a user, owner or admin, expires and is
 * revoked as a user's token is, and a key is one user's or one repository's. Fast, so that
 * mutation testing runs it against every mutant.
 */
class DeployGuardsTest {
    static final RepoName REPO = new RepoName("team/deployed");
    static final RepoName OTHER = new RepoName("team/other");
    static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

    FsBlobStore store;
    AuthDirectory directory;
    GitfnConfig config;
    AccessControl access;

    @BeforeEach
    void setUp() throws Exception {
        store = new FsBlobStore(TestDirs.fresh("deploy-guards").resolve("store"));
        config = Configs.gitfn(Map.of("gitfn.auth.admin-token", ScopedTokensTest.ADMIN_TOKEN,
                "gitfn.auth.cache-ttl", "0s"));
        directory = new AuthDirectory(store, new ObjectMapper(), config);
        access = at(NOW);
        assertTrue(directory.createUser(new UserRecord("alice", List.of(), List.of())));
        for (RepoName repo : List.of(REPO, OTHER)) {
            directory.updateAccess(repo, a -> new RepoAccess(false, List.of(), List.of("alice"), List.of())
                    .withOwner("alice", NOW.toString()));
        }
    }

    private AccessControl at(Instant when) {
        return new AccessControl(directory, config, Clock.fixed(when, ZoneOffset.UTC));
    }

    private static String basic(String user, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static <T> T await(io.smallrye.mutiny.Uni<T> uni) {
        return uni.await().atMost(Duration.ofSeconds(5));
    }

    private String deployToken(RepoName repo, Set<Scope> scopes, Instant expiresAt) throws Exception {
        return directory.issueDeployToken(repo, "ci", scopes, expiresAt).token();
    }

    @Test
    void aDeployTokenHoldsForItsRepositoryAndScopeOnly() throws Exception {
        String read = deployToken(REPO, Set.of(Scope.READ), null);
        String write = deployToken(REPO, Set.of(Scope.WRITE), null);
        assertTrue(read.startsWith("gfd_") && Tokens.isDeployToken(read) && !Tokens.isDeployToken("gfn_x"));
        assertFalse(Tokens.isDeployToken(null));

        Principal reader = await(access.authorize(basic("deploy", read), REPO, Permission.READ)).who();
        assertTrue(reader.deployOnly());
        assertEquals(REPO, reader.deployRepo());
        assertEquals(Set.of(Scope.READ), reader.scopes());
        assertTrue(reader.name().startsWith("deploy:") && reader.tokenId() != null && !reader.admin());
        AccessDeniedException readOnly = assertThrows(AccessDeniedException.class,
                () -> await(access.authorize(basic("deploy", read), REPO, Permission.WRITE)));
        assertTrue(readOnly.getMessage().contains("[read]"), readOnly.getMessage());
        assertEquals(REPO, await(access.authorize("Bearer " + write, REPO, Permission.WRITE)).who().deployRepo());
        assertEquals(REPO, await(access.authorize(basic("anyone", write), REPO, Permission.READ)).who().deployRepo(),
                "write implies read; any user name");

        // Another repository: a wrong token, even one whose access lists are open.
        directory.updateAccess(OTHER, a -> new RepoAccess(true, List.of(), List.of(), List.of()));
        assertThrows(AuthenticationRequiredException.class,
                () -> await(access.authorize(basic("deploy", write), OTHER, Permission.READ)));
        // No API: it signs in no user, and no admin.
        assertThrows(AuthenticationRequiredException.class, () -> await(access.authenticate(basic("deploy", write))));
        assertThrows(AuthenticationRequiredException.class, () -> await(access.authenticate("Bearer " + write)));
        // A wrong deploy token is wrong.
        assertThrows(AuthenticationRequiredException.class,
                () -> await(access.authorize(basic("deploy", "gfd_not-a-token"), REPO, Permission.READ)));
    }

    @Test
    void aDeployPrincipalIsNoUserOwnerOrListEntry() {
        Principal deploy = Principal.deploy(REPO, "abc", Set.of(Scope.ADMIN, Scope.WRITE));
        assertFalse(deploy.scopes().contains(Scope.ADMIN), "never the API");
        assertFalse(deploy.mayAdminister());
        assertEquals(Set.of(Scope.READ), Principal.deploy(REPO, "abc", Set.of()).scopes());
        assertFalse(deploy.matches("deploy:abc"), "no access list names it");
        assertFalse(deploy.matches("group:dev"));
        RepoAccess owned = new RepoAccess(false, List.of("deploy:abc"), List.of("deploy:abc"), List.of())
                .withOwner("deploy:abc", NOW.toString());
        assertFalse(owned.isOwner(deploy), "it owns nothing");
        assertFalse(owned.canWrite(deploy));
        assertFalse(owned.canRead(deploy));
        assertNull(new Principal("alice", Set.of(), false).deployRepo());
        assertFalse(new Principal("alice", Set.of(), false).deployOnly());
    }

    @Test
    void anExpiredOrRevokedDeployTokenIsRefusedAlike() throws Exception {
        String expiring = deployToken(REPO, Set.of(Scope.READ), NOW.plusSeconds(60));
        String revoked = deployToken(REPO, Set.of(Scope.READ), null);
        assertTrue(await(at(NOW.plusSeconds(59)).authorize(basic("d", expiring), REPO, Permission.READ)).who()
                .deployOnly());
        AuthenticationRequiredException expired = assertThrows(AuthenticationRequiredException.class,
                () -> await(at(NOW.plusSeconds(60)).authorize(basic("d", expiring), REPO, Permission.READ)));
        String id = directory.deploy(REPO).tokens().stream().filter(t -> t.expiresAt() == null).findFirst()
                .orElseThrow().id();
        assertTrue(directory.revokeDeployToken(REPO, id));
        assertFalse(directory.revokeDeployToken(REPO, id));
        AuthenticationRequiredException gone = assertThrows(AuthenticationRequiredException.class,
                () -> await(access.authorize(basic("d", revoked), REPO, Permission.READ)));
        assertEquals(gone.getMessage(), expired.getMessage(), "the client hears the same");
        assertTrue(expired.reason().contains("expired"), expired.reason());
        assertEquals(1, directory.deploy(REPO).tokens().size());
    }

    private Principal authorizeTicket(AccessControl at, String ticket, RepoName repo, Permission permission) {
        return await(at.authorize("Bearer " + ticket, repo, permission)).who();
    }

    /**
     * LFS tickets (git-lfs-authenticate over SSH): good for their repository, operation and
     * lifetime only, as the user or deploy key they name is now; forged or changed ones are
     * wrong credentials, and the API does not take them.
     */
    @Test
    void lfsTicketsHoldForTheirRepositoryOperationAndLifetime() throws Exception {
        Principal alice = new Principal("alice", Set.of(), false);
        String upload = await(access.tickets().issue(alice, REPO, Permission.WRITE, Duration.ofMinutes(15)));
        String download = await(access.tickets().issue(alice, REPO, Permission.READ, Duration.ofMinutes(15)));
        assertTrue(LfsTickets.isTicket(upload) && !LfsTickets.isTicket("gfn_x") && !LfsTickets.isTicket(null));
        Principal who = authorizeTicket(access, upload, REPO, Permission.WRITE);
        assertEquals("alice", who.name());
        assertEquals(Set.of(Scope.READ, Scope.WRITE), who.scopes());
        assertFalse(who.mayAdminister(), "a ticket is no API credential");
        assertEquals("alice", authorizeTicket(access, download, REPO, Permission.READ).name());
        assertThrows(AccessDeniedException.class, () -> authorizeTicket(access, download, REPO, Permission.WRITE),
                "a download ticket uploads nothing");
        AuthenticationRequiredException other = assertThrows(AuthenticationRequiredException.class,
                () -> authorizeTicket(access, upload, OTHER, Permission.READ));
        assertTrue(other.reason().contains("another repository"), other.reason());
        // Expiry: good a second before, wrong at the moment it ends.
        assertEquals("alice", authorizeTicket(at(NOW.plusSeconds(899)), upload, REPO, Permission.WRITE).name());
        AuthenticationRequiredException expired = assertThrows(AuthenticationRequiredException.class,
                () -> authorizeTicket(at(NOW.plusSeconds(900)), upload, REPO, Permission.WRITE));
        assertTrue(expired.reason().contains("expired"), expired.reason());
        // Changed or forged: every byte counts.
        String body = upload.substring(0, upload.indexOf('.'));
        String mac = upload.substring(upload.indexOf('.') + 1);
        String flipped = mac.substring(0, mac.length() - 1) + (mac.endsWith("A") ? "B" : "A");
        for (String bad : List.of(body + "." + flipped, body, body + ".", "gfl_%%%.AAAA", "gfl_." + mac,
                LfsTickets.PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(
                        "v1\nuser\nalice\nteam/app\nWRITE\n9999999999".getBytes()) + "." + mac)) {
            assertThrows(AuthenticationRequiredException.class, () -> authorizeTicket(access, bad, REPO,
                    Permission.READ), bad);
        }
        assertThrows(AuthenticationRequiredException.class, () -> await(access.requireSignedIn("Bearer " + upload)));
        // The key is one for every instance: another AccessControl over the same store takes the ticket.
        AccessControl second = new AccessControl(new AuthDirectory(store, new ObjectMapper(), config), config,
                Clock.fixed(NOW, ZoneOffset.UTC));
        assertEquals("alice", authorizeTicket(second, upload, REPO, Permission.WRITE).name());
        assertEquals(32, store.get(StoreLayout.lfsTicketKeyKey()).orElseThrow().data().length);
        // The user's rights are read again: no longer owner nor on a list, the ticket reads nothing.
        directory.updateAccess(REPO, a -> new RepoAccess(false, List.of(), List.of(), List.of()));
        assertThrows(RepoNotFoundException.class, () -> authorizeTicket(access, upload, REPO, Permission.READ));
        // A removed user's tickets are wrong credentials.
        directory.deleteUser("alice");
        AuthenticationRequiredException gone = assertThrows(AuthenticationRequiredException.class,
                () -> authorizeTicket(access, download, REPO, Permission.READ));
        assertTrue(gone.reason().contains("removed user"), gone.reason());
    }

    @Test
    void lfsTicketsOfDeployKeysKeepTheKeysRights() throws Exception {
        SshPublicKey readKey = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        DeployCredentials.DeployKey key = directory.addDeployKey(REPO, readKey, "ci", false);
        Principal deploy = Principal.deploy(REPO, key.id(), Set.of(Scope.READ));
        String ticket = await(access.tickets().issue(deploy, REPO, Permission.WRITE, Duration.ofMinutes(5)));
        Principal who = authorizeTicket(access, ticket, REPO, Permission.READ);
        assertEquals(REPO, who.deployRepo());
        assertThrows(AccessDeniedException.class, () -> authorizeTicket(access, ticket, REPO, Permission.WRITE),
                "a read-only deploy key's ticket writes nothing, whatever it asked for");
        assertTrue(directory.removeDeployKey(REPO, key.id()));
        AuthenticationRequiredException gone = assertThrows(AuthenticationRequiredException.class,
                () -> authorizeTicket(access, ticket, REPO, Permission.READ));
        assertTrue(gone.reason().contains("removed deploy key"), gone.reason());
    }

    @Test
    void aKeyTheRepositoryNoLongerListsSignsNothingInThoughItKeepsOthers() throws Exception {
        directory.addDeployKey(REPO, SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine()), "kept",
                false);
        SshPublicKey stale = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        store.put(StoreLayout.sshKeyKey(stale.sha256Hex()),
                ("{\"user\":null,\"deployRepo\":\"" + REPO + "\"}").getBytes(StandardCharsets.UTF_8));
        assertFalse(await(access.signsIn(stale)), "the index names the repository, the repository not the key");
        assertThrows(AuthenticationRequiredException.class,
                () -> await(access.authorize(new Credentials.SshKey(stale), REPO, Permission.READ)));
        assertEquals(OTHER.value(), directory.addDeployKey(OTHER, stale, "taken over", false) != null ? OTHER.value()
                : null, "nobody holds it: another repository may take it");

        DeployCredentials.DeployKey gone = directory.addDeployKey(REPO,
                SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine()), "gone", false);
        String ticket = await(access.tickets().issue(Principal.deploy(REPO, gone.id(), Set.of(Scope.READ)), REPO,
                Permission.READ, Duration.ofMinutes(5)));
        assertEquals(REPO, authorizeTicket(access, ticket, REPO, Permission.READ).deployRepo());
        assertTrue(directory.removeDeployKey(REPO, gone.id()));
        assertThrows(AuthenticationRequiredException.class, () -> authorizeTicket(access, ticket, REPO,
                Permission.READ), "a removed key's ticket, though the repository keeps another key");
    }

    @Test
    void aDeployKeyHoldsForItsRepositoryAndWritesOnlyWhenAllowed() throws Exception {
        SshPublicKey readKey = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        SshPublicKey writeKey = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        SshPublicKey userKey = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        DeployCredentials.DeployKey added = directory.addDeployKey(REPO, readKey, "ci", false);
        assertFalse(added.write());
        assertEquals(readKey.fingerprint(), added.fingerprint());
        assertEquals(added, directory.addDeployKey(REPO, readKey, "again", false), "adding it again changes nothing");
        directory.addDeployKey(REPO, writeKey, "deployer", true);
        assertTrue(directory.addSshKey("alice", userKey, new UserRecord.KeyRecord("k1", userKey.line(),
                userKey.fingerprint(), "", NOW.toString())).isPresent());

        Credentials.SshKey read = new Credentials.SshKey(readKey);
        Credentials.SshKey write = new Credentials.SshKey(writeKey);
        assertTrue(await(access.signsIn(readKey)));
        assertTrue(await(access.signsIn(userKey)));
        assertFalse(await(access.signsIn(SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine()))));
        Principal reader = await(access.authorize(read, REPO, Permission.READ)).who();
        assertEquals(REPO, reader.deployRepo());
        assertEquals(Set.of(Scope.READ), reader.scopes());
        assertThrows(AccessDeniedException.class, () -> await(access.authorize(read, REPO, Permission.WRITE)));
        assertEquals(Set.of(Scope.READ, Scope.WRITE), await(access.authorize(write, REPO, Permission.WRITE)).who()
                .scopes());
        assertThrows(RepoNotFoundException.class, () -> await(access.authorize(read, OTHER, Permission.READ)),
                "another repository: as a missing one");
        assertEquals("alice", await(access.authorize(new Credentials.SshKey(userKey), REPO, Permission.WRITE)).who()
                .name(), "a user's key is its user, as before");

        // One holder per key: a user's key is no deploy key, a deploy key no user's, nor another repository's.
        IllegalStateException taken = assertThrows(IllegalStateException.class,
                () -> directory.addDeployKey(OTHER, readKey, "x", false));
        assertTrue(taken.getMessage().contains("the deploy key of " + REPO), taken.getMessage());
        assertThrows(IllegalStateException.class, () -> directory.addDeployKey(REPO, userKey, "x", false));
        assertThrows(IllegalStateException.class, () -> directory.addSshKey("alice", readKey,
                new UserRecord.KeyRecord("k2", readKey.line(), readKey.fingerprint(), "", NOW.toString())));

        // Removed: it signs nothing in, and another repository may take it.
        assertTrue(directory.removeDeployKey(REPO, added.id()));
        assertFalse(directory.removeDeployKey(REPO, added.id()));
        assertFalse(await(access.signsIn(readKey)));
        assertFalse(store.exists(StoreLayout.sshKeyKey(readKey.sha256Hex())));
        directory.addDeployKey(OTHER, readKey, "moved", false);
        assertEquals(OTHER, await(access.authorize(read, OTHER, Permission.READ)).who().deployRepo());
    }

    @Test
    void aRenameTakesItsDeployCredentialsAlong() throws Exception {
        RepoName moved = new RepoName("team/moved");
        SshPublicKey key = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        directory.addDeployKey(REPO, key, "ci", true);
        String token = deployToken(REPO, Set.of(Scope.READ), null);
        byte[] hooks = "{\"hooks\":[]}".getBytes(StandardCharsets.UTF_8);
        store.put(StoreLayout.hooksKey(REPO), hooks);
        directory.copyRecords(REPO, moved);
        assertArrayEquals(hooks, store.get(StoreLayout.hooksKey(moved)).orElseThrow().data(), "the hooks move too");
        assertEquals(moved, await(access.authorize(new Credentials.SshKey(key), moved, Permission.WRITE)).who()
                .deployRepo());
        assertThrows(RepoNotFoundException.class,
                () -> await(access.authorize(new Credentials.SshKey(key), REPO, Permission.READ)), "not the old name");
        assertEquals(moved, await(access.authorize(basic("d", token), moved, Permission.READ)).who().deployRepo());
        assertEquals("alice", directory.access(moved).owner());
        // A repository without deploy credentials gives none (and takes away what the name held).
        directory.copyRecords(OTHER, moved);
        assertTrue(directory.deploy(moved).tokens().isEmpty() && directory.deploy(moved).keys().isEmpty());
        assertFalse(store.exists(StoreLayout.deployKey(moved)));
        assertFalse(store.exists(StoreLayout.hooksKey(moved)));
    }

    @Test
    void aRemovedUserKeySignsNoOneInOnTheInstanceThatRemovedIt() throws Exception {
        // an instance that keeps what it read for an hour
        AuthDirectory caching = new AuthDirectory(store, new ObjectMapper(), Configs.gitfn(Map.of(
                "gitfn.auth.admin-token", ScopedTokensTest.ADMIN_TOKEN, "gitfn.auth.cache-ttl", "1h")));
        AccessControl here = new AccessControl(caching, config, Clock.fixed(NOW, ZoneOffset.UTC));
        SshPublicKey key = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        assertTrue(caching.addSshKey("alice", key, new UserRecord.KeyRecord("k1", key.line(), key.fingerprint(), "",
                NOW.toString())).isPresent());
        assertTrue(await(here.signsIn(key)), "read once, so this instance holds its index entry");
        assertTrue(caching.removeSshKey("alice", "k1"));
        assertFalse(caching.removeSshKey("alice", "k1"), "gone already");
        assertFalse(await(here.signsIn(key)));
        assertFalse(store.exists(StoreLayout.sshKeyKey(key.sha256Hex())));
        assertTrue(caching.createUser(new UserRecord("bob", List.of(), List.of())));
        assertTrue(caching.addSshKey("bob", key, new UserRecord.KeyRecord("k2", key.line(), key.fingerprint(), "",
                NOW.toString())).isPresent(), "free for another user");
        assertEquals(java.util.Optional.of("bob"), await(caching.sshKeyOwnerAsync(key)));
    }

    @Test
    void staleIndexEntriesAndMalformedHeadersSignNothingIn() throws Exception {
        SshPublicKey key = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        // An index entry whose holder no longer lists the key: a deploy key's, a user's.
        store.put(StoreLayout.sshKeyKey(key.sha256Hex()),
                ("{\"user\":null,\"deployRepo\":\"" + REPO + "\"}").getBytes(StandardCharsets.UTF_8));
        assertFalse(await(access.signsIn(key)));
        assertThrows(AuthenticationRequiredException.class,
                () -> await(access.authorize(new Credentials.SshKey(key), REPO, Permission.READ)));
        store.put(StoreLayout.sshKeyKey(key.sha256Hex()), "{\"user\":\"alice\"}".getBytes(StandardCharsets.UTF_8));
        assertFalse(await(access.signsIn(key)));
        // ... and either is taken over by whoever adds the key next.
        assertEquals(REPO, directory.addDeployKey(REPO, key, "ci", false) != null ? await(access.authorize(
                new Credentials.SshKey(key), REPO, Permission.READ)).who().deployRepo() : null);

        String token = deployToken(REPO, Set.of(Scope.READ), null);
        assertEquals(REPO, await(access.authorize("bearer " + token, REPO, Permission.READ)).who().deployRepo());
        assertEquals(REPO, await(access.authorize("  Basic " + Base64.getEncoder().encodeToString(
                ("x:" + token).getBytes(StandardCharsets.UTF_8)) + " ", REPO, Permission.READ)).who().deployRepo());
        for (String bad : List.of("Basic !!!", "Basic " + Base64.getEncoder().encodeToString(token.getBytes(
                StandardCharsets.UTF_8)), "Token " + token, "Basic")) {
            assertThrows(AuthenticationRequiredException.class,
                    () -> await(access.authorize(bad, REPO, Permission.READ)), bad);
        }
        assertEquals("x", AccessControl.claimedUser(basic("x", token)));
        assertNull(AccessControl.claimedUser("Bearer " + token));
        assertNull(AccessControl.claimedUser("Basic !!!"));
        assertNull(AccessControl.claimedUser(null));
    }

    @Test
    void aKeysHolderIsNamedWhenAnotherAsksForIt() throws Exception {
        assertTrue(directory.createUser(new UserRecord("bob", List.of(), List.of())));
        SshPublicKey alices = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        SshPublicKey deploy = SshPublicKey.parse(dev.gitfn.auth.AuthorizationMatrixTest.newKeyLine());
        directory.addSshKey("alice", alices, new UserRecord.KeyRecord("a", alices.line(), alices.fingerprint(), "",
                NOW.toString()));
        directory.addDeployKey(REPO, deploy, "ci", false);
        assertEquals("this key already belongs to another user", assertThrows(IllegalStateException.class,
                () -> directory.addSshKey("bob", alices, new UserRecord.KeyRecord("b", alices.line(),
                        alices.fingerprint(), "", NOW.toString()))).getMessage());
        assertEquals("this key is already the deploy key of " + REPO, assertThrows(IllegalStateException.class,
                () -> directory.addSshKey("bob", deploy, new UserRecord.KeyRecord("b", deploy.line(),
                        deploy.fingerprint(), "", NOW.toString()))).getMessage());
        assertEquals("this key is already user alice", assertThrows(IllegalStateException.class,
                () -> directory.addDeployKey(OTHER, alices, "x", false)).getMessage());
        // Its own holder asking again changes nothing.
        assertEquals(1, directory.addSshKey("alice", alices, new UserRecord.KeyRecord("a", alices.line(),
                alices.fingerprint(), "", NOW.toString())).orElseThrow().keys().size());
    }
}
