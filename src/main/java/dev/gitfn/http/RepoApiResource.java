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

import org.eclipse.jgit.lib.Repository;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.auth.UserRecord;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.maintenance.Maintenance;
import dev.gitfn.publish.Publisher;

/**
 * The repository API, admins only: create ({@code POST /api/repos}), list
 * ({@code GET /api/repos}), and each repository's access list and protected refs.
 */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN) // every route: checked from the headers before the body is read
public class RepoApiResource {

    /** Body of {@code POST /api/repos}. */
    public record CreateRepo(String name) {
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

    public RepoApiResource(RepositoryCache cache, AuthDirectory directory, Publisher publisher,
            Maintenance maintenance) {
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
    public Response create(CreateRepo request)
            throws IOException {
        if (request == null || request.name() == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"name\":\"team/app\"}");
        }
        RepoName name = RepoName.parse(request.name());
        cache.create(name);
        return Response.created(URI.create("/" + name.directory())).entity(new RepoView(name.value())).build();
    }

    @GET
    @Path("{repo: .+}/-/access")
    public AccessView getAccess(@PathParam("repo") String repo) throws IOException {
        RepoAccess rules = directory.access(RepoName.parse(repo));
        return new AccessView(rules.isPublic(), rules.read(), rules.write(), rules.cdnRedirect());
    }

    @PUT
    @Path("{repo: .+}/-/access")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response putAccess(@PathParam("repo") String repo, AccessView request) throws IOException {
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
        return Response.ok(new AccessView(updated.isPublic(), updated.read(), updated.write(),
                updated.cdnRedirect())).build();
    }

    @GET
    @Path("{repo: .+}/-/protected")
    public ProtectedView getProtected(@PathParam("repo") String repo) throws IOException {
        return new ProtectedView(directory.access(RepoName.parse(repo)).protectedRefs());
    }

    @PUT
    @Path("{repo: .+}/-/protected")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response putProtected(@PathParam("repo") String repo, ProtectedView request) throws IOException {
        RepoName name = RepoName.parse(repo);
        cache.open(name).close(); // 404 for a repository that does not exist
        if (request == null || request.refs() == null || !request.refs().stream().allMatch(RepoApiResource::validRef)) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"refs\":[\"refs/heads/main\"]}; "
                    + "each a full ref name, or a prefix ending in '*' such as refs/heads/release/*");
        }
        RepoAccess updated = directory.updateAccess(name, current -> current.withProtectedRefs(request.refs()));
        return Response.ok(new ProtectedView(updated.protectedRefs())).build();
    }

    /**
     * {@code POST /api/repos/<repo>/-/maintenance[?mode=full]}: compacts the repository now
     * and collects its garbage (what runs by itself after pushes); {@code full} rewrites
     * every pack into one with its bitmap whatever the sizes.
     */
    @POST
    @Path("{repo: .+}/-/maintenance")
    public Response maintain(@PathParam("repo") String repo, @QueryParam("mode") String mode) throws IOException {
        RepoName name = RepoName.parse(repo);
        Maintenance.Mode chosen = MaintenanceApiResource.mode(mode);
        if (chosen == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "mode must be auto or full");
        }
        return Response.ok(maintenance.run(name, chosen)).build();
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
