package dev.gitfn.http;

import java.io.OutputStream;

import dev.gitfn.protocol.PacedOutput;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.ext.web.RoutingContext;

/** What every streamed response body goes through. */
final class ResponseBodies {
    private ResponseBodies() {
    }

    /** {@code out}, the body of the response to {@code rc}, paced by its connection's event loop ({@link PacedOutput}). */
    static OutputStream paced(RoutingContext rc, OutputStream out) {
        return PacedOutput.of(rc.request() instanceof HttpServerRequestInternal internal ? internal.context() : null,
                out);
    }
}
