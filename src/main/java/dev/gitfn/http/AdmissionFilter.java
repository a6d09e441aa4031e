package dev.gitfn.http;

import java.lang.reflect.Method;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Client;
import dev.gitfn.admission.Refusal;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.Permission;
import dev.gitfn.auth.Principal;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.GitService;
import dev.gitfn.web.WebSession;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * Admission for every REST endpoint, on the event loop, before the request body
 * is read and before a worker thread is taken: the {@link Admit} of the matched
 * method says what it needs, {@link Admission} decides, a refusal is answered at
 * once. The admitted request rides on the routing context to the endpoint.
 */
public class AdmissionFilter {
    private static final Logger LOG = Logger.getLogger(AdmissionFilter.class);
    static final String ADMITTED = "gitfn.admitted";
    static final String PRINCIPAL = "gitfn.principal";

    private final Admission admission;
    private final long maxApiBody;

    private final boolean webEnabled;
    private final WebPages webPages;

    public AdmissionFilter(Admission admission, GitfnConfig config, WebPages webPages) {
        this.admission = admission;
        this.webEnabled = config.web().enabled();
        this.webPages = webPages;
        this.maxApiBody = config.limits().maxApiBody().asLongValue();
    }

    /** The admitted request of an endpoint that needs a repository; fails closed without one. */
    static Admitted admitted(RoutingContext rc) {
        Admitted admitted = rc.get(ADMITTED);
        if (admitted == null) {
            throw new IllegalStateException("request reached an endpoint without admission");
        }
        return admitted;
    }

    /** Who an API request acts for (anonymous with authentication off); fails closed without admission. */
    static Principal principal(RoutingContext rc) {
        Principal who = rc.get(PRINCIPAL);
        if (who == null) {
            throw new IllegalStateException("request reached an API endpoint without admission");
        }
        return who;
    }

    /** Where a request comes from, as admission checks it. */
    static Client client(RoutingContext rc) {
        return new Client(rc.request().remoteAddress() == null ? null : rc.request().remoteAddress().hostAddress(),
                rc.request().getHeader(HttpHeaders.HOST), rc.request().getHeader("Origin"));
    }

