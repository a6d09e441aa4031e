package dev.gitfn.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Refusal;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Principal;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.RepoName;
import dev.gitfn.web.Readme;
import dev.gitfn.web.RepoBrowser;
import dev.gitfn.web.WebLinks;
import dev.gitfn.web.WebSession;
import io.quarkus.qute.RawString;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The read-only web view: {@code /} lists the repositories the visitor may read,
 * {@code /<repo>} is a repository's page (its clone URL without {@code .git}), with
 * {@code /-/tree}, {@code /-/blob}, {@code /-/raw}, {@code /-/commits} and {@code /-/commit}
 * below it (a repository name ends at {@code /-/}, which no name contains), and a ref at the
 * longest prefix that names a branch or tag. Pages read the cached copy git is served from; pages
 * addressed by a commit id never change and say so to caches.
 */
@Path("/")
public class WebViewResource {
    /** Pages addressed by commit id: cacheable for a year, by anyone when the repository is public. */
    private static final String IMMUTABLE = "max-age=31536000, immutable";

    private final RepositoryCache cache;
    private final AccessControl access;
    private final Admission admission;
    private final WebPages pages;
    private final GitfnConfig.Web config;
    private final Optional<Integer> sshPort;
    private final Optional<String> publishedBase;

    public WebViewResource(RepositoryCache cache, AccessControl access, Admission admission, WebPages pages,
            GitfnConfig config, dev.gitfn.publish.PublishedArea published) {
        this.cache = cache;
        this.access = access;
        this.admission = admission;
        this.pages = pages;
        this.config = config.web();
        this.sshPort = config.ssh().port();
        this.publishedBase = published.store().isPresent()
                ? config.publish().baseUrl().map(u -> u.toString().replaceAll("/+$", "")) : Optional.empty();
    }

    // ---- the list and the sign-in ----

