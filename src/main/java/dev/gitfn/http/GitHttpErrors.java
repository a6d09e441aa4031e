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