    @ServerRequestFilter(nonBlocking = true)
    public Uni<Response> admit(ContainerRequestContext request, ResourceInfo resource, RoutingContext rc) {
        Method method = resource.getResourceMethod();
        if (method == null) {
            return Uni.createFrom().nullItem(); // no endpoint matched: the framework answers 404/405
        }
        Admit admit = method.getAnnotation(Admit.class);
        if (admit == null) {
            admit = resource.getResourceClass().getAnnotation(Admit.class);
        }
        if (admit == null) {
            LOG.errorf("endpoint %s has no @Admit: refused", method);
            return Uni.createFrom().item(HttpRefusals.response(new Refusal(Refusal.Reason.FORBIDDEN,
                    "endpoint without admission")));
        }
        String authorization = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Client client = client(rc);
        try {
            Runnable release = admission.enter(client);
            rc.addEndHandler(ended -> release.run());
        } catch (Refusal tooMany) {
            return Uni.createFrom().item(HttpRefusals.response(tooMany));
        }
        Uni<?> step;
        Admit.Need need = admit.value();
        if (need == Admit.Need.VIEW || need == Admit.Need.VISIT) {
            return webPage(request, rc, need, client, authorization);
        }
        if (need == Admit.Need.ADMIN || need == Admit.Need.SIGNED_IN || need == Admit.Need.MANAGE) {
            String verb = request.getMethod();
            boolean stateChanging = !verb.equals("GET") && !verb.equals("HEAD");
            if (verb.equals("POST") && !isJson(request.getHeaderString(HttpHeaders.CONTENT_TYPE))) {
                // A cross-site form can POST text/plain or form data without a preflight; JSON it cannot.
                return Uni.createFrom().item(HttpRefusals.response(new Refusal(
                        Refusal.Reason.UNSUPPORTED_MEDIA_TYPE, "the API takes Content-Type: application/json")));
            }
            // Credentials first, then the body's announced size; the body itself is read only after both.
            Uni<Principal> who = switch (need) {
                case SIGNED_IN -> admission.admitUser(Transport.API, client, authorization, stateChanging);
                case MANAGE -> admission.admitManager(Transport.API, client, authorization,
                        request.getUriInfo().getPathParameters().getFirst("repo"), stateChanging)
                        .invoke(admitted -> rc.put(ADMITTED, admitted)).map(Admitted::who);
                default -> admission.admitAdmin(Transport.API, client, authorization, stateChanging);
            };
            step = who.invoke(principal -> {
                Refusal badBody = apiBodyRefusal(request);
                if (badBody != null) {
                    throw badBody;
                }
                rc.put(PRINCIPAL, principal);
            });
        } else {
            Permission permission = switch (admit.value()) {
                case WRITE -> Permission.WRITE;
                case BY_SERVICE -> servicePermission(request.getUriInfo().getQueryParameters().getFirst("service"));
                default -> Permission.READ;
            };
            if (permission == null) {
                return Uni.createFrom().item(HttpRefusals.response(new Refusal(Refusal.Reason.FORBIDDEN,
                        new UnsupportedServiceException(
                                request.getUriInfo().getQueryParameters().getFirst("service")).getMessage())));
            }
            String repoPath = request.getUriInfo().getPathParameters().getFirst("repo");
            step = admission.admit(Transport.HTTP, client, authorization, repoPath, permission)
                    .invoke(admitted -> rc.put(ADMITTED, admitted));
            if (admit.buildsPack()) {
                // Only admitted requests queue for pack work; the slot is held until the answer ends.
                step = step.flatMap(admitted -> admission.packSlot()).invoke(release -> {
                    rc.addEndHandler(ended -> release.run());
                    if (rc.response().closed() || rc.response().ended()) {
                        release.run(); // the client left while it waited: its end came and went already
                    }
                });
            }
        }
        Context context = Vertx.currentContext();
        boolean lfs = rc.request().path().contains("/info/lfs/");
        return step.map(ok -> (Response) null)
                .onFailure(Refusal.class).recoverWithItem(r -> lfs ? HttpRefusals.lfs((Refusal) r)
                        : HttpRefusals.response((Refusal) r))
                // Store reads may answer on other threads: carry on where the request lives.
                .emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /**
     * The web view's admission: the session cookie stands for the {@code Authorization}
     * header here and nowhere else (git's endpoints and the API never read it, so a cross-site
     * form cannot push or administer with it). Refusals are pages.
     */
    private Uni<Response> webPage(ContainerRequestContext request, RoutingContext rc, Admit.Need need, Client client,
            String authorization) {
        if (!webEnabled) {
            return Uni.createFrom().item(Response.status(Response.Status.NOT_FOUND).build());
        }
        String credentials = authorization != null ? authorization
                : WebSession.credentials(request.getCookies().get(WebSession.COOKIE)).orElse(null);
        boolean stateChanging = !request.getMethod().equals("GET") && !request.getMethod().equals("HEAD");
        Uni<?> step = need == Admit.Need.VISIT
                ? admission.admitVisitor(Transport.WEB, client, credentials, stateChanging)
                        .invoke(who -> rc.put(PRINCIPAL, who))
                : admission.admit(Transport.WEB, client, credentials,
                        request.getUriInfo().getPathParameters().getFirst("repo"), Permission.READ)
                        .invoke(admitted -> {
                            rc.put(ADMITTED, admitted);
                            rc.put(PRINCIPAL, admitted.who());
                        });
        if (stateChanging) {
            // A sign-in form is small: its length is said up front and bounded, as the API's bodies.
            step = step.invoke(ok -> {
                Refusal badBody = apiBodyRefusal(request);
                if (badBody != null) {
                    throw badBody;
                }
            });
        }
        Context context = Vertx.currentContext();
        boolean presented = credentials != null && !credentials.isBlank();
        return step.map(ok -> (Response) null)
                .onFailure(Refusal.class).recoverWithItem(r -> webPages.refusal((Refusal) r, presented, rc))
                .emitOn(task -> context.runOnContext(v -> task.run()));
    }

    /** API bodies are small JSON documents: their length is said up front and bounded. */
    private Refusal apiBodyRefusal(ContainerRequestContext request) {
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            String chunked = request.getHeaderString("Transfer-Encoding");
            return chunked == null ? null : new Refusal(Refusal.Reason.LENGTH_REQUIRED,
                    "API requests must send Content-Length");
        }
        try {
            if (Long.parseLong(length.trim()) <= maxApiBody) {
                return null;
            }
        } catch (NumberFormatException e) {
            return new Refusal(Refusal.Reason.INVALID_REQUEST, "bad Content-Length");
        }
        return new Refusal(Refusal.Reason.TOO_LARGE, "API request bodies are limited to " + maxApiBody
                + " bytes (gitfn.limits.max-api-body)");
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
        return type.equalsIgnoreCase("application/json");
    }

    /** The permission {@code ?service=} asks for; null for a service git does not have. */
    private static Permission servicePermission(String service) {
        if (service == null) {
            return Permission.READ; // a dumb-protocol client reading info/refs
        }
        return GitService.fromName(service).map(GitService::permission).orElse(null);
    }
}
