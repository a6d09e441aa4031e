package dev.gitfn.http;

import java.util.zip.ZipException;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.jgit.errors.PackProtocolException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Refusal;
import dev.gitfn.auth.AccessDeniedException;
import dev.gitfn.auth.AuthenticationRequiredException;
import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoExistsException;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.storage.StorageUnavailableException;

/**
 * Typed failures to HTTP statuses, decided before a response starts; git prints
 * the status (and for 404, "repository not found"). Failures after a response
 * started reach the client inside the protocol, as ERR or side-band messages.
 */
public class GitHttpErrors {
    private static final Logger LOG = Logger.getLogger(GitHttpErrors.class);

    private final Admission admission;

    public GitHttpErrors(Admission admission) {
        this.admission = admission;
    }

    /** Refusals raised after admission (a repository that is gone, a name taken): the one table's answer. */
    @ServerExceptionMapper
    public Response refused(Refusal e) {
        return HttpRefusals.response(e);
    }

    /** 401 with a Basic challenge, which makes git ask its credential helper (or the user). */
    @ServerExceptionMapper
    public Response unauthenticated(AuthenticationRequiredException e) {
        return table(e);
    }

    @ServerExceptionMapper
    public Response forbidden(AccessDeniedException e) {
        return table(e);
    }

    @ServerExceptionMapper
    public Response notFound(RepoNotFoundException e) {
        return table(e);
    }

    /**
     * A renamed repository's old name: the same request under the new name. git follows it
     * on its first request ({@code http.followRedirects} is {@code initial} by default) and
     * then uses the new URL for the rest, as it does for a renamed repository elsewhere; a
     * redirect of another method keeps the method and body (307: git-lfs's batch follows it),
     * except for the API, where a change must name the repository it means.
     */
    @ServerExceptionMapper
    public Response moved(RepoMovedException e, jakarta.ws.rs.core.UriInfo uri, jakarta.ws.rs.core.Request request) {
        String path = uri.getRequestUri().getRawPath();
        String prefix = path.startsWith("/api/repos/") ? "/api/repos/" : "/";
        String from = path.substring(prefix.length());
        String old = spelledAt(from, e.from());
        boolean read = request.getMethod().equals("GET") || request.getMethod().equals("HEAD");
        if (!e.settled() || old == null || !read && prefix.length() > 1) {
            return table(e);
        }
        String query = uri.getRequestUri().getRawQuery();
        return Response.status(read ? Response.Status.MOVED_PERMANENTLY : Response.Status.TEMPORARY_REDIRECT)
                .location(java.net.URI.create(prefix + e.to().value() + from.substring(old.length())
                        + (query == null ? "" : "?" + query)))
                .header("Cache-Control", "no-store") // the old name may be reused once the redirect ends
                .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).entity(e.getMessage() + "\n").build();
    }

    /** The name as the path starts with it (followed by {@code .git}, {@code /} or nothing), or null. */
    private static String spelledAt(String path, RepoName name) {
        String value = name.value();
        boolean starts = path.startsWith(value) && (path.length() == value.length()
                || path.charAt(value.length()) == '/' || path.charAt(value.length()) == '.');
        return starts ? value : null;
    }

    @ServerExceptionMapper
    public Response invalidName(InvalidRepoNameException e) {
        return table(e);
    }

    @ServerExceptionMapper
    public Response exists(RepoExistsException e) {
        return table(e);
    }

    @ServerExceptionMapper
    public Response storageDown(StorageUnavailableException e) {
        LOG.warnf("storage unavailable: %s", e.getMessage());
        return table(e);
    }

    private Response table(Exception e) {
        Refusal refusal = Refusal.of(e).orElseThrow();
        return HttpRefusals.response(refusal.reason() == Refusal.Reason.UNAUTHENTICATED
                ? refusal.withChallenge(admission.challenge()) : refusal);
    }

    @ServerExceptionMapper
    public Response unsupportedService(UnsupportedServiceException e) {
        return text(Response.Status.FORBIDDEN, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unsupportedContentType(UnsupportedContentTypeException e) {
        return text(Response.Status.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unsupportedEncoding(UnsupportedContentEncodingException e) {
        return text(Response.Status.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    }

    @ServerExceptionMapper
    public Response protocolError(PackProtocolException e) {
        return text(Response.Status.BAD_REQUEST, e.getMessage());
    }

    @ServerExceptionMapper
    public Response badGzip(ZipException e) {
        return text(Response.Status.BAD_REQUEST, "request body is not valid gzip: " + e.getMessage());
    }

    static Response text(Response.Status status, String message) {
        return Response.status(status).type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .entity(message + "\n").build();
    }
}
