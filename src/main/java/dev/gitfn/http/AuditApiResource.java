package dev.gitfn.http;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.audit.AuditLog;
import dev.gitfn.repo.RepoName;

/**
 * {@code GET /api/audit[?since=<ISO time>][&repo=<name>][&limit=100]}: the audit log,
 * newest first (admins only). {@code since} defaults to a day ago and reaches 400 days back.
 */
@Path("/api/audit")
@Produces(MediaType.APPLICATION_JSON)
@Admit(Admit.Need.ADMIN)
public class AuditApiResource {
    private final AuditLog audit;

    public AuditApiResource(AuditLog audit) {
        this.audit = audit;
    }

    @GET
    public Response read(@QueryParam("since") String since, @QueryParam("repo") String repo,
            @QueryParam("limit") Integer limit) throws IOException {
        Instant from;
        try {
            from = since == null ? Instant.now().minus(Duration.ofDays(1)) : Instant.parse(since);
        } catch (DateTimeParseException e) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "since is an ISO-8601 time such as "
                    + "2026-12-01T00:00:00Z");
        }
        if (from.isBefore(Instant.now().minus(Duration.ofDays(AuditLog.MAX_DAYS)))) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "since reaches at most " + AuditLog.MAX_DAYS
                    + " days back; older entries stay in the store under .gitfn/audit/<day>/");
        }
        int max = limit == null ? 100 : limit;
        if (max < 1 || max > 1000) {
            return GitHttpErrors.text(Response.Status.BAD_REQUEST, "limit is 1 to 1000");
        }
        String name = repo == null ? null : RepoName.parse(repo).value();
        return Response.ok(audit.read(from, name, max)).build();
    }
}
