package dev.gitfn.http;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.SshPublicKey;
import dev.gitfn.auth.Scope;
import dev.gitfn.auth.UserRecord;
import io.vertx.ext.web.RoutingContext;

/**
 * Users and their personal access tokens; admins only. A token is shown once,
 * in the answer that creates it; the store keeps only its hash.
 */
@Path("/api/users")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN) // every route: checked from the headers before the body is read
public class UserApiResource {

    /** Body of {@code POST /api/users} and {@code PUT /api/users/<name>}. */
    public record UserRequest(String name, List<String> groups) {
    }

    /** A user as the API shows it: never a token or its hash. */
    public record UserView(String name, List<String> groups, List<TokenApi.TokenView> tokens) {
        static UserView of(UserRecord user) {
            return new UserView(user.name(), user.groups(), user.tokens().stream().map(TokenApi.TokenView::of).toList());
        }
    }

    private final AuthDirectory directory;

    public UserApiResource(AuthDirectory directory) {
        this.directory = directory;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Audited("user.create")
    public Response create(UserRequest request, RoutingContext rc)
            throws IOException {
        if (request == null || !UserRecord.validName(request.name())) {
            return badName();
        }
        List<String> groups = validGroups(request.groups());
        if (groups == null) {
            return badName();
        }
        UserRecord user = new UserRecord(request.name(), groups, List.of());
        if (!directory.createUser(user)) {
            return GitHttpErrors.text(Response.Status.CONFLICT, "user " + request.name() + " exists");
        }
        AuditFilter.note(rc, null, java.util.Map.of("user", user.name(), "groups", groups));
        return Response.created(URI.create("/api/users/" + user.name())).entity(UserView.of(user)).build();
    }

    @GET
    @Path("{name}")
    public Response get(@PathParam("name") String name)
            throws IOException {
        return directory.user(name).map(u -> Response.ok(UserView.of(u)).build()).orElseGet(() -> noUser(name));
    }

    /** Replaces a user's groups. */
    @PUT
    @Path("{name}")
    @Audited("user.groups")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response update(@PathParam("name") String name, UserRequest request, RoutingContext rc)
            throws IOException {
        List<String> groups = request == null ? null : validGroups(request.groups());
        if (groups == null) {
            return badName();
        }
        AuditFilter.note(rc, null, java.util.Map.of("groups", groups));
        return directory.updateUser(name, u -> u.withGroups(groups))
                .map(u -> Response.ok(UserView.of(u)).build()).orElseGet(() -> noUser(name));
    }

    @DELETE
    @Path("{name}")
    @Audited("user.delete")
    public Response delete(@PathParam("name") String name) throws IOException {
        if (directory.user(name).isEmpty()) {
            return noUser(name);
        }
        directory.deleteUser(name);
        return Response.noContent().build();
    }

    /** Gives a user a token; the body ({@code name}, {@code scopes}, {@code expiresAt}) is optional. */
    @POST
    @Path("{name}/tokens")
    @Audited("token.issue")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response newToken(@PathParam("name") String name, TokenApi.TokenRequest request, RoutingContext rc)
            throws IOException {
        return TokenApi.issue(directory, name, request, Scope.ALL, rc);
    }

    @GET
    @Path("{name}/tokens")
    public Response tokens(@PathParam("name") String name) throws IOException {
        return directory.user(name)
                .map(u -> Response.ok(u.tokens().stream().map(TokenApi.TokenView::of).toList()).build())
                .orElseGet(() -> noUser(name));
    }

    @DELETE
    @Path("{name}/tokens/{id}")
    @Audited("token.revoke")
    public Response revokeToken(@PathParam("name") String name, @PathParam("id") String id) throws IOException {
        if (directory.user(name).isEmpty()) {
            return noUser(name);
        }
        return TokenApi.revoke(directory, name, id);
    }

    /** Body of {@code POST /api/users/<name>/keys}: one {@code authorized_keys} line. */
    public record KeyRequest(String key) {
    }

    /** A key as listed: its id (to remove it), type, fingerprint, comment and when it was added. */
    public record KeyView(String id, String key, String fingerprint, String comment, String created) {
        static KeyView of(UserRecord.KeyRecord k) {
            return new KeyView(k.id(), k.key(), k.fingerprint(), k.comment(), k.created());
        }
    }

    /** Adds an SSH public key (ed25519, ECDSA, RSA of 2048 bits or more) to a user; a key belongs to one user. */
    @POST
    @Path("{name}/keys")
    @Audited("key.add")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response addKey(@PathParam("name") String name, KeyRequest request) throws IOException {
        SshPublicKey key;
        try {
            key = SshPublicKey.parse(request == null ? null : request.key());
        } catch (IllegalArgumentException e) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, e.getMessage());
        }
        String id = key.sha256Hex().substring(0, 16);
        UserRecord.KeyRecord record = new UserRecord.KeyRecord(id, key.line(), key.fingerprint(),
                key.comment().length() > 200 ? key.comment().substring(0, 200) : key.comment(), Instant.now().toString());
        try {
            return directory.addSshKey(name, key, record)
                    .map(u -> Response.status(Response.Status.CREATED).entity(KeyView.of(u.keys().stream()
                            .filter(k -> k.fingerprint().equals(key.fingerprint())).findFirst().orElse(record)))
                            .build())
                    .orElseGet(() -> noUser(name));
        } catch (IllegalStateException taken) {
            return GitHttpErrors.text(Response.Status.CONFLICT, taken.getMessage());
        }
    }

    @GET
    @Path("{name}/keys")
    public Response keys(@PathParam("name") String name) throws IOException {
        return directory.user(name).map(u -> Response.ok(u.keys().stream().map(KeyView::of).toList()).build())
                .orElseGet(() -> noUser(name));
    }

    @DELETE
    @Path("{name}/keys/{id}")
    @Audited("key.remove")
    public Response removeKey(@PathParam("name") String name, @PathParam("id") String id) throws IOException {
        if (directory.user(name).isEmpty()) {
            return noUser(name);
        }
        return directory.removeSshKey(name, id) ? Response.noContent().build()
                : GitHttpErrors.text(Response.Status.NOT_FOUND, "user " + name + " has no key " + id);
    }

    /** The groups if every name is valid, else null. */
    private static List<String> validGroups(List<String> groups) {
        if (groups == null) {
            return List.of();
        }
        return groups.stream().allMatch(UserRecord::validName) ? List.copyOf(groups) : null;
    }

    private static Response badName() {
        return GitHttpErrors.text(Response.Status.BAD_REQUEST, "body must be {\"name\":\"alice\",\"groups\":[\"dev\"]}; "
                + "names are 1 to 64 letters, digits, '.', '_' and '-', starting with a letter or digit");
    }

    private static Response noUser(String name) {
        return GitHttpErrors.text(Response.Status.NOT_FOUND, "no user " + name);
    }
}
