package dev.gitfn.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.gitfn.support.Git;
import dev.gitfn.support.Http;
import dev.gitfn.support.TestDirs;
import dev.gitfn.support.TestIssuer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Every endpoint, every kind of identity, every kind of repository, sent as raw
 * requests (hand-built pkt-lines and packs, no git client in front), in the
 * test JVM so that mutation testing sees the guards. Each row asserts the exact
 * status, git's credential challenge where git reads one, and that a refused
 * request left the store byte for byte as it was.
 *
 * <p>{@link #expectedGit} and {@link #expectedApi} are the access rules; the
 * README's access table is checked against them.
 */
@QuarkusTest
@TestProfile(AuthorizationMatrixTest.Profile.class)
public class AuthorizationMatrixTest {
    static final String ADMIN_TOKEN = "matrix-admin-token-0123456789abcdefghijkl";
    static final String AUDIENCE = "gitfn-matrix";
    private static final Path STORE = Path.of("target/test-data/store");
    private static final String ZERO = "0".repeat(40);
    /** An LFS object nobody uploads. */
    private static final String LFS_OID = "ab".repeat(32);

    /** Authentication on, JWTs with a required audience, auth records never cached. */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Hundreds of deliberate failed sign-ins from one address: no backoff, no 429 here
            // (UnauthenticatedLoadTest checks those).
            return Map.of("gitfn.auth.admin-token", ADMIN_TOKEN,
                    "gitfn.auth.cache-ttl", "0s",
                    "gitfn.auth.max-failures", "1000000", "gitfn.auth.failure-backoff", "0s",
                    "gitfn.auth.jwt.issuer", TestIssuer.ISSUER,
                    "gitfn.auth.jwt.audience", AUDIENCE,
                    "gitfn.auth.jwt.jwks-url", TestIssuer.jwks().toString());
        }
    }

    /** Who sends the request. */
    enum Who {
        ANONYMOUS, WRONG_PASSWORD, REVOKED_TOKEN, EXPIRED_TOKEN, EXPIRED_JWT, OTHER_AUDIENCE_JWT, UNTRUSTED_JWT,
        NO_GRANT, READER, WRITER_READ_TOKEN, WRITER, WRITER_JWT, ADMIN,
        /** A deploy token of scope read, made for the private repository. */
        DEPLOY_READ_TOKEN;

        /** Credentials that are present but prove nothing. */
        boolean badCredentials() {
            return switch (this) {
                case WRONG_PASSWORD, REVOKED_TOKEN, EXPIRED_TOKEN, EXPIRED_JWT, OTHER_AUDIENCE_JWT, UNTRUSTED_JWT -> true;
                default -> false;
            };
        }
    }

    /** The repository a request names. */
    enum Kind {
        PUBLIC, PRIVATE, PROTECTED, MISSING
    }

    /** What an endpoint needs: VIEW is reading through the web view (a page, with the session cookie). */
    enum Access {
        READ, WRITE, VIEW
    }

    /** Every git endpoint on every transport. */
    enum Endpoint {
        ADVERTISE_UPLOAD(Access.READ, "GET /{repo}/info/refs?service=git-upload-pack"),
        ADVERTISE_RECEIVE(Access.WRITE, "GET /{repo}/info/refs?service=git-receive-pack"),
        UPLOAD_PACK(Access.READ, "POST /{repo}/git-upload-pack"),
        RECEIVE_PACK(Access.WRITE, "POST /{repo}/git-receive-pack"),
        DUMB_INFO_REFS(Access.READ, "GET /{repo}/info/refs"),
        DUMB_HEAD(Access.READ, "GET /{repo}/HEAD"),
        DUMB_INFO_PACKS(Access.READ, "GET /{repo}/objects/info/packs"),
        DUMB_PACK(Access.READ, "GET /{repo}/objects/pack/{pack}{ext}"),
        DUMB_IDX(Access.READ, "GET /{repo}/objects/pack/{pack}{ext}"),
        TUNNEL_UPLOAD(Access.READ, "GET /{repo}/ws?service=git-upload-pack"),
        TUNNEL_RECEIVE(Access.WRITE, "GET /{repo}/ws?service=git-receive-pack"),
        LFS_BATCH_DOWNLOAD(Access.READ, "POST /{repo}/info/lfs/objects/batch"),
        LFS_BATCH_UPLOAD(Access.WRITE, "POST /{repo}/info/lfs/objects/batch"),
        LFS_VERIFY(Access.WRITE, "POST /{repo}/info/lfs/verify"),
        LFS_PUT(Access.WRITE, "PUT /{repo}/info/lfs/objects/{oid}"),
        LFS_GET(Access.READ, "GET /{repo}/info/lfs/objects/{oid}"),
        LFS_LOCKS(Access.READ, "GET /{repo}/info/lfs/locks"),
        LFS_LOCKS_VERIFY(Access.WRITE, "POST /{repo}/info/lfs/locks/verify"),
        LFS_LOCK(Access.WRITE, "POST /{repo}/info/lfs/locks"),
        LFS_UNLOCK(Access.WRITE, "POST /{repo}/info/lfs/locks/{id}/unlock"),
        WEB_REPO(Access.VIEW, "GET /{repo}"),
        WEB_TREE(Access.VIEW, "GET /{repo}/-/tree{rest}"),
        WEB_BLOB(Access.VIEW, "GET /{repo}/-/blob/{rest}"),
        WEB_RAW(Access.VIEW, "GET /{repo}/-/raw/{rest}"),
        WEB_COMMITS(Access.VIEW, "GET /{repo}/-/commits{rest}"),
        WEB_COMMIT(Access.VIEW, "GET /{repo}/-/commit/{id}");

        final Access access;
        final String route;

        Endpoint(Access access, String route) {
            this.access = access;
            this.route = route;
        }
    }

    /**
     * Every API route: method, path (with placeholders), the admin's expected status, and
     * whether it is the signed-in user's own ({@code /api/user}: any user, the admin scope).
     */
    record ApiRoute(String method, String template, int adminStatus, Need need) {
        ApiRoute(String method, String template, int adminStatus) {
            this(method, template, adminStatus, Need.ADMIN);
        }

        boolean self() {
            return need == Need.SELF;
        }
    }

    /** Who an API route is for: admins, the signed-in user itself, or a repository's managers (admins, its owner). */
    enum Need {
        ADMIN, SELF, MANAGE
    }

    static final List<ApiRoute> API = List.of(
            new ApiRoute("GET", "/api/repos", 200),
            new ApiRoute("POST", "/api/repos", 201),
            new ApiRoute("GET", "/api/repos/{repo}/-/access", 200, Need.MANAGE),
            new ApiRoute("PUT", "/api/repos/{repo}/-/access", 200, Need.MANAGE),
            new ApiRoute("GET", "/api/repos/{repo}/-/protected", 200, Need.MANAGE),
            new ApiRoute("PUT", "/api/repos/{repo}/-/protected", 200, Need.MANAGE),
            new ApiRoute("POST", "/api/repos/{repo}/-/maintenance", 200),
            new ApiRoute("GET", "/api/repos/{repo}/-/history", 200, Need.MANAGE),
            new ApiRoute("GET", "/api/repos/{repo}", 200, Need.MANAGE),
            new ApiRoute("PATCH", "/api/repos/{repo}", 200, Need.MANAGE),
            new ApiRoute("DELETE", "/api/repos/{repo}", 204, Need.MANAGE), // the admin's: a repository of its own
            new ApiRoute("POST", "/api/repos/{repo}/-/restore", 409, Need.MANAGE), // not deleted
            new ApiRoute("POST", "/api/repos/{repo}/-/history/restore", 400, Need.MANAGE), // an id not in it
            new ApiRoute("POST", "/api/repos/{repo}/-/deploy-tokens", 201, Need.MANAGE),
            new ApiRoute("GET", "/api/repos/{repo}/-/deploy-tokens", 200, Need.MANAGE),
            new ApiRoute("DELETE", "/api/repos/{repo}/-/deploy-tokens/{id}", 404, Need.MANAGE), // no such token
            new ApiRoute("POST", "/api/repos/{repo}/-/deploy-keys", 201, Need.MANAGE),
            new ApiRoute("GET", "/api/repos/{repo}/-/deploy-keys", 200, Need.MANAGE),
            new ApiRoute("DELETE", "/api/repos/{repo}/-/deploy-keys/{id}", 404, Need.MANAGE), // no such key
            new ApiRoute("POST", "/api/repos/{repo}/-/hooks", 201, Need.MANAGE),
            new ApiRoute("GET", "/api/repos/{repo}/-/hooks", 200, Need.MANAGE),
            new ApiRoute("DELETE", "/api/repos/{repo}/-/hooks/{id}", 404, Need.MANAGE), // no such hook
            new ApiRoute("POST", "/api/maintenance", 200),
            new ApiRoute("POST", "/api/users", 201),
            new ApiRoute("GET", "/api/users/{name}", 200),
            new ApiRoute("PUT", "/api/users/{name}", 200),
            new ApiRoute("DELETE", "/api/users/{name}", 204),
            new ApiRoute("POST", "/api/users/{name}/tokens", 201),
            new ApiRoute("GET", "/api/users/{name}/tokens", 200),
            new ApiRoute("GET", "/api/user", 200, Need.SELF),
            new ApiRoute("GET", "/api/user/tokens", 404, Need.SELF), // the admin token has no user record
            new ApiRoute("POST", "/api/user/tokens", 404, Need.SELF),
            new ApiRoute("DELETE", "/api/user/tokens/{id}", 404, Need.SELF), // no such token
            new ApiRoute("DELETE", "/api/users/{name}/tokens/{id}", 204),
            new ApiRoute("POST", "/api/users/{name}/keys", 201),
            new ApiRoute("GET", "/api/users/{name}/keys", 200),
            new ApiRoute("DELETE", "/api/users/{name}/keys/{id}", 204),
            new ApiRoute("POST", "/api/publish", 200),
            new ApiRoute("GET", "/api/audit", 200));

    /** The access rule for git's endpoints, and the web view's. */
    static int expectedGit(Who who, Kind kind, Access access) {
        if (access == Access.VIEW) {
            // As reading with git, but a page: what the anonymous may not see is as missing (no
            // password prompt); wrong credentials end the session (401, without a challenge).
            int read = expectedGit(who, kind, Access.READ);
            return read == 401 && who == Who.ANONYMOUS ? 404 : read;
        }
        if (who.badCredentials()) {
            return 401; // wrong credentials are never treated as anonymous
        }
        if (who == Who.DEPLOY_READ_TOKEN) {
            // Good for its repository alone, and only to read; anywhere else a wrong token.
            return kind != Kind.PRIVATE ? 401 : access == Access.READ ? 200 : 403;
        }
        boolean anonymous = who == Who.ANONYMOUS;
        boolean writer = who == Who.WRITER || who == Who.WRITER_JWT || who == Who.ADMIN;
        if (kind == Kind.MISSING) {
            return anonymous ? 401 : 404; // existence is not revealed to the anonymous
        }
        // A writer's read-only token reads as its user may and pushes nowhere (403 where it may read).
        boolean canRead = kind == Kind.PUBLIC || writer || who == Who.READER || who == Who.WRITER_READ_TOKEN;
        if (access == Access.READ) {
            return canRead ? 200 : anonymous ? 401 : 404;
        }
        if (writer) {
            return 200;
        }
        return anonymous ? 401 : canRead ? 403 : 404;
    }

    /** The access rule for the admin API. */
    static int expectedApi(Who who, int adminStatus) {
        return expectedApi(who, new ApiRoute("GET", "", adminStatus));
    }

    /** The access rule for one API route. */
    static int expectedApi(Who who, ApiRoute route) {
        if (who == Who.ANONYMOUS || who.badCredentials() || who == Who.DEPLOY_READ_TOKEN) {
            return 401; // (a deploy token signs no one in to the API)
        }
        if (who == Who.WRITER_READ_TOKEN) {
            return 403; // the API needs the admin scope
        }
        if (route.need() == Need.MANAGE) {
            // The private repository, owned by the admin: who may not read it learns nothing.
            return who == Who.ADMIN ? route.adminStatus() : who == Who.NO_GRANT ? 404 : 403;
        }
        if (!route.self()) {
            return who == Who.ADMIN ? route.adminStatus() : 403;
        }
        boolean hasRecord = who == Who.NO_GRANT || who == Who.READER || who == Who.WRITER;
        return route.template().equals("/api/user") ? 200
                : route.method().equals("DELETE") || !hasRecord ? 404
                : route.method().equals("POST") ? 201 : 200;
    }

    @TestHTTPResource("/")
    URL base;

    private static boolean ready;
    private static final Map<Who, String> CREDENTIALS = new HashMap<>();
    private static final Map<Kind, String> REPOS = new HashMap<>();
    private static final Map<Kind, String> MAIN = new HashMap<>();
    private static final Map<Kind, String> PACK = new HashMap<>();
    private static String suffix;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @BeforeEach
    void setUpOnce() throws Exception {
        if (ready) {
            return;
        }
        suffix = Long.toString(System.nanoTime(), 36);
        String reader = user("reader", List.of());
        String writer = user("writer", List.of());
        String nobody = user("nobody", List.of());
        String revoked = user("revoked", List.of());
        String id = tokenIds("revoked-" + suffix).get(0);
        assertEquals(204, api("DELETE", "/api/users/revoked-" + suffix + "/tokens/" + id, admin(), null).statusCode());

        String expiring = token("writer-" + suffix, "{\"expiresAt\":\"" + java.time.Instant.now().plusSeconds(2)
                + "\"}");
        CREDENTIALS.put(Who.EXPIRED_TOKEN, Http.basic("writer-" + suffix, expiring));
        CREDENTIALS.put(Who.WRITER_READ_TOKEN, Http.basic("writer-" + suffix,
                token("writer-" + suffix, "{\"name\":\"ci\",\"scopes\":[\"read\"]}")));
        CREDENTIALS.put(Who.WRONG_PASSWORD, Http.basic("writer-" + suffix, "gfn_not-the-token"));
        CREDENTIALS.put(Who.REVOKED_TOKEN, Http.basic("revoked-" + suffix, revoked));
        CREDENTIALS.put(Who.EXPIRED_JWT,
                "Bearer " + TestIssuer.tokenFor(AUDIENCE, "writer-" + suffix, List.of("dev"), -5));
        CREDENTIALS.put(Who.OTHER_AUDIENCE_JWT,
                "Bearer " + TestIssuer.tokenFor("another-service", "writer-" + suffix, List.of("dev"), 5));
        CREDENTIALS.put(Who.UNTRUSTED_JWT,
                "Bearer " + TestIssuer.forgedTokenFor(AUDIENCE, "writer-" + suffix, List.of("dev")));
        CREDENTIALS.put(Who.NO_GRANT, Http.basic("nobody-" + suffix, nobody));
        CREDENTIALS.put(Who.READER, Http.basic("reader-" + suffix, reader));
        CREDENTIALS.put(Who.WRITER, Http.basic("writer-" + suffix, writer));
        CREDENTIALS.put(Who.WRITER_JWT, "Bearer " + TestIssuer.tokenFor(AUDIENCE, "jwt-" + suffix, List.of("dev"), 30));
        CREDENTIALS.put(Who.ADMIN, admin());

        Path work = TestDirs.fresh("matrix");
        Git git = new Git(work.resolve("home"));
        Path src = git.newRepo(work.resolve("src"), 2);
        for (Kind kind : Kind.values()) {
            String name = TestDirs.repoName("matrix/" + kind.name().toLowerCase() + "-" + suffix);
            REPOS.put(kind, name);
            if (kind == Kind.MISSING) {
                MAIN.put(kind, git.revParse(src, "main"));
                PACK.put(kind, "pack-" + "1".repeat(40));
                continue;
            }
            assertEquals(201, api("POST", "/api/repos", admin(), "{\"name\":\"" + name + "\"}").statusCode());
            String access = "{\"public\":" + (kind == Kind.PUBLIC) + ",\"read\":[\"reader-" + suffix
                    + "\"],\"write\":[\"writer-" + suffix + "\",\"group:dev\"]}";
            if (kind == Kind.PUBLIC) {
                access = "{\"public\":true,\"read\":[],\"write\":[\"writer-" + suffix + "\",\"group:dev\"]}";
            }
            assertEquals(200, api("PUT", "/api/repos/" + name + "/-/access", admin(), access).statusCode());
            if (kind == Kind.PROTECTED) {
                assertEquals(200, api("PUT", "/api/repos/" + name + "/-/protected", admin(),
                        "{\"refs\":[\"refs/heads/main\",\"refs/heads/release/*\"]}").statusCode());
            }
            String url = base.toString().replace("http://", "http://admin:" + ADMIN_TOKEN + "@") + name + ".git";
            git.ok(src, "push", url, "main", "main:refs/heads/release/1");
            MAIN.put(kind, git.revParse(src, "main"));
            Matcher pack = Pattern.compile("(?m)^pack (pack-[0-9a-f]{40})\\b").matcher(state(kind));
            assertTrue(pack.find(), state(kind));
            PACK.put(kind, pack.group(1));
        }
        HttpResponse<String> deploy = api("POST", "/api/repos/" + REPOS.get(Kind.PRIVATE) + "/-/deploy-tokens", admin(),
                "{\"name\":\"matrix\"}");
        Matcher deployToken = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(deploy.body());
        assertTrue(deploy.statusCode() == 201 && deployToken.find(), deploy.body());
        CREDENTIALS.put(Who.DEPLOY_READ_TOKEN, Http.basic("deploy", deployToken.group(1)));
        while (!api("GET", "/api/user", CREDENTIALS.get(Who.EXPIRED_TOKEN), null).headers()
                .firstValue("WWW-Authenticate").isPresent()) {
            Thread.sleep(100); // until the expiring token has expired
        }
        ready = true;
    }

    /** A new token for {@code user} as the admin makes it, with {@code body}'s scopes and expiry. */
    private String token(String user, String body) {
        HttpResponse<String> made = api("POST", "/api/users/" + user + "/tokens", admin(), body);
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(made.body());
        assertTrue(made.statusCode() == 201 && m.find(), made.body());
        return m.group(1);
    }

    @Test
    void everyGitEndpointForEveryIdentityAndRepository() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Endpoint endpoint : Endpoint.values()) {
            for (Kind kind : Kind.values()) {
                for (Who who : Who.values()) {
                    String row = endpoint + " " + kind + " " + who;
                    int expected = expectedGit(who, kind, endpoint.access);
                    Map<String, String> before = snapshot(kind);
                    String ref = "refs/heads/m-" + COUNTER.incrementAndGet();
                    Answer answer = send(endpoint, kind, who, ref);
                    // Allowed LFS requests about an object nobody uploaded: what the API answers for it.
                    int wanted = expected != 200 ? expected : switch (endpoint) {
                        case TUNNEL_UPLOAD, TUNNEL_RECEIVE -> 101;
                        case LFS_VERIFY, LFS_PUT, LFS_LOCK -> 422; // (a lock of no path: nothing changes)
                        case LFS_GET, LFS_UNLOCK -> 404; // (no such lock)
                        default -> 200;
                    };
                    if (answer.status != wanted) {
                        failures.add(row + ": expected " + wanted + ", got " + answer.status + " " + answer.body);
                        continue;
                    }
                    if (endpoint.access == Access.VIEW) {
                        if (answer.challenge != null) {
                            failures.add(row + ": a page with a password challenge");
                        }
                        // "file 1" is a commit subject of every repository here, in no address.
                        if (answer.status != 200 && answer.body.contains("file 1")) {
                            failures.add(row + ": a refused page shows the repository's content");
                        }
                        if (answer.status == 200 && endpoint != Endpoint.WEB_RAW && endpoint != Endpoint.WEB_BLOB
                                && endpoint != Endpoint.WEB_TREE && !answer.body.contains("file 1")) {
                            failures.add(row + ": an allowed page does not show the repository's content");
                        }
                    } else if (answer.status == 401 && !"Basic realm=\"gitfn\"".equals(answer.challenge)) {
                        failures.add(row + ": 401 without git's Basic challenge");
                    }
                    boolean changes = endpoint == Endpoint.RECEIVE_PACK && expected == 200 && kind != Kind.PROTECTED;
                    if (changes) {
                        if (!answer.body.contains("ok " + ref) || !state(kind).contains(" " + ref + "\n")) {
                            failures.add(row + ": an allowed push did not land: " + answer.body);
                        }
                    } else if (!before.equals(snapshot(kind))) {
                        failures.add(row + ": the store changed");
                    }
                    if (endpoint == Endpoint.RECEIVE_PACK && expected == 200 && kind == Kind.PROTECTED
                            && !answer.body.contains("ng refs/heads/release/1 protected branch: deletion refused")) {
                        failures.add(row + ": deleting a protected branch was not refused: " + answer.body);
                    }
                    boolean packFile = endpoint == Endpoint.DUMB_PACK || endpoint == Endpoint.DUMB_IDX;
                    String cacheRule = kind == Kind.PUBLIC ? "public, max-age=31536000, immutable" : "private, no-store";
                    if (expected == 200 && packFile && !cacheRule.equals(answer.cacheControl)) {
                        failures.add(row + ": Cache-Control " + answer.cacheControl + ", not " + cacheRule);
                    }
                    if (expected == 200 && endpoint == Endpoint.UPLOAD_PACK && !answer.body.contains("PACK")) {
                        failures.add(row + ": no pack in the answer: " + answer.body);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " rows differ:\n" + String.join("\n", failures));
    }

    @Test
    void everyApiRouteForEveryIdentity() throws Exception {
        List<String> failures = new ArrayList<>();
        for (ApiRoute route : API) {
            for (Who who : Who.values()) {
                int expected = expectedApi(who, route);
                Map<String, String> before = snapshot(Kind.PRIVATE);
                HttpResponse<String> answer = sendApi(route, who);
                String row = route.method() + " " + route.template() + " " + who;
                if (answer.statusCode() != expected) {
                    failures.add(row + ": expected " + expected + ", got " + answer.statusCode() + " " + answer.body());
                } else if (expected >= 400 && !before.equals(snapshot(Kind.PRIVATE))) {
                    failures.add(row + ": the store changed");
                }
                if (expected == 401 && !answer.headers().firstValue("WWW-Authenticate").isPresent()) {
                    failures.add(row + ": 401 without a challenge");
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " rows differ:\n" + String.join("\n", failures));
    }

    /** The web view's pages that name no repository (the list, signing in and out). */
    static final List<String> WEB_VISIT = List.of("GET ", "GET /-/signin", "POST /-/signin", "POST /-/signout");

    /**
     * The list of repositories shows exactly those the visitor may read; signing in takes the
     * credentials git would take, refuses any other; a deploy token signs no one in.
     */
    @Test
    void everyWebVisitorPageForEveryIdentity() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Who who : Who.values()) {
            Map<String, String> headers = new HashMap<>();
            String authorization = CREDENTIALS.get(who);
            if (authorization != null) {
                headers.put("Cookie", "gitfn_session=" + java.util.Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(authorization.getBytes(StandardCharsets.UTF_8)));
            }
            boolean signsIn = authorization != null && !who.badCredentials() && who != Who.DEPLOY_READ_TOKEN;
            HttpResponse<String> index = Http.send("GET", uri("/"), headers, null);
            int expected = authorization == null || signsIn ? 200 : 401;
            if (index.statusCode() != expected) {
                failures.add("GET / " + who + ": expected " + expected + ", got " + index.statusCode());
                continue;
            }
            for (Kind kind : List.of(Kind.PUBLIC, Kind.PRIVATE, Kind.PROTECTED)) {
                boolean listed = index.body().contains(">" + REPOS.get(kind) + "<");
                boolean mayRead = expected == 200 && expectedGit(who, kind, Access.READ) == 200;
                if (listed != mayRead) {
                    failures.add("GET / " + who + ": " + kind + (listed ? " listed" : " not listed"));
                }
            }
            String[] form = formOf(authorization);
            HttpResponse<String> signIn = Http.send("POST", uri("/-/signin"),
                    Map.of("Content-Type", "application/x-www-form-urlencoded"),
                    ("user=" + java.net.URLEncoder.encode(form[0], StandardCharsets.UTF_8) + "&token="
                            + java.net.URLEncoder.encode(form[1], StandardCharsets.UTF_8)).getBytes());
            int signInExpected = authorization == null ? 400 : signsIn ? 303 : 401;
            if (signIn.statusCode() != signInExpected
                    || signIn.headers().firstValue("Set-Cookie").isPresent() != (signInExpected == 303)) {
                failures.add("POST /-/signin " + who + ": expected " + signInExpected + ", got " + signIn.statusCode());
            }
        }
        if (Http.send("GET", uri("/-/signin"), Map.of(), null).statusCode() != 200) {
            failures.add("GET /-/signin: no form");
        }
        HttpResponse<String> out = Http.send("POST", uri("/-/signout"),
                Map.of("Content-Type", "application/x-www-form-urlencoded"), new byte[0]);
        if (out.statusCode() != 303 || !out.headers().firstValue("Set-Cookie").orElse("").contains("Max-Age=0")) {
            failures.add("POST /-/signout: " + out.statusCode());
        }
        assertTrue(failures.isEmpty(), failures.size() + " rows differ:\n" + String.join("\n", failures));
    }

    /** The sign-in form's fields for an Authorization value: user and token for Basic, the token alone for Bearer. */
    private static String[] formOf(String authorization) {
        if (authorization == null) {
            return new String[] {"", ""};
        }
        if (authorization.startsWith("Bearer ")) {
            return new String[] {"", authorization.substring(7)};
        }
        String pair = new String(java.util.Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        return pair.split(":", 2);
    }

    /** A new endpoint that this table does not cover fails the build. */
    @Test
    void theTableCoversEveryEndpoint() throws Exception {
        Set<String> covered = new TreeSet<>();
        for (Endpoint e : Endpoint.values()) {
            covered.add(e.route.replaceAll("\\?.*", ""));
        }
        API.forEach(r -> covered.add(r.method() + " " + r.template()));
        Set<String> served = new TreeSet<>();
        for (Class<?> resource : resourceClasses()) {
            String root = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
            for (Method m : resource.getDeclaredMethods()) {
                String verb = m.isAnnotationPresent(GET.class) ? "GET" : m.isAnnotationPresent(POST.class) ? "POST"
                        : m.isAnnotationPresent(PUT.class) ? "PUT" : m.isAnnotationPresent(DELETE.class) ? "DELETE"
                        : m.isAnnotationPresent(PATCH.class) ? "PATCH" : null;
                if (verb == null) {
                    continue;
                }
                jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
                String path = ("/" + root + "/" + (sub == null ? "" : sub.value())).replaceAll("/+", "/")
                        .replaceAll("/$", "");
                served.add(verb + " " + withoutRegexes(path));
            }
        }
        served.add("GET /{repo}/ws"); // the tunnel, a Vert.x route
        covered.addAll(WEB_VISIT); // everyWebVisitorPageForEveryIdentity
        Set<String> missing = new TreeSet<>(served);
        missing.removeAll(covered);
        assertTrue(missing.isEmpty(), "endpoints the authorization matrix does not cover: " + missing);
    }

    /** {@code {repo: .+}} and {@code {pack: pack-[0-9a-f]{40}}} become {@code {repo}} and {@code {pack}}. */
    static String withoutRegexes(String template) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        boolean skipping = false;
        for (char c : template.toCharArray()) {
            if (c == '{' && depth++ == 0) {
                b.append(c);
                continue;
            }
            if (c == '}' && --depth == 0) {
                skipping = false;
                b.append(c);
                continue;
            }
            if (depth == 1 && c == ':') {
                skipping = true;
            }
            if (!skipping) {
                b.append(c);
            }
        }
        return b.toString().replace(" ", "");
    }

    /** The README's access table is this test's rule, rendered. */
    @Test
    void readmeAccessTableMatchesTheRules() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String start = "<!-- access-table: generated from AuthorizationMatrixTest -->\n";
        String end = "<!-- /access-table -->";
        int from = readme.indexOf(start);
        int to = readme.indexOf(end);
        String table = accessTable();
        if (from < 0 || to < from) {
            fail("README.md lacks the access table; put this between the markers:\n" + start + table + end);
        }
        assertEquals(table, readme.substring(from + start.length(), to), "README access table is out of date");
    }

    static String accessTable() {
        Map<String, Who> rows = new java.util.LinkedHashMap<>();
        rows.put("anonymous", Who.ANONYMOUS);
        rows.put("wrong, revoked or expired credentials (tokens and JWTs), a JWT for another audience or from an "
                + "unknown key",
                Who.WRONG_PASSWORD);
        rows.put("signed in, not on the access list", Who.NO_GRANT);
        rows.put("on the `read` list", Who.READER);
        rows.put("on the `write` list, with a token of scope `read`", Who.WRITER_READ_TOKEN);
        rows.put("on the `write` list", Who.WRITER);
        rows.put("admin", Who.ADMIN);
        rows.put("a deploy token of scope `read`, made for the private repository", Who.DEPLOY_READ_TOKEN);
        StringBuilder b = new StringBuilder("| who | read public | read private | push public | push private "
                + "| missing repository | admin API |\n|---|---|---|---|---|---|---|\n");
        rows.forEach((label, who) -> b.append("| ").append(label).append(" | ")
                .append(expectedGit(who, Kind.PUBLIC, Access.READ)).append(" | ")
                .append(expectedGit(who, Kind.PRIVATE, Access.READ)).append(" | ")
                .append(expectedGit(who, Kind.PUBLIC, Access.WRITE)).append(" | ")
                .append(expectedGit(who, Kind.PRIVATE, Access.WRITE)).append(" | ")
                .append(expectedGit(who, Kind.MISSING, Access.READ)).append(" | ")
                .append(expectedApi(who, 200)).append(" |\n"));
        return b.toString();
    }

    // ---- requests ----

    record Answer(int status, String challenge, String body, String cacheControl) {
    }

    private Answer send(Endpoint endpoint, Kind kind, Who who, String newRef) throws Exception {
        String repo = REPOS.get(kind) + ".git";
        Map<String, String> headers = new HashMap<>();
        if (CREDENTIALS.containsKey(who)) {
            headers.put("Authorization", CREDENTIALS.get(who));
        }
        String main = MAIN.get(kind);
        String pack = PACK.get(kind);
        HttpResponse<String> r = switch (endpoint) {
            case ADVERTISE_UPLOAD -> Http.send("GET", uri("/" + repo + "/info/refs?service=git-upload-pack"), headers,
                    null);
            case ADVERTISE_RECEIVE -> Http.send("GET", uri("/" + repo + "/info/refs?service=git-receive-pack"),
                    headers, null);
            case UPLOAD_PACK -> {
                headers.put("Content-Type", "application/x-git-upload-pack-request");
                yield Http.send("POST", uri("/" + repo + "/git-upload-pack"), headers,
                        concat(pkt("want " + main + "\n"), "0000".getBytes(), pkt("done\n")));
            }
            case RECEIVE_PACK -> {
                headers.put("Content-Type", "application/x-git-receive-pack-request");
                byte[] body = kind == Kind.PROTECTED
                        ? concat(pkt(main + " " + ZERO + " refs/heads/release/1\0report-status\n"), "0000".getBytes())
                        : concat(pkt(ZERO + " " + main + " " + newRef + "\0report-status\n"), "0000".getBytes(),
                                emptyPack());
                yield Http.send("POST", uri("/" + repo + "/git-receive-pack"), headers, body);
            }
            case DUMB_INFO_REFS -> Http.send("GET", uri("/" + repo + "/info/refs"), headers, null);
            case DUMB_HEAD -> Http.send("GET", uri("/" + repo + "/HEAD"), headers, null);
            case DUMB_INFO_PACKS -> Http.send("GET", uri("/" + repo + "/objects/info/packs"), headers, null);
            case DUMB_PACK -> Http.send("GET", uri("/" + repo + "/objects/pack/" + pack + ".pack"), headers, null);
            case DUMB_IDX -> Http.send("GET", uri("/" + repo + "/objects/pack/" + pack + ".idx"), headers, null);
            case TUNNEL_UPLOAD, TUNNEL_RECEIVE -> null;
            case WEB_REPO, WEB_TREE, WEB_BLOB, WEB_RAW, WEB_COMMITS, WEB_COMMIT -> {
                // A browser's request: the credentials in the session cookie, not a header.
                String authorization = headers.remove("Authorization");
                if (authorization != null) {
                    headers.put("Cookie", "gitfn_session=" + java.util.Base64.getUrlEncoder().withoutPadding()
                            .encodeToString(authorization.getBytes(StandardCharsets.UTF_8)));
                }
                String page = "/" + REPOS.get(kind) + switch (endpoint) {
                    case WEB_TREE -> "/-/tree/main";
                    case WEB_BLOB -> "/-/blob/main/file-0.txt";
                    case WEB_RAW -> "/-/raw/main/file-0.txt";
                    case WEB_COMMITS -> "/-/commits/main";
                    case WEB_COMMIT -> "/-/commit/" + main;
                    default -> "";
                };
                yield Http.send("GET", uri(page), headers, null);
            }
            case LFS_BATCH_DOWNLOAD, LFS_BATCH_UPLOAD -> {
                headers.put("Content-Type", "application/vnd.git-lfs+json");
                String operation = endpoint == Endpoint.LFS_BATCH_UPLOAD ? "upload" : "download";
                yield Http.send("POST", uri("/" + repo + "/info/lfs/objects/batch"), headers, ("{\"operation\":\""
                        + operation + "\",\"objects\":[{\"oid\":\"" + LFS_OID + "\",\"size\":3}]}").getBytes());
            }
            case LFS_VERIFY -> {
                headers.put("Content-Type", "application/vnd.git-lfs+json");
                yield Http.send("POST", uri("/" + repo + "/info/lfs/verify"), headers,
                        ("{\"oid\":\"" + LFS_OID + "\",\"size\":3}").getBytes());
            }
            case LFS_PUT -> Http.send("PUT", uri("/" + repo + "/info/lfs/objects/" + LFS_OID), headers,
                    "not the oid's bytes".getBytes());
            case LFS_GET -> Http.send("GET", uri("/" + repo + "/info/lfs/objects/" + LFS_OID), headers, null);
            case LFS_LOCKS -> Http.send("GET", uri("/" + repo + "/info/lfs/locks"), headers, null);
            case LFS_LOCKS_VERIFY, LFS_LOCK, LFS_UNLOCK -> {
                headers.put("Content-Type", "application/vnd.git-lfs+json");
                String path = switch (endpoint) {
                    case LFS_LOCKS_VERIFY -> "/info/lfs/locks/verify";
                    case LFS_LOCK -> "/info/lfs/locks";
                    default -> "/info/lfs/locks/000000000000/unlock";
                };
                yield Http.send("POST", uri("/" + repo + path), headers,
                        (endpoint == Endpoint.LFS_LOCK ? "{\"path\":\"\"}" : "{}").getBytes());
            }
        };
        if (r == null) {
            String service = endpoint == Endpoint.TUNNEL_UPLOAD ? "git-upload-pack" : "git-receive-pack";
            return upgrade(URI.create(base.toString().replace("http://", "ws://") + repo + "/ws?service=" + service),
                    headers.get("Authorization"));
        }
        return new Answer(r.statusCode(), r.headers().firstValue("WWW-Authenticate").orElse(null), r.body(),
                r.headers().firstValue("Cache-Control").orElse(null));
    }

    private static final HttpClient WS = HttpClient.newHttpClient();

    /** 101 when the server opens the tunnel (then closed at once), else its refusal. */
    private static Answer upgrade(URI endpoint, String authorization) {
        WebSocket.Builder builder = WS.newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        try {
            builder.buildAsync(endpoint, new WebSocket.Listener() {
            }).join().abort();
            return new Answer(101, null, "", null);
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                HttpResponse<?> r = refused.getResponse();
                return new Answer(r.statusCode(), r.headers().firstValue("WWW-Authenticate").orElse(null),
                        String.valueOf(r.body()), null);
            }
            throw e;
        }
    }

    private HttpResponse<String> sendApi(ApiRoute route, Who who) {
        String authorization = CREDENTIALS.get(who);
        String n = Integer.toString(COUNTER.incrementAndGet());
        String repo = REPOS.get(Kind.PRIVATE);
        String user = "tmp-" + suffix + "-" + n;
        String tokenId = "000000000000";
        if (who == Who.ADMIN && (route.template().contains("{name}"))) {
            user("tmp", List.of(), user);
            tokenId = tokenIds(user).get(0);
            if (route.template().contains("/keys/")) {
                HttpResponse<String> key = api("POST", "/api/users/" + user + "/keys", admin(),
                        "{\"key\":\"" + newKeyLine() + "\"}");
                Matcher id = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(key.body());
                assertTrue(id.find(), key.body());
                tokenId = id.group(1);
            }
        }
        if (who == Who.ADMIN && route.method().equals("DELETE") && route.template().equals("/api/repos/{repo}")) {
            repo = TestDirs.repoName("matrix/doomed-" + suffix + "-" + n);
            assertEquals(201, api("POST", "/api/repos", admin(), "{\"name\":\"" + repo + "\"}").statusCode());
        }
        String path = route.template().replace("{repo}", repo).replace("{name}", user).replace("{id}", tokenId);
        String body = switch (route.method() + " " + route.template()) {
            case "POST /api/repos" -> "{\"name\":\"" + TestDirs.repoName("matrix/new-" + suffix + "-" + n) + "\"}";
            case "PUT /api/repos/{repo}/-/access" -> "{\"public\":false,\"read\":[\"reader-" + suffix
                    + "\"],\"write\":[\"writer-" + suffix + "\",\"group:dev\"]}";
            case "PUT /api/repos/{repo}/-/protected" -> "{\"refs\":[]}";
            case "PATCH /api/repos/{repo}" -> "{\"description\":\"matrix\"}";
            case "POST /api/repos/{repo}/-/history/restore" -> "{\"ref\":\"refs/heads/main\",\"to\":\""
                    + "1".repeat(40) + "\"}";
            case "POST /api/users" -> "{\"name\":\"new-" + suffix + "-" + n + "\"}";
            case "PUT /api/users/{name}" -> "{\"groups\":[\"qa\"]}";
            case "POST /api/users/{name}/keys" -> "{\"key\":\"" + newKeyLine() + "\"}";
            case "POST /api/repos/{repo}/-/deploy-tokens" -> "{\"name\":\"matrix\"}";
            case "POST /api/repos/{repo}/-/deploy-keys" -> "{\"key\":\"" + newKeyLine() + "\"}";
            // TEST-NET-1: an outside address (no DNS needed) that never answers.
            case "POST /api/repos/{repo}/-/hooks" -> "{\"url\":\"http://192.0.2.1/hook\",\"secret\":\"s\"}";
            default -> null;
        };
        return api(route.method(), path, authorization, body);
    }

    /** A new ed25519 public key as an authorized_keys line (made by the JDK: no files needed). */
    static String newKeyLine() {
        try {
            byte[] x509 = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic()
                    .getEncoded();
            java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(blob);
            byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
            out.writeInt(type.length);
            out.write(type);
            out.writeInt(32);
            out.write(x509, x509.length - 32, 32); // the raw key ends the X.509 encoding
            return "ssh-ed25519 " + java.util.Base64.getEncoder().encodeToString(blob.toByteArray()) + " matrix";
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base.toString()).resolve(path);
    }

    private HttpResponse<String> api(String method, String path, String authorization, String body) {
        return Http.json(method, uri(path), authorization, body);
    }

    private String admin() {
        return Http.basic("admin", ADMIN_TOKEN);
    }

    private String user(String name, List<String> groups) {
        return user(name, groups, name + "-" + suffix);
    }

    /** Creates a user and returns a new token for it. */
    private String user(String name, List<String> groups, String full) {
        String json = "{\"name\":\"" + full + "\",\"groups\":["
                + String.join(",", groups.stream().map(g -> "\"" + g + "\"").toList()) + "]}";
        assertEquals(201, api("POST", "/api/users", admin(), json).statusCode());
        HttpResponse<String> token = api("POST", "/api/users/" + full + "/tokens", admin(), null);
        assertEquals(201, token.statusCode(), token.body());
        Matcher m = Pattern.compile("\"token\":\"([^\"]+)\"").matcher(token.body());
        assertTrue(m.find(), token.body());
        return m.group(1);
    }

    private List<String> tokenIds(String fullName) {
        HttpResponse<String> view = api("GET", "/api/users/" + fullName, admin(), null);
        Matcher m = Pattern.compile("\"id\":\"([0-9a-f]+)\"").matcher(view.body());
        List<String> ids = new ArrayList<>();
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertTrue(!ids.isEmpty(), view.body());
        return ids;
    }

    private static String state(Kind kind) throws IOException {
        return Files.readString(STORE.resolve(REPOS.get(kind) + ".git/gitfn-state"));
    }

    /**
     * What a request could change: the repository's folder and every auth record
     * ({@code .gitfn/} without its temporary files, locks and audit log), each with a digest, plus
     * the list of repositories (a refused create must not add one).
     */
    private static Map<String, String> snapshot(Kind kind) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return snapshotOnce(kind);
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                // A temporary file (an audit flush, a token's last use) went while the walk passed it.
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static Map<String, String> snapshotOnce(Kind kind) throws IOException {
        Map<String, String> files = new TreeMap<>();
        List<Path> roots = List.of(STORE.resolve(REPOS.get(kind) + ".git"), STORE.resolve(".gitfn"));
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.filter(Files::isRegularFile).toList()) {
                    String rel = STORE.relativize(p).toString();
                    // The audit log records refused sign-ins: the one record a refused request adds.
                    if (!rel.startsWith(".gitfn/tmp/") && !rel.startsWith(".gitfn/locks/")
                            && !rel.startsWith(".gitfn/audit/")) {
                        byte[] data = Files.readAllBytes(p);
                        if (rel.startsWith(".gitfn/hooks/")) {
                            // Deliveries (in the background, after pushes) move a hook's progress.
                            data = new String(data, StandardCharsets.UTF_8).replaceAll(",\"progress\":.*$", "")
                                    .getBytes(StandardCharsets.UTF_8);
                        }
                        if (rel.startsWith(".gitfn/users/")) {
                            // A token's "last used" is the one write a read may make (once a minute).
                            data = new String(data, StandardCharsets.UTF_8)
                                    .replaceAll("\"lastUsed\":(\"[^\"]*\"|null)", "").getBytes(StandardCharsets.UTF_8);
                        }
                        files.put(rel, digest(data));
                    }
                }
            }
        }
        try (Stream<Path> top = Files.walk(STORE.resolve("run-" + TestDirs.RUN), 3)) {
            files.put("repositories", Long.toString(top.count()));
        }
        return files;
    }

    private static String digest(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] pkt(String line) {
        byte[] data = line.getBytes(StandardCharsets.UTF_8);
        return concat(String.format("%04x", data.length + 4).getBytes(StandardCharsets.US_ASCII), data);
    }

    /** A pack with no objects: enough for a push that only points a ref at an existing commit. */
    static byte[] emptyPack() {
        byte[] header = {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 0};
        try {
            return concat(header, MessageDigest.getInstance("SHA-1").digest(header));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Every JAX-RS resource class gitfn serves (by its compiled classes). */
    public static List<Class<?>> resourceClasses() throws Exception {
        Path classes = Path.of("target/classes");
        List<Class<?>> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).toList()) {
                String name = classes.relativize(p).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> c = Class.forName(name, false, AuthorizationMatrixTest.class.getClassLoader());
                if (c.isAnnotationPresent(jakarta.ws.rs.Path.class)) {
                    found.add(c);
                }
            }
        }
        assertTrue(found.size() >= 3, "resource classes found: " + found);
        return found;
    }
}
