package dev.gitfn.http;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.gitfn.ops.Meters;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Counts every request on the main port once it has ended (refusals included),
 * by the service its path names: a first route that only registers an end handler.
 */
@Singleton
public class RequestMeters {
    private final Meters meters;

    RequestMeters(Meters meters) {
        this.meters = meters;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            rc.addEndHandler(ended -> meters.request(serviceOf(rc.request().path(), rc.request().query()),
                    rc.response().getStatusCode(), rc.request().bytesRead(), rc.response().bytesWritten()));
            rc.next();
        });
    }

    /**
     * The service label of a request: a small fixed set, never a repository name, so
     * the number of series stays bounded whatever clients send.
     */
    static String serviceOf(String path, String query) {
        path = path == null ? "" : path;
        query = query == null ? "" : query;
        if (path.startsWith("/api/")) {
            return "api";
        }
        if (path.contains("/info/lfs/")) {
            return "lfs";
        }
        if (path.endsWith("/git-upload-pack")) {
            return "upload-pack";
        }
        if (path.endsWith("/git-receive-pack")) {
            return "receive-pack";
        }
        if (path.endsWith("/info/refs")) {
            if (query.contains("service=git-upload-pack")) {
                return "advertise-upload-pack";
            }
            if (query.contains("service=git-receive-pack")) {
                return "advertise-receive-pack";
            }
            return "dumb";
        }
        if (path.endsWith("/HEAD") || path.contains("/objects/")) {
            return "dumb";
        }
        if (path.endsWith("/ws")) {
            return "tunnel";
        }
        return "other";
    }
}
