package dev.gitfn.http;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.DeployCredentials;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.auth.Scope;
import dev.gitfn.auth.SshPublicKey;
import dev.gitfn.auth.Tokens;
import dev.gitfn.auth.UserRecord;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.PushSession;
import dev.gitfn.events.Hooks;
import dev.gitfn.events.PushEvents;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.repo.RefState;
import io.vertx.ext.web.RoutingContext;
import dev.gitfn.maintenance.Maintenance;
import dev.gitfn.publish.Publisher;

/**
 * The repository API: create ({@code POST /api/repos}) and list ({@code GET /api/repos}),
 * admins only; each repository's access list, protected refs and history (with restore),
 * for admins and the repository's owner.
 */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN) // every route: checked from the headers before the body is read
public class RepoApiResource {

    /** Body of {@code POST /api/repos}; the owner is the creator unless named. */
    public record CreateRepo(String name, String owner) {
    }

    /** One repository as the API shows it. */
    public record RepoView(String name) {
    }

    /** Body and answer of {@code /api/repos/<repo>/-/access}. */
    public record AccessView(@JsonProperty("public") boolean isPublic, List<String> read, List<String> write,
            Boolean cdnRedirect) {
    }

    /** Body and answer of {@code /api/repos/<repo>/-/protected}. */
    public record ProtectedView(List<String> refs) {
    }

    private final RepositoryCache cache;
    private final AuthDirectory directory;
    private final Publisher publisher;
    private final Maintenance maintenance;
    private final PushEvents events;
    private final java.time.Duration deleteGrace;
    private final Long defaultQuota;

    public RepoApiResource(RepositoryCache cache, AuthDirectory directory, Publisher publisher,
            Maintenance maintenance, PushEvents events, dev.gitfn.config.GitfnConfig config) {
        this.events = events;
        this.deleteGrace = config.repos().deleteGrace();
        this.defaultQuota = config.repos().defaultQuotaBytes().orElse(null);
        this.cache = cache;
        this.publisher = publisher;
        this.directory = directory;
        this.maintenance = maintenance;
    }

