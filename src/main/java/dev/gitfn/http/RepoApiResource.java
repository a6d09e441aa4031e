package dev.gitfn.http;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.cache.RepoName;
import dev.gitfn.cache.RepositoryCache;

/** The repository API: create ({@code POST /api/repos}) and list ({@code GET /api/repos}). */
@Path("/api/repos")
@Produces(MediaType.APPLICATION_JSON)
public class RepoApiResource {

    /** Body of {@code POST /api/repos}. */
    public record CreateRepo(String name) {
    }

    /** One repository as the API shows it. */
    public record RepoView(String name) {
    }

    private final RepositoryCache cache;

    public RepoApiResource(RepositoryCache cache) {
        this.cache = cache;
    }

    @GET
    public List<RepoView> list() throws IOException {
        return cache.list().stream().map(n -> new RepoView(n.value())).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response create(CreateRepo request) throws IOException {
        if (request == null || request.name() == null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"name\":\"team/app\"}");
        }
        RepoName name = RepoName.parse(request.name());
        cache.create(name);
        return Response.created(URI.create("/" + name.directory())).entity(new RepoView(name.value())).build();
    }
}
