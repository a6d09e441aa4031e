package dev.gitfn.http;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import dev.gitfn.admission.Admitted;
import dev.gitfn.audit.AuditLog;
import dev.gitfn.auth.Principal;
import dev.gitfn.repo.RepoName;
import io.vertx.core.Context;
import io.vertx.ext.web.RoutingContext;

/**
 * Every state-changing API call that succeeds becomes one audit entry, whatever endpoint
 * it reached, so a new endpoint cannot be forgotten: the name its {@link Audited} gives,
 * who (user, token id), the address, the repository and what the endpoint noted
 * ({@link #note}). Stored before the answer leaves (the endpoints run on workers).
 */
public class AuditFilter {
    private static final String REPO = "gitfn.audit.repo";
    private static final String DETAIL = "gitfn.audit.detail";
    private static final String ACTION = "gitfn.audit.action";

    private final AuditLog audit;

    public AuditFilter(AuditLog audit) {
        this.audit = audit;
    }

    /** What an endpoint changed, for its audit entry (never a secret). */
    static void note(RoutingContext rc, RepoName repo, Map<String, Object> detail) {
        if (repo != null) {
            rc.put(REPO, repo.value());
        }
        Map<String, Object> noted = rc.get(DETAIL);
        if (noted == null) {
            noted = new LinkedHashMap<>();
            rc.put(DETAIL, noted);
        }
        noted.putAll(detail);
    }

    /** The action this call's entry names, when it is more than its endpoint's {@link Audited} (a rename). */
    static void action(RoutingContext rc, String action) {
        rc.put(ACTION, action);
    }

    @ServerResponseFilter
    public void audit(ContainerRequestContext request, ContainerResponseContext response, ResourceInfo resource,
            RoutingContext rc) {
        Method method = resource.getResourceMethod();
        String verb = request.getMethod();
        if (method == null || verb.equals("GET") || verb.equals("HEAD") || response.getStatus() >= 300
                || !isApi(method)) {
            return;
        }
        Principal who = rc.get(AdmissionFilter.PRINCIPAL);
        Admitted admitted = rc.get(AdmissionFilter.ADMITTED);
        String repo = admitted != null ? admitted.name().value() : rc.get(REPO);
        Audited name = method.getAnnotation(Audited.class);
        String action = rc.get(ACTION);
        Map<String, Object> detail = new LinkedHashMap<>();
        request.getUriInfo().getPathParameters().forEach((param, values) -> {
            if (!param.equals("repo")) {
                detail.put(param, values.get(0)); // the user, token or key acted on
            }
        });
        Map<String, Object> noted = rc.get(DETAIL);
        if (noted != null) {
            detail.putAll(noted);
        }
        var entry = audit.event(action != null ? action : name != null ? name.value() : "api " + verb + " " + rc.request().path(), who, "api",
                rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress(), repo, detail);
        if (Context.isOnEventLoopThread()) {
            audit.record(entry); // stored by the next write a moment later; never a blocking write here
        } else {
            audit.recordStored(entry);
        }
    }

    /** The admin, self-service and management API: what {@link AdmissionFilter} admits as such. */
    static boolean isApi(Method method) {
        Admit admit = method.getAnnotation(Admit.class);
        if (admit == null) {
            admit = method.getDeclaringClass().getAnnotation(Admit.class);
        }
        return admit != null && (admit.value() == Admit.Need.ADMIN || admit.value() == Admit.Need.SIGNED_IN
                || admit.value() == Admit.Need.MANAGE);
    }
}
