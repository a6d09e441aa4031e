package dev.gitfn.http;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.admission.Refusal;

/** A {@link Refusal} as an HTTP answer: its status, a line git prints, and the headers its kind needs. */
final class HttpRefusals {
    private HttpRefusals() {
    }

    static Response response(Refusal refusal) {
        Response.ResponseBuilder b = Response.status(refusal.reason().httpStatus())
                .type(MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8")).entity(refusal.getMessage() + "\n");
        if (refusal.challenge() != null) {
            b.header(HttpHeaders.WWW_AUTHENTICATE, refusal.challenge());
        }
        if (refusal.retryAfterSeconds() > 0) {
            b.header("Retry-After", Integer.toString(refusal.retryAfterSeconds()));
        }
        return b.build();
    }

    /** Git LFS's error form: JSON with a message, and {@code LFS-Authenticate} so git-lfs asks for credentials. */
    static Response lfs(Refusal refusal) {
        Response.ResponseBuilder b = Response.status(refusal.reason().httpStatus())
                .type(LfsResource.LFS_JSON).entity("{\"message\":" + LfsResource.jsonString(refusal.getMessage()) + "}");
        if (refusal.challenge() != null) {
            b.header("LFS-Authenticate", refusal.challenge());
            b.header(HttpHeaders.WWW_AUTHENTICATE, refusal.challenge());
        }
        if (refusal.retryAfterSeconds() > 0) {
            b.header("Retry-After", Integer.toString(refusal.retryAfterSeconds()));
        }
        return b.build();
    }
}