    @GET
    public List<RepoView> list() throws IOException {
        return cache.list().stream().map(n -> new RepoView(n.value())).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited("repo.create")
    public Response create(CreateRepo request, RoutingContext rc)
            throws IOException {
        if (request == null || request.name() == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"name\":\"team/app\"}");
        }
        RepoName name = RepoName.parse(request.name());
        String owner = request.owner() != null ? request.owner() : AdmissionFilter.principal(rc).name();
        if (owner != null && !UserRecord.validName(owner)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "owner must be a user name");
        }
        Response refused = refuseDeletedName(name);
        if (refused != null) {
            return refused;
        }
        cache.create(name);
        AuditFilter.note(rc, name, owner == null ? java.util.Map.of() : java.util.Map.of("owner", owner));
        if (owner != null) {
            directory.updateAccess(name, a -> a.withOwner(owner, java.time.Instant.now().toString()));
        }
        return Response.created(URI.create("/" + name.directory())).entity(new RepoView(name.value())).build();
    }

    private static Response noBranch(RepoName name, Object branch) {
        return GitHttpErrors.text(Response.Status.BAD_REQUEST, "no branch " + branch + " in " + name + ": push it first");
    }

    /** The 409 for a name whose repository was deleted within its grace (it can be restored), or null. */
    private Response refuseDeletedName(RepoName name) throws IOException {
        java.util.Optional<Long> deletedAt = cache.deletedAt(name);
        if (deletedAt.isEmpty()) {
            return null;
        }
        return GitHttpErrors.text(Response.Status.CONFLICT, name + " was deleted at "
                + java.time.Instant.ofEpochSecond(deletedAt.get()) + "; until "
                + java.time.Instant.ofEpochSecond(deletedAt.get()).plus(deleteGrace)
                + " POST /api/repos/" + name + "/-/restore brings it back");
    }

    /** {@code GET /api/repos/<repo>}: what it is and holds. */
    public record RepoInfo(String name, String description, String owner, String created, String defaultBranch,
            long sizeBytes, Long quotaBytes, String lastPush, int refs, boolean enforceLocks) {
    }

    /** Body of {@code PATCH /api/repos/<repo>}: any of its fields. */
    public record RepoPatch(String defaultBranch, String description, Long quotaBytes, Boolean enforceLocks) {
    }

    @GET
    @Path("{repo: .+}")
    @Admit(Admit.Need.MANAGE)
    public Response info(@PathParam("repo") String repo) throws IOException {
        RepoName name = RepoName.parse(repo);
        RepoAccess settings = directory.access(name);
        try (RepositoryCache.CachedRepo cached = cache.open(name)) {
            RefState state = cached.state();
            String lastPush = state.log().isEmpty() ? null
                    : java.time.Instant.ofEpochSecond(state.log().get(state.log().size() - 1).at()).toString();
            return Response.ok(new RepoInfo(name.value(), settings.description(), settings.owner(), settings.created(),
                    state.head().replaceFirst("^refs/heads/", ""), cache.storedBytes(cached),
                    settings.quotaOr(defaultQuota), lastPush, state.refs().size(), settings.enforceLocks()))
                    .build();
        }
    }

    /**
     * {@code PATCH /api/repos/<repo>}: the name (a rename: {@link RepositoryCache#rename}; the
     * old name redirects for gitfn.repos.rename-redirect), the default branch (HEAD on every
     * path; the branch must exist), the description, whether pushes must respect others' LFS
     * locks, and (admins only) the quota ({@code null}: the server's default).
     */
    @jakarta.ws.rs.PATCH
    @Path("{repo: .+}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Admit(Admit.Need.MANAGE)
    @Audited("repo.update")
    public Response patch(@PathParam("repo") String repo, java.util.Map<String, Object> body, RoutingContext rc)
            throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        RepoName name = admitted.name();
        if (body == null || body.isEmpty() || !java.util.Set.of("name", "defaultBranch", "description", "quotaBytes",
                "enforceLocks").containsAll(body.keySet())) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body has any of {\"name\":\"team/new\","
                    + "\"defaultBranch\":\"dev\",\"description\":\"...\",\"quotaBytes\":1000000000,"
                    + "\"enforceLocks\":true}");
        }
        if (body.containsKey("enforceLocks") && !(body.get("enforceLocks") instanceof Boolean)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "enforceLocks is true or false");
        }
        if (body.containsKey("name") && !(body.get("name") instanceof String)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "name is a repository name, such as team/app");
        }
        RepoName renamed = body.containsKey("name") ? RepoName.parse((String) body.get("name")) : name;
        Object branch = body.get("defaultBranch");
        Object description = body.get("description");
        Object quota = body.get("quotaBytes");
        if (branch != null && !(branch instanceof String b && Repository.isValidRefName("refs/heads/" + b))
                || description != null && !(description instanceof String d && d.length() <= 1000)
                || quota != null && !(quota instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue())) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "defaultBranch is a branch name, description at "
                    + "most 1000 characters, quotaBytes a whole number of bytes (or null)");
        }
        if (body.containsKey("quotaBytes") && !admitted.who().admin() && !admitted.who().anonymous()) {
            // (anonymous here means authentication is off: everyone may do everything)
            return GitHttpErrors.text(Response.Status.FORBIDDEN, "only an admin changes a quota");
        }
        try (RepositoryCache.CachedRepo current = cache.open(name)) { // 404 for one that does not exist
            if (branch != null && !current.state().refs().containsKey("refs/heads/" + branch)) {
                return noBranch(name, branch); // before a rename in the same request, so nothing changes
            }
        }
        AuditFilter.note(rc, name, new java.util.LinkedHashMap<>(body));
        if (!renamed.equals(name)) {
            Response refused = refuseDeletedName(renamed);
            if (refused != null) {
                return refused;
            }
            cache.rename(name, renamed, () -> directory.copyRecords(name, renamed));
            AuditFilter.action(rc, "repo.rename");
            publisher.refresh(name); // withdrawn under the old name
            publisher.refresh(renamed);
        }
        // The other fields change the repository under its new name.
        if (branch != null && !cache.push(renamed, session -> session.moveHead("refs/heads/" + branch))) {
            return noBranch(renamed, branch);
        }
        if (body.containsKey("description") || body.containsKey("quotaBytes") || body.containsKey("enforceLocks")) {
            directory.updateAccess(renamed, a -> {
                RepoAccess next = body.containsKey("description") ? a.withDescription((String) description) : a;
                next = body.containsKey("enforceLocks") ? next.withEnforceLocks((Boolean) body.get("enforceLocks"))
                        : next;
                return body.containsKey("quotaBytes") ? next.withQuota(quota == null ? null
                        : ((Number) quota).longValue()) : next;
            });
        }
        return info(renamed.value());
    }

    /**
     * {@code DELETE /api/repos/<repo>}: gone at once from every transport, the listing and the
     * published area; restorable for gitfn.repos.delete-grace.
     */
    @jakarta.ws.rs.DELETE
    @Path("{repo: .+}")
    @Admit(Admit.Need.MANAGE)
    @Audited("repo.delete")
    public Response delete(@PathParam("repo") String repo) throws IOException {
        RepoName name = RepoName.parse(repo);
        cache.delete(name);
        publisher.refresh(name); // withdrawn from the published area
        return Response.noContent().build();
    }

    /** {@code POST /api/repos/<repo>/-/restore}: a deleted repository back whole, within its grace. */
    @POST
    @Path("{repo: .+}/-/restore")
    @Consumes(MediaType.APPLICATION_JSON)
    @Admit(Admit.Need.MANAGE)
    @Audited("repo.restore")
    public Response undelete(@PathParam("repo") String repo) throws IOException {
        RepoName name = RepoName.parse(repo);
        try {
            if (!cache.undelete(name, java.time.Instant.now().minus(deleteGrace).getEpochSecond())) {
                return GitHttpErrors.text(Response.Status.CONFLICT, name + " is not deleted");
            }
        } catch (IllegalStateException expired) {
            return GitHttpErrors.text(Response.Status.GONE, expired.getMessage() + " (gitfn.repos.delete-grace)");
        }
        publisher.refresh(name); // a public one is published again
        return info(name.value());
    }

    @GET
    @Path("{repo: .+}/-/access")
    @Admit(Admit.Need.MANAGE)
    public AccessView getAccess(@PathParam("repo") String repo) throws IOException {
        RepoAccess rules = directory.access(RepoName.parse(repo));
        return new AccessView(rules.isPublic(), rules.read(), rules.write(), rules.cdnRedirect());
    }

    @PUT
    @Path("{repo: .+}/-/access")
    @Admit(Admit.Need.MANAGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited("repo.access")
    public Response putAccess(@PathParam("repo") String repo, AccessView request, RoutingContext rc)
            throws IOException {
        RepoName name = RepoName.parse(repo);
        cache.open(name).close(); // 404 for a repository that does not exist
        if (request == null || !validEntries(request.read()) || !validEntries(request.write())) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be "
                    + "{\"public\":false,\"read\":[\"bob\",\"group:qa\"],\"write\":[\"alice\"]} "
                    + "(and optionally \"cdnRedirect\":true)");
        }
        RepoAccess updated = directory.updateAccess(name, current -> current.withLists(request.isPublic(),
                request.read(), request.write(), request.cdnRedirect()));
        publisher.refresh(name); // made public: published; made private: withdrawn
        java.util.Map<String, Object> lists = new java.util.LinkedHashMap<>();
        lists.put("public", updated.isPublic());
        lists.put("read", updated.read());
        lists.put("write", updated.write());
        AuditFilter.note(rc, name, lists);
        return Response.ok(new AccessView(updated.isPublic(), updated.read(), updated.write(),
                updated.cdnRedirect())).build();
    }

    @GET
    @Path("{repo: .+}/-/protected")
    @Admit(Admit.Need.MANAGE)
    public ProtectedView getProtected(@PathParam("repo") String repo) throws IOException {
        return new ProtectedView(directory.access(RepoName.parse(repo)).protectedRefs());
    }

    @PUT
    @Path("{repo: .+}/-/protected")
    @Admit(Admit.Need.MANAGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited("repo.protected")
    public Response putProtected(@PathParam("repo") String repo, ProtectedView request, RoutingContext rc)
            throws IOException {
        RepoName name = RepoName.parse(repo);
        cache.open(name).close(); // 404 for a repository that does not exist
        if (request == null || request.refs() == null || !request.refs().stream().allMatch(RepoApiResource::validRef)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"refs\":[\"refs/heads/main\"]}; "
                    + "each a full ref name, or a prefix ending in '*' such as refs/heads/release/*");
        }
        RepoAccess updated = directory.updateAccess(name, current -> current.withProtectedRefs(request.refs()));
        AuditFilter.note(rc, name, java.util.Map.of("refs", updated.protectedRefs()));
        return Response.ok(new ProtectedView(updated.protectedRefs())).build();
    }

    /** One entry of a repository's history (its server-side reflog). */
    public record HistoryEntry(long seq, String time, String transport, String who, String tokenId, String ref,
            String oldId, String newId) {
        static HistoryEntry of(RefState.Update u) {
            return new HistoryEntry(u.seq(), java.time.Instant.ofEpochSecond(u.at()).toString(), u.transport(), u.who(),
                    u.tokenId(), u.ref(), u.oldId().name(), u.newId().name());
        }
    }

    /** Body of {@code POST /api/repos/<repo>/-/history/restore}. */
    public record RestoreRequest(String ref, String to) {
    }

    /**
     * {@code GET /api/repos/<repo>/-/history[?ref=refs/heads/main][&limit=50]}: every accepted
     * ref update within gitfn.history.keep, newest first.
     */
    @GET
    @Path("{repo: .+}/-/history")
    @Admit(Admit.Need.MANAGE)
    public Response history(@PathParam("repo") String repo, @QueryParam("ref") String ref,
            @QueryParam("limit") Integer limit) throws IOException {
        int max = limit == null ? 50 : limit;
        if (max < 1 || max > 1000) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "limit is 1 to 1000");
        }
        try (RepositoryCache.CachedRepo cached = cache.open(RepoName.parse(repo))) {
            List<RefState.Update> log = new java.util.ArrayList<>(cached.state().log());
            java.util.Collections.reverse(log);
            return Response.ok(log.stream().filter(u -> ref == null || u.ref().equals(ref)).limit(max)
                    .map(HistoryEntry::of).toList()).build();
        }
    }

    /**
     * {@code POST /api/repos/<repo>/-/history/restore} with {@code {"ref":..., "to":<id>}}: puts
     * a ref back at an id its history names (undo of a force push or a deletion), as one
     * compare-and-swap recorded in the history. 409 if the ref moved since, or if objects the
     * id reaches are gone.
     */
    @POST
    @Path("{repo: .+}/-/history/restore")
    @Consumes(MediaType.APPLICATION_JSON)
    @Admit(Admit.Need.MANAGE)
    @Audited("history.restore")
    public Response restore(@PathParam("repo") String repo, RestoreRequest request, RoutingContext rc)
            throws IOException {
        if (request == null || request.ref() == null || !request.ref().startsWith("refs/")
                || !Repository.isValidRefName(request.ref()) || request.to() == null || !ObjectId.isId(request.to())) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST,
                    "body must be {\"ref\":\"refs/heads/main\",\"to\":\"<40 hex digits>\"}");
        }
        Admitted admitted = AdmissionFilter.admitted(rc);
        ObjectId to = ObjectId.fromString(request.to());
        AuditFilter.note(rc, admitted.name(), java.util.Map.of("ref", request.ref(), "to", to.name()));
        PushSession.Restored result = cache.push(admitted.name(),
                session -> session.restore(request.ref(), to, admitted.pusher(Transport.API)));
        return switch (result) {
            case DONE -> Response.ok(new RestoreRequest(request.ref(), to.name())).build();
            case NOT_IN_HISTORY -> GitHttpErrors.text(Response.Status.BAD_REQUEST, to.name()
                    + " is not in the history of " + request.ref() + " (GET .../-/history?ref=" + request.ref() + ")");
            case OBJECTS_GONE -> GitHttpErrors.text(Response.Status.CONFLICT, "objects that " + to.name()
                    + " reaches are gone from the repository: it cannot be restored");
            case MOVED -> GitHttpErrors.text(Response.Status.CONFLICT, request.ref()
                    + " moved while the restore was made; read the history again");
        };
    }

    /**
     * {@code POST /api/repos/<repo>/-/maintenance[?mode=full]}: compacts the repository now
     * and collects its garbage (what runs by itself after pushes); {@code full} rewrites
     * every pack into one with its bitmap whatever the sizes.
     */
    @POST
    @Path("{repo: .+}/-/maintenance")
    @Audited("maintenance.run")
    public Response maintain(@PathParam("repo") String repo, @QueryParam("mode") String mode) throws IOException {
        RepoName name = RepoName.parse(repo);
        Maintenance.Mode chosen = MaintenanceApiResource.mode(mode);
        if (chosen == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "mode must be auto or full");
        }
        return Response.ok(maintenance.run(name, chosen)).build();
    }

    /** Body of {@code POST /api/repos/<repo>/-/deploy-keys}: one {@code authorized_keys} line. */
    public record DeployKeyRequest(String key, String title, Boolean write) {
    }

    /**
     * {@code POST /api/repos/<repo>/-/deploy-tokens} with {@code {"name","scopes","expiresAt"}}
     * (scopes {@code read}, the default, or {@code write}; never {@code admin}): a token good
     * for this repository alone, shown once. git sends it as the password of any user name.
     */
    @POST
    @Path("{repo: .+}/-/deploy-tokens")
    @Admit(Admit.Need.MANAGE)
    @Audited("deploy-token.create")
    public Response issueDeployToken(@PathParam("repo") String repo, TokenApi.TokenRequest request, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        TokenApi.TokenRequest asked = request == null ? new TokenApi.TokenRequest(null, null, null) : request;
        java.util.Set<Scope> machine = java.util.Set.of(Scope.READ, Scope.WRITE);
        String problem = asked.scopes() != null && asked.scopes().contains("admin")
                ? "a deploy token reads or writes its repository: its scopes are \"read\" or \"write\""
                : Tokens.problem(asked.name(), asked.scopes(), asked.expiresAt(), machine, java.time.Instant.now());
        if (problem != null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, problem + "; body: {\"name\":\"ci\","
                    + "\"scopes\":[\"read\"],\"expiresAt\":\"2027-01-01T00:00:00Z\"}");
        }
        java.util.Set<Scope> scopes = asked.scopes() == null ? java.util.Set.of(Scope.READ)
                : Scope.parse(asked.scopes()).orElseThrow();
        AuthDirectory.IssuedToken issued = directory.issueDeployToken(name, asked.name(), scopes,
                asked.expiresAt() == null ? null : java.time.Instant.parse(asked.expiresAt()));
        java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
        detail.put("tokenIssued", issued.record().id());
        detail.put("scopes", issued.record().scopes());
        if (issued.record().expiresAt() != null) {
            detail.put("expiresAt", issued.record().expiresAt());
        }
        AuditFilter.note(rc, name, detail);
        return Response.status(Response.Status.CREATED).entity(new TokenApi.NewToken(issued.record().id(),
                issued.token(), issued.record().name(), issued.record().scopes(), issued.record().expiresAt())).build();
    }

    @GET
    @Path("{repo: .+}/-/deploy-tokens")
    @Admit(Admit.Need.MANAGE)
    public List<TokenApi.TokenView> deployTokens(@PathParam("repo") String repo, RoutingContext rc) throws IOException {
        return directory.deploy(existing(rc)).tokens().stream().map(TokenApi.TokenView::of).toList();
    }

    @jakarta.ws.rs.DELETE
    @Path("{repo: .+}/-/deploy-tokens/{id}")
    @Admit(Admit.Need.MANAGE)
    @Audited("deploy-token.revoke")
    public Response revokeDeployToken(@PathParam("repo") String repo, @PathParam("id") String id, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        return directory.revokeDeployToken(name, id) ? Response.noContent().build()
                : GitHttpErrors.text(Response.Status.NOT_FOUND, name + " has no deploy token " + id);
    }

    /**
     * {@code POST /api/repos/<repo>/-/deploy-keys} with {@code {"key":"ssh-ed25519 ...",
     * "title":"ci","write":false}}: an SSH key good for this repository alone, read-only
     * unless {@code write}. A key is one user's or one repository's: 409 otherwise.
     */
    @POST
    @Path("{repo: .+}/-/deploy-keys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Admit(Admit.Need.MANAGE)
    @Audited("deploy-key.add")
    public Response addDeployKey(@PathParam("repo") String repo, DeployKeyRequest request, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        SshPublicKey key;
        try {
            key = SshPublicKey.parse(request == null ? null : request.key());
        } catch (IllegalArgumentException e) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, e.getMessage());
        }
        String title = request.title() != null ? request.title() : key.comment();
        if (title.length() > 200 || !title.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "a title has at most 200 printable characters");
        }
        boolean write = Boolean.TRUE.equals(request.write());
        try {
            DeployCredentials.DeployKey added = directory.addDeployKey(name, key, title, write);
            AuditFilter.note(rc, name, java.util.Map.of("key", added.fingerprint(), "write", added.write()));
            return Response.status(Response.Status.CREATED).entity(added).build();
        } catch (IllegalStateException taken) {
            return GitHttpErrors.text(Response.Status.CONFLICT, taken.getMessage());
        }
    }

    @GET
    @Path("{repo: .+}/-/deploy-keys")
    @Admit(Admit.Need.MANAGE)
    public List<DeployCredentials.DeployKey> deployKeys(@PathParam("repo") String repo, RoutingContext rc)
            throws IOException {
        return directory.deploy(existing(rc)).keys();
    }

    @jakarta.ws.rs.DELETE
    @Path("{repo: .+}/-/deploy-keys/{id}")
    @Admit(Admit.Need.MANAGE)
    @Audited("deploy-key.remove")
    public Response removeDeployKey(@PathParam("repo") String repo, @PathParam("id") String id, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        return directory.removeDeployKey(name, id) ? Response.noContent().build()
                : GitHttpErrors.text(Response.Status.NOT_FOUND, name + " has no deploy key " + id);
    }

    /** Body of {@code POST /api/repos/<repo>/-/hooks}. */
    public record HookRequest(String url, String secret) {
    }

    /** A webhook as the API shows it: never its secret. */
    public record HookView(String id, String url, String created, long delivered, int failures,
            List<Hooks.Delivery> recent) {
    }

    /**
     * {@code POST /api/repos/<repo>/-/hooks} with {@code {"url":..., "secret":...}}: every push
     * from now on is sent there, signed with the secret ({@code X-Gitfn-Signature-256}). A URL
     * gitfn may not call (internal addresses, unless allowed) is refused with 400.
     */
    @POST
    @Path("{repo: .+}/-/hooks")
    @Consumes(MediaType.APPLICATION_JSON)
    @Admit(Admit.Need.MANAGE)
    @Audited("hook.add")
    public Response addHook(@PathParam("repo") String repo, HookRequest request, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        if (request == null || request.url() == null || request.url().length() > 2000 || request.secret() == null
                || request.secret().isEmpty() || request.secret().length() > 256) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"url\":\"https://ci.example/hook\","
                    + "\"secret\":\"...\"} (a secret of 1 to 256 characters)");
        }
        try {
            Hooks.Hook hook = events.addHook(name, request.url(), request.secret());
            AuditFilter.note(rc, name, java.util.Map.of("hook", hook.id(), "url", hook.url()));
            return Response.status(Response.Status.CREATED)
                    .entity(new HookView(hook.id(), hook.url(), hook.created(), 0, 0, List.of())).build();
        } catch (IllegalArgumentException refused) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, refused.getMessage());
        }
    }

    /** {@code GET /api/repos/<repo>/-/hooks}: each hook with how far it was told and its recent deliveries. */
    @GET
    @Path("{repo: .+}/-/hooks")
    @Admit(Admit.Need.MANAGE)
    public List<HookView> hooks(@PathParam("repo") String repo, RoutingContext rc) throws IOException {
        Hooks hooks = events.hooks(existing(rc));
        return hooks.hooks().stream().map(h -> {
            Hooks.Progress p = hooks.progressOf(h.id());
            return new HookView(h.id(), h.url(), h.created(), p.delivered(), p.failures(), p.recent());
        }).toList();
    }

    @jakarta.ws.rs.DELETE
    @Path("{repo: .+}/-/hooks/{id}")
    @Admit(Admit.Need.MANAGE)
    @Audited("hook.remove")
    public Response removeHook(@PathParam("repo") String repo, @PathParam("id") String id, RoutingContext rc)
            throws IOException {
        RepoName name = existing(rc);
        return events.removeHook(name, id) ? Response.noContent().build()
                : GitHttpErrors.text(Response.Status.NOT_FOUND, name + " has no hook " + id);
    }

    /** The repository a request manages, which must exist (404 otherwise). */
    private RepoName existing(RoutingContext rc) throws IOException {
        RepoName name = AdmissionFilter.admitted(rc).name();
        cache.open(name).close();
        return name;
    }

    private static boolean validEntries(List<String> entries) {
        return entries == null || entries.stream().allMatch(e -> e != null
                && UserRecord.validName(e.startsWith("group:") ? e.substring("group:".length()) : e));
    }

    private static boolean validRef(String ref) {
        if (ref == null || !ref.startsWith("refs/")) {
            return false;
        }
        String exact = ref.endsWith("/*") ? ref.substring(0, ref.length() - 2) : ref;
        return Repository.isValidRefName(exact);
    }
}