    @GET
    @Admit(Admit.Need.VISIT)
    public Uni<Response> index(RoutingContext rc) {
        Principal who = AdmissionFilter.principal(rc);
        return Uni.createFrom().item(() -> {
            try {
                return cache.list();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                .flatMap(all -> access.readable(who, all))
                .map(visible -> WebPages.html(200, WebPages.Templates.index(pages.page("Repositories", who, "/"),
                        visible.stream().map(n -> new WebPages.RepoRow(n.value(), new WebLinks(n.value()).repo()))
                                .toList()))
                        .header("Cache-Control", who.anonymous() ? "private, no-cache" : "private, no-store") // (private names)
                        .header("Vary", "Cookie, Authorization").build());
    }

    @GET
    @Path("-/signin")
    @Admit(Admit.Need.VISIT)
    public Response signInForm(@QueryParam("next") String next, RoutingContext rc) {
        return WebPages.html(200, WebPages.Templates.signin(pages.page("Sign in", AdmissionFilter.principal(rc), null),
                null, WebSession.returnPath(next))).header("Cache-Control", "no-store").build();
    }

    /**
     * Checks the typed credentials as git's would be (failed sign-ins counted and slowed
     * down the same way), then keeps them in the session cookie.
     */
    @POST
    @Path("-/signin")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Admit(Admit.Need.VISIT)
    public Uni<Response> signIn(@FormParam("user") String user, @FormParam("token") String token,
            @FormParam("next") String next, RoutingContext rc) {
        String to = WebSession.returnPath(next);
        Optional<String> authorization = WebSession.fromForm(user, token);
        if (!pages.authEnabled()) {
            return Uni.createFrom().item(signInAgain(400, "Authentication is off on this server: everything is "
                    + "visible without signing in.", to));
        }
        if (authorization.isEmpty()) {
            return Uni.createFrom().item(signInAgain(400, "Type a user name and its access token.", to));
        }
        return admission.admitVisitor(Transport.WEB, AdmissionFilter.client(rc), authorization.get(), true)
                .map(who -> who.anonymous() ? signInAgain(401, "Wrong user name or token.", to)
                        : WebPages.secured(Response.seeOther(URI.create(to)))
                                .header("Set-Cookie", WebSession.signIn(authorization.get(),
                                        config.sessionMaxAge(), WebPages.secure(rc)))
                                .header("Cache-Control", "no-store").build())
                .onFailure(Refusal.class).recoverWithItem(e -> {
                    Refusal r = (Refusal) e;
                    return r.reason() == Refusal.Reason.UNAUTHENTICATED
                            ? signInAgain(401, "Wrong user name or token.", to)
                            : pages.refusal(r, false, rc);
                });
    }

    private Response signInAgain(int status, String problem, String next) {
        return WebPages.html(status, WebPages.Templates.signin(pages.page("Sign in", null, null), problem, next))
                .header("Cache-Control", "no-store").build();
    }

    @POST
    @Path("-/signout")
    @Admit(Admit.Need.VISIT)
    public Response signOut(RoutingContext rc) {
        return WebPages.secured(Response.seeOther(URI.create("/")))
                .header("Set-Cookie", WebSession.signOut(WebPages.secure(rc))).header("Cache-Control", "no-store")
                .build();
    }

    // ---- a repository's pages ----

    @GET
    @Path("{repo: .+}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response repo(@PathParam("repo") String repoPath, RoutingContext rc) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        RepoName name = admitted.name();
        if (!repoPath.equals(name.value())) {
            // /team/app.git (or a trailing slash) is the page of team/app.
            return WebPages.secured(Response.status(Response.Status.MOVED_PERMANENTLY)
                    .location(URI.create(new WebLinks(name.value()).repo()))).build();
        }
        try (CachedRepo repo = cache.open(name)) {
            RepoBrowser browser = new RepoBrowser(repo.repository());
            RepoBrowser.Refs refs = browser.refs();
            String etag = etag(admitted, "repo", refsDigest(refs));
            Response unchanged = unchanged(rc, admitted, etag);
            if (unchanged != null) {
                return unchanged;
            }
            WebLinks links = new WebLinks(name.value());
            RawString readme = null;
            String readmeName = null;
            if (refs.defaultBranch() != null) {
                Optional<RepoBrowser.Target> head = browser.resolve(refs.defaultBranch());
                Optional<RepoBrowser.NamedBlob> found = head.isEmpty() ? Optional.empty()
                        : browser.readme(head.get().commit());
                if (found.isPresent()) {
                    RepoBrowser.Blob text = browser.blob(found.get().id(), found.get().name(),
                            config.maxBlobView().asLongValue());
                    if (text.shown()) {
                        readmeName = found.get().name();
                        String ref = refs.defaultBranch();
                        String body = String.join("\n", text.lines().stream().map(RepoBrowser.Line::text).toList());
                        readme = new RawString(Readme.isMarkdown(readmeName)
                                ? Readme.toHtml(body, p -> links.blob(ref, "") + "/" + p,
                                        p -> links.raw(ref, "") + "/" + p)
                                : Readme.plainText(body));
                    }
                }
            }
            return cached(WebPages.html(200, WebPages.Templates.repo(page(name.value(), admitted, rc), name.value(),
                    admitted.rules().description(), links, cloneUrls(admitted, rc), refs, readme, readmeName)),
                    etag, admitted, false);
        }
    }

    @GET
    @Path("{repo: .+?}/-/tree{rest: (?:/.*)?}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response tree(@PathParam("rest") String rest, RoutingContext rc) throws IOException {
        return atTarget(rc, rest, (admitted, browser, target) -> {
            Optional<List<RepoBrowser.TreeRow>> entries = browser.tree(target.commit(), target.path());
            if (entries.isEmpty()) {
                return browser.blobId(target.commit(), target.path()).isPresent()
                        ? redirect(new WebLinks(admitted.name().value()).blob(target.ref(), target.path()))
                        : pages.notFound(admitted.who(), rc.request().path());
            }
            String etag = etag(admitted, "tree", target.commit().name());
            Response unchanged = unchanged(rc, admitted, etag);
            if (unchanged != null) {
                return unchanged;
            }
            String name = admitted.name().value();
            return cached(WebPages.html(200, WebPages.Templates.tree(page(name + " at " + target.ref(), admitted, rc),
                    name, new WebLinks(name), target, crumbs(target.path()), entries.get())), etag, admitted,
                    target.immutable());
        });
    }

    @GET
    @Path("{repo: .+?}/-/blob/{rest: .+}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response blob(@PathParam("rest") String rest, RoutingContext rc) throws IOException {
        return atTarget(rc, rest, (admitted, browser, target) -> {
            Optional<ObjectId> blob = browser.blobId(target.commit(), target.path());
            if (blob.isEmpty()) {
                return pages.notFound(admitted.who(), rc.request().path());
            }
            String etag = etag(admitted, "blob", blob.get().name());
            Response unchanged = unchanged(rc, admitted, etag);
            if (unchanged != null) {
                return unchanged;
            }
            String name = admitted.name().value();
            RepoBrowser.Blob shown = browser.blob(blob.get(), target.path(), config.maxBlobView().asLongValue());
            return cached(WebPages.html(200, WebPages.Templates.blob(page(target.path() + " · " + name, admitted, rc),
                    name, new WebLinks(name), target, crumbs(target.path()), shown)), etag, admitted,
                    target.immutable());
        });
    }

    /**
     * A file's bytes, never as a page: text as {@code text/plain}, anything else as a download,
     * sniffing off and sandboxed, so a file of HTML or script cannot run on gitfn's origin.
     */
    @GET
    @Path("{repo: .+?}/-/raw/{rest: .+}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response raw(@PathParam("rest") String rest, RoutingContext rc) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        CachedRepo repo = cache.open(admitted.name());
        boolean handedOver = false;
        try {
            RepoBrowser browser = new RepoBrowser(repo.repository());
            Optional<RepoBrowser.Target> target = browser.resolve(rest);
            Optional<ObjectId> blob = target.isEmpty() ? Optional.empty()
                    : browser.blobId(target.get().commit(), target.get().path());
            if (blob.isEmpty()) {
                return pages.notFound(admitted.who(), rc.request().path());
            }
            String etag = etag(admitted, "raw", blob.get().name());
            Response unchanged = unchanged(rc, admitted, etag);
            if (unchanged != null) {
                return unchanged;
            }
            ObjectLoader loader = browser.open(blob.get());
            boolean binary = browser.isBinary(loader);
            String file = target.get().path().substring(target.get().path().lastIndexOf('/') + 1);
            StreamingOutput body = out -> {
                try (repo; InputStream in = loader.openStream()) {
                    in.transferTo(out);
                }
            };
            Response.ResponseBuilder b = Response.ok(body)
                    .type(binary ? MediaType.APPLICATION_OCTET_STREAM_TYPE
                            : MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                    .header(HttpHeaders.CONTENT_LENGTH, loader.getSize())
                    .header("Content-Disposition", (binary ? "attachment" : "inline") + "; filename*=UTF-8''"
                            + WebLinks.segments(file))
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Content-Security-Policy", "default-src 'none'; sandbox");
            handedOver = true;
            return cached(b, etag, admitted, target.get().immutable());
        } finally {
            if (!handedOver) {
                repo.close();
            }
        }
    }

    @GET
    @Path("{repo: .+?}/-/commits{rest: (?:/.*)?}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response commits(@PathParam("rest") String rest, @QueryParam("page") String pageParam, RoutingContext rc)
            throws IOException {
        int page = pageNumber(pageParam);
        return atTarget(rc, rest, (admitted, browser, target) -> {
            String etag = etag(admitted, "commits" + page, target.commit().name());
            Response unchanged = unchanged(rc, admitted, etag);
            if (unchanged != null) {
                return unchanged;
            }
            RepoBrowser.Log log = browser.log(target.commit(), target.path(), page, config.commitsPerPage());
            String name = admitted.name().value();
            WebLinks links = new WebLinks(name);
            String here = links.commits(target.ref(), target.path());
            return cached(WebPages.html(200, WebPages.Templates.commits(page("Commits · " + name, admitted, rc), name,
                    links, target, crumbs(target.path()), log,
                    page > 1 ? WebLinks.page(here, page - 1) : null, log.more() ? WebLinks.page(here, page + 1) : null)),
                    etag, admitted, target.immutable());
        });
    }

    @GET
    @Path("{repo: .+?}/-/commit/{id: [0-9a-fA-F]{7,64}}")
    @Admit(Admit.Need.VIEW)
    @Blocking
    public Response commit(@PathParam("id") String id, @QueryParam("page") String pageParam, RoutingContext rc)
            throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        int page = pageNumber(pageParam);
        try (CachedRepo repo = cache.open(admitted.name())) {
            RepoBrowser browser = new RepoBrowser(repo.repository());
            Optional<ObjectId> found = browser.commitById(id);
            if (found.isEmpty()) {
                return pages.notFound(admitted.who(), rc.request().path());
            }
            String name = admitted.name().value();
            WebLinks links = new WebLinks(name);
            ObjectId commitId = found.get();
            if (!id.equals(commitId.name())) {
                return redirect(WebLinks.page(links.commit(commitId.name()), page)); // the one address of a commit
            }
            RepoBrowser.Commit commit = browser.commit(commitId, page, config.diffFilesPerPage(),
                    config.maxDiffLines());
            String here = links.commit(commit.id());
            return cached(WebPages.html(200, WebPages.Templates.commit(page(commit.subject() + " · " + name, admitted,
                    rc), name, links, commit, page > 1 ? WebLinks.page(here, page - 1) : null,
                    commit.more() ? WebLinks.page(here, page + 1) : null)), null, admitted, true);
        }
    }

    // ---- helpers ----

    /** A page of what an address below a repository names: a ref (or commit id) and a path in it. */
    private interface TargetPage {
        Response answer(Admitted admitted, RepoBrowser browser, RepoBrowser.Target target) throws IOException;
    }

    /**
     * Answers {@code page} for what {@code rest} names in the admitted repository's cached copy,
     * leased for the answer; the one not-found page when it names nothing.
     */
    private Response atTarget(RoutingContext rc, String rest, TargetPage page) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        try (CachedRepo repo = cache.open(admitted.name())) {
            RepoBrowser browser = new RepoBrowser(repo.repository());
            Optional<RepoBrowser.Target> target = browser.resolve(rest);
            return target.isEmpty() ? pages.notFound(admitted.who(), rc.request().path())
                    : page.answer(admitted, browser, target.get());
        }
    }

    /** The 304 when the browser holds this page's validator already, else null. */
    private static Response unchanged(RoutingContext rc, Admitted admitted, String etag) {
        return etag.equals(rc.request().getHeader(HttpHeaders.IF_NONE_MATCH)) ? notModified(etag, admitted) : null;
    }

    private WebPages.Page page(String title, Admitted admitted, RoutingContext rc) {
        String query = rc.request().query();
        return pages.page(title, admitted.who(), rc.request().path() + (query == null ? "" : "?" + query));
    }

    private static int pageNumber(String param) {
        try {
            int page = param == null ? 1 : Integer.parseInt(param);
            return Math.max(1, Math.min(page, 100_000));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private static Response redirect(String to) {
        return WebPages.secured(Response.status(Response.Status.FOUND).location(URI.create(to)))
                .header("Cache-Control", "no-store").build();
    }

    /**
     * What a cache may keep of a page: nothing of a private repository's (a shared cache could
     * hand it on, a browser's disk outlive the right to see it); of a public one's, pages that
     * never change for anyone (by commit id, seen anonymously) for good, the others only after
     * revalidating, in the browser alone.
     */
    private static String cacheControl(Admitted admitted, boolean immutable) {
        boolean publicRepository = admitted.rules().isPublic() || admitted.rules() == dev.gitfn.auth.RepoAccess.NONE;
        if (!publicRepository) {
            return "private, no-store";
        }
        if (!immutable) {
            return "private, no-cache";
        }
        return (admitted.who().anonymous() ? "public, " : "private, ") + IMMUTABLE;
    }

    private static Response cached(Response.ResponseBuilder b, String etag, Admitted admitted, boolean immutable) {
        b.header("Cache-Control", cacheControl(admitted, immutable)).header("Vary", "Cookie, Authorization");
        if (etag != null) {
            b.header(HttpHeaders.ETAG, etag);
        }
        return b.build();
    }

    private static Response notModified(String etag, Admitted admitted) {
        return Response.notModified().header(HttpHeaders.ETAG, etag)
                .header("Cache-Control", cacheControl(admitted, false))
                .header("Vary", "Cookie, Authorization").build();
    }

    /** A validator of what a page shows: its kind, the objects it shows, and who it was shown to (the header differs). */
    private static String etag(Admitted admitted, String kind, String content) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((kind + "\n" + content + "\n" + admitted.who().name() + "\n").getBytes(StandardCharsets.UTF_8));
            return "W/\"" + HexFormat.of().formatHex(sha.digest(), 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String refsDigest(RepoBrowser.Refs refs) {
        StringBuilder b = new StringBuilder(String.valueOf(refs.defaultBranch()));
        for (RepoBrowser.RefRow r : refs.branches()) {
            b.append('\n').append(r.name()).append(' ').append(r.commit().id());
        }
        for (RepoBrowser.RefRow r : refs.tags()) {
            b.append("\nt ").append(r.name()).append(' ').append(r.commit().id());
        }
        return b.toString();
    }

    private static List<WebPages.Crumb> crumbs(String path) {
        List<WebPages.Crumb> crumbs = new ArrayList<>();
        if (path.isEmpty()) {
            return crumbs;
        }
        String so = "";
        for (String segment : path.split("/")) {
            so = so.isEmpty() ? segment : so + "/" + segment;
            crumbs.add(new WebPages.Crumb(segment, so));
        }
        return crumbs;
    }

    /** How to clone the repository: over HTTP, the tunnel, SSH when it is on, and the CDN for a public one. */
    private List<WebPages.CloneUrl> cloneUrls(Admitted admitted, RoutingContext rc) {
        String host = rc.request().getHeader(HttpHeaders.HOST);
        if (host == null || !host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
            host = "localhost";
        }
        String scheme = WebPages.secure(rc) ? "https" : "http";
        String path = "/" + WebLinks.segments(admitted.name().value()) + ".git";
        List<WebPages.CloneUrl> urls = new ArrayList<>();
        urls.add(new WebPages.CloneUrl("HTTP", scheme + "://" + host + path));
        urls.add(new WebPages.CloneUrl("WebSocket", (scheme.equals("https") ? "wss" : "ws") + "://" + host + path));
        if (sshPort.isPresent()) {
            String sshHost = config.sshHost().orElse(WebLinks.hostName(host));
            urls.add(new WebPages.CloneUrl("SSH", sshPort.get() == 22 ? "git@" + sshHost + ":"
                    + admitted.name().value() + ".git" : "ssh://git@" + sshHost + ":" + sshPort.get() + path));
        }
        if (publishedBase.isPresent() && (admitted.rules().isPublic() || !access.enabled())) {
            urls.add(new WebPages.CloneUrl("CDN (dumb HTTP)", publishedBase.get() + path));
        }
        return urls;
    }
}
