package dev.gitfn.http;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.gitfn.admission.Refusal;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Principal;
import dev.gitfn.web.RepoBrowser;
import dev.gitfn.web.WebLinks;
import dev.gitfn.web.WebSession;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.RawString;
import io.quarkus.qute.TemplateData;
import io.quarkus.qute.TemplateInstance;
import io.vertx.ext.web.RoutingContext;

/**
 * The web view's pages as HTTP answers: templates (Qute, which escapes every value it
 * prints), the headers every page carries (a Content-Security-Policy that allows no inline
 * script, nothing framed, nothing sniffed), and refusals as pages that never tell a private
 * repository from a missing one.
 */
@ApplicationScoped
public class WebPages {
    static final MediaType HTML = MediaType.TEXT_HTML_TYPE.withCharset("UTF-8");
    /** Scripts and styles only from gitfn's own static files; images only from the same origin. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final boolean authEnabled;

    public WebPages(AccessControl access) {
        this.authEnabled = access.enabled();
    }

    /** What every page's frame shows: its title and who is signed in. */
    @TemplateData
    public record Page(String title, String visitor, boolean authEnabled, String signInQuery) {
    }

    /** A repository in the list. */
    @TemplateData
    public record RepoRow(String name, String href) {
    }

    /** A clone URL with what it is for. */
    @TemplateData
    public record CloneUrl(String label, String url) {
    }

    /** A step of a path's breadcrumbs. */
    @TemplateData
    public record Crumb(String name, String path) {
    }

    @CheckedTemplate(basePath = "web")
    static class Templates {
        static native TemplateInstance index(Page page, List<RepoRow> repos);

        static native TemplateInstance repo(Page page, String name, String description, WebLinks links,
                List<CloneUrl> clones, RepoBrowser.Refs refs, RawString readme, String readmeName);

        static native TemplateInstance tree(Page page, String name, WebLinks links, RepoBrowser.Target target,
                List<Crumb> crumbs, List<RepoBrowser.TreeRow> entries);

        static native TemplateInstance blob(Page page, String name, WebLinks links, RepoBrowser.Target target,
                List<Crumb> crumbs, RepoBrowser.Blob blob);

        static native TemplateInstance commits(Page page, String name, WebLinks links, RepoBrowser.Target target,
                List<Crumb> crumbs, RepoBrowser.Log log, String prev, String next);

        static native TemplateInstance commit(Page page, String name, WebLinks links, RepoBrowser.Commit commit,
                String prev, String next);

        static native TemplateInstance error(Page page, String heading, String message);

        static native TemplateInstance signin(Page page, String problem, String next);
    }

    /** The frame of a page for {@code who}, coming back to {@code path} after signing in. */
    Page page(String title, Principal who, String path) {
        String visitor = who == null || who.anonymous() ? null : who.name();
        return new Page(title, visitor, authEnabled, path == null || path.equals("/") ? ""
                : "?next=" + java.net.URLEncoder.encode(path, java.nio.charset.StandardCharsets.UTF_8));
    }

    boolean authEnabled() {
        return authEnabled;
    }

    /** A rendered page with the headers every page carries. */
    static Response.ResponseBuilder html(int status, TemplateInstance page) {
        return secured(Response.status(status).type(HTML).entity(page.render()));
    }

    static Response.ResponseBuilder secured(Response.ResponseBuilder b) {
        return b.header("Content-Security-Policy", CSP)
                .header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY")
                .header("Referrer-Policy", "same-origin");
    }

    /**
     * A refusal of admission as a page. Anonymous visitors asking for a private repository
     * and signed-in ones who may not read it get the same 404 as for a missing one; wrong or
     * expired session credentials end the session (401, and the cookie is cleared) without
     * git's Basic challenge, which would make the browser ask for a password.
     */
    Response refusal(Refusal refusal, boolean credentialsPresented, RoutingContext rc) {
        Refusal.Reason reason = refusal.reason();
        String path = rc.request().path();
        if (reason == Refusal.Reason.UNAUTHENTICATED && credentialsPresented) {
            return html(401, Templates.error(page("Signed out", null, path), "Your sign-in is no longer valid",
                    "The token or OIDC token you signed in with was revoked, has expired, or is wrong. "
                            + "Sign in again."))
                    .header("Set-Cookie", WebSession.signOut(secure(rc))).header("Cache-Control", "no-store").build();
        }
        if (reason == Refusal.Reason.UNAUTHENTICATED || reason == Refusal.Reason.NOT_FOUND) {
            return notFound(null, path);
        }
        if (reason == Refusal.Reason.INVALID_REQUEST) {
            return html(404, Templates.error(page("Not found", null, path), "Not found",
                    refusal.getMessage())).header("Cache-Control", "no-store").build();
        }
        Response.ResponseBuilder b = html(reason.httpStatus(), Templates.error(page("Refused", null, path),
                "Refused", refusal.getMessage())).header("Cache-Control", "no-store");
        if (refusal.retryAfterSeconds() > 0) {
            b.header("Retry-After", Integer.toString(refusal.retryAfterSeconds()));
        }
        return b.build();
    }

    /** The one answer for a repository, ref or path that is not there or may not be seen. */
    Response notFound(Principal who, String path) {
        return html(404, Templates.error(page("Not found", who, path), "Not found",
                "There is no such repository, branch, tag, commit or file, or you may not see it."))
                .header("Cache-Control", "no-store").build();
    }

    /** Whether the visitor reached gitfn over TLS (directly or through a proxy that says so). */
    static boolean secure(RoutingContext rc) {
        return rc.request().isSSL() || "https".equalsIgnoreCase(rc.request().getHeader("X-Forwarded-Proto"));
    }
}
