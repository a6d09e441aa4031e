package dev.gitfn.http;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import jakarta.ws.rs.core.Response;

import dev.gitfn.auth.AuthDirectory;
import dev.gitfn.auth.Scope;
import dev.gitfn.auth.Tokens;
import dev.gitfn.auth.UserRecord;

/** What the admins' {@code /api/users/<u>/tokens} and the users' own {@code /api/user/tokens} share. */
final class TokenApi {
    private TokenApi() {
    }

    /** Body of a token request; every field optional (all of the maker's scopes, no expiry). */
    record TokenRequest(String name, List<String> scopes, String expiresAt) {
    }

    /** A token as listed: never the secret nor its hash. */
    record TokenView(String id, String name, List<String> scopes, String created, String expiresAt,
            String lastUsed) {
        static TokenView of(UserRecord.TokenRecord t) {
            return new TokenView(t.id(), t.name(), t.scopes(), t.created(), t.expiresAt(), t.lastUsed());
        }
    }

    /** The answer to creating a token: the only time the token itself is shown. */
    record NewToken(String id, String token, String name, List<String> scopes, String expiresAt) {
    }

    /** Issues a token to {@code user} with at most the scopes {@code granting}; 400 for a bad request, 404 without the user. */
    static Response issue(AuthDirectory directory, String user, TokenRequest request, Set<Scope> granting,
            io.vertx.ext.web.RoutingContext rc) throws IOException {
        TokenRequest asked = request == null ? new TokenRequest(null, null, null) : request; // an empty body is {}
        String problem = Tokens.problem(asked.name(), asked.scopes(), asked.expiresAt(), granting, Instant.now());
        if (problem != null) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, problem + "; body: {\"name\":\"ci\","
                    + "\"scopes\":[\"read\"],\"expiresAt\":\"2027-01-01T00:00:00Z\"}");
        }
        Set<Scope> scopes = asked.scopes() == null ? granting : Scope.parse(asked.scopes()).orElseThrow();
        return directory.issueToken(user, asked.name(), scopes,
                asked.expiresAt() == null ? null : Instant.parse(asked.expiresAt()))
                .map(issued -> {
                    java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
                    detail.put("user", user);
                    detail.put("tokenIssued", issued.record().id());
                    detail.put("scopes", Scope.names(scopes));
                    if (issued.record().expiresAt() != null) {
                        detail.put("expiresAt", issued.record().expiresAt());
                    }
                    AuditFilter.note(rc, null, detail);
                    return Response.status(Response.Status.CREATED).entity(new NewToken(issued.record().id(),
                            issued.token(), issued.record().name(), issued.record().scopes(),
                            issued.record().expiresAt())).build();
                })
                .orElseGet(() -> GitHttpErrors.text(Response.Status.NOT_FOUND, "no user " + user));
    }

    static Response revoke(AuthDirectory directory, String user, String id) throws IOException {
        return directory.revokeToken(user, id) ? Response.noContent().build()
                : GitHttpErrors.text(Response.Status.NOT_FOUND, "user " + user + " has no token " + id);
    }
}
