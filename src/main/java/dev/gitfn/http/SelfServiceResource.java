package dev.gitfn.http;

import java.io.IOException;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.Principal;
import dev.gitfn.auth.Scope;
import io.vertx.ext.web.RoutingContext;

/**
 * The signed-in user about itself: who it is, and its own tokens. Needs a credential
 * with the {@code admin} scope (so a leaked read-only CI token cannot mint others), and a
 * new token never has a scope the credential that makes it lacks.
 */
@Path("/api/user")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.SIGNED_IN)
public class SelfServiceResource {

    /** Who the request is, as gitfn sees it. */
    public record Me(String name, List<String> groups, boolean admin, String tokenId, List<String> scopes) {
    }

    private final AuthDirectory directory;

    public SelfServiceResource(AuthDirectory directory) {
        this.directory = directory;
    }

    @GET
    public Me me(RoutingContext rc) {
        Principal who = AdmissionFilter.principal(rc);
        return new Me(who.name(), who.groups().stream().sorted().toList(), who.admin(), who.tokenId(),
                Scope.names(who.scopes()));
    }

    @GET
    @Path("tokens")
    public Response tokens(RoutingContext rc) throws IOException {
        String name = AdmissionFilter.principal(rc).name();
        return directory.user(name)
                .map(u -> Response.ok(u.tokens().stream().map(TokenApi.TokenView::of).toList()).build())
                .orElseGet(() -> noRecord(name));
    }

    @POST
    @Path("tokens")
    @Audited("token.issue")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response newToken(RoutingContext rc, TokenApi.TokenRequest request) throws IOException {
        Principal who = AdmissionFilter.principal(rc);
        if (directory.user(who.name()).isEmpty()) {
            return noRecord(who.name());
        }
        return TokenApi.issue(directory, who.name(), request, who.scopes(), rc);
    }

    @DELETE
    @Path("tokens/{id}")
    @Audited("token.revoke")
    public Response revoke(RoutingContext rc, @PathParam("id") String id) throws IOException {
        return TokenApi.revoke(directory, AdmissionFilter.principal(rc).name(), id);
    }

    /** A JWT subject or the bootstrap admin has no record in the store to hold tokens. */
    private static Response noRecord(String name) {
        return GitHttpErrors.text(Response.Status.NOT_FOUND, "no user record for " + name
                + " in the store; an admin creates it with POST /api/users");
    }
}
