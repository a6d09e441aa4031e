package dev.gitfn.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import dev.gitfn.admission.Admission;
import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Transport;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.repo.RepoName;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.cache.RepositoryCache.CachedRepo;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.protocol.GitService;
import dev.gitfn.protocol.PackUris;
import dev.gitfn.protocol.SmartProtocol;
import dev.gitfn.publish.PublishedArea;
import dev.gitfn.publish.Publisher;
import io.vertx.ext.web.RoutingContext;

/**
 * git's smart HTTP protocol (Documentation/gitprotocol-http): the
 * {@code --advertise-refs} step as {@code GET <repo>/info/refs?service=...} and
 * the {@code --stateless-rpc} steps as {@code POST <repo>/git-upload-pack} and
 * {@code POST <repo>/git-receive-pack}. This class only maps HTTP to the
 * protocol layer: names, status codes, media types, headers, bodies.
 * Responses stream from worker threads; no pack is held in memory. Each
 * response holds a lease on its repository's cached copy until it ends.
 */
@Path("/")
public class GitSmartHttpResource {
    static final String GIT_PROTOCOL = "Git-Protocol";

    private final Admission admission;
    private final RepositoryCache cache;
    private final SmartProtocol protocol;
    private final AccessControl access;
    private final long maxInflatedRequest;
    /** Base URL of the published area as reached from outside, when configured and there is one. */
    private final Optional<String> publishedBase;
    private final Publisher publisher;

    public GitSmartHttpResource(RepositoryCache cache, SmartProtocol protocol, AccessControl access,
            GitfnConfig config, PublishedArea published, Publisher publisher, Admission admission) {
        this.cache = cache;
        this.admission = admission;
        this.publisher = publisher;
        this.protocol = protocol;
        this.access = access;
        this.maxInflatedRequest = config.limits().maxInflatedRequest().asLongValue();
        this.publishedBase = published.store().isPresent()
                ? config.publish().baseUrl().map(u -> u.toString().replaceAll("/+$", "")) : Optional.empty();
    }

    @GET
    @Path("{repo: .+}/info/refs")
    @Admit(Admit.Need.BY_SERVICE) // push is checked at discovery, as http-backend does: git asks for credentials first
    public Response infoRefs(@QueryParam("service") String serviceName, @HeaderParam(GIT_PROTOCOL) String gitProtocol,
            RoutingContext rc) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        RepoName name = admitted.name();
        if (serviceName == null) {
            // A dumb-protocol client: answer what update-server-info would have written.
            return dumbText(name, cache::infoRefs);
        }
        GitService service = GitService.fromName(serviceName)
                .orElseThrow(() -> new UnsupportedServiceException(serviceName));
        Response toCdn = redirectToPublishedCopy(admitted, service);
        if (toCdn != null) {
            return toCdn;
        }
        CachedRepo repo = service == GitService.RECEIVE_PACK
                ? cache.openForPush(name, admission.createdByPush(admitted, Transport.HTTP)) : cache.open(name);
        StreamingOutput body = out -> {
            try (repo) {
                protocol.advertise(repo, service, gitProtocol, ResponseBodies.paced(rc, out),
                        service == GitService.UPLOAD_PACK ? publisher.packUris(name) : PackUris.NONE);
            }
        };
        return noCache(Response.ok(body, service.advertisementType()));
    }

    /**
     * A public repository that chose it ({@code cdnRedirect}) is cloned from its published
     * copy: git follows this redirect of its first request and fetches with the dumb
     * protocol from the CDN, so the pack's bytes never pass through gitfn. (With it,
     * {@code --depth} fails and {@code --filter} is ignored: off by default.) Only to a copy
     * that is current: one behind the ref state is written again first, or not redirected to.
     */
    private Response redirectToPublishedCopy(Admitted admitted, GitService service) throws IOException {
        if (service != GitService.UPLOAD_PACK || publishedBase.isEmpty() || !admitted.rules().isPublic()
                || !admitted.rules().cdnRedirect() || !publisher.publishedCopyCurrent(admitted.name())) {
            return null;
        }
        return Response.status(Response.Status.FOUND)
                .location(URI.create(publishedBase.get() + "/" + admitted.name().value()
                        + ".git/info/refs?service=" + service.serviceName()))
                .header("Cache-Control", "no-store").build();
    }

    /** Dumb HTTP's {@code HEAD}, as {@code update-server-info} leaves it, under the rules of smart HTTP. */
    @GET
    @Path("{repo: .+}/HEAD")
    @Admit(Admit.Need.READ)
    public Response dumbHead(RoutingContext rc) throws IOException {
        return dumbText(AdmissionFilter.admitted(rc).name(), cache::head);
    }

    /** Dumb HTTP's pack list. */
    @GET
    @Path("{repo: .+}/objects/info/packs")
    @Admit(Admit.Need.READ)
    public Response dumbInfoPacks(RoutingContext rc) throws IOException {
        return dumbText(AdmissionFilter.admitted(rc).name(), cache::infoPacks);
    }

    /** One of the small dumb-HTTP text files, made from the repository as served now. */
    @FunctionalInterface
    private interface DumbFile {
        byte[] of(CachedRepo repo) throws IOException;
    }

    private Response dumbText(RepoName name, DumbFile file) throws IOException {
        try (CachedRepo repo = cache.open(name)) {
            return noCache(Response.ok(file.of(repo), "text/plain; charset=utf-8"));
        }
    }

    /** A pack or its index: immutable, so a public one is cacheable for good; a private one is never stored. */
    @GET
    @Path("{repo: .+}/objects/pack/{pack: pack-[0-9a-f]{40,64}}{ext: \\.(pack|idx)}")
    @Admit(Admit.Need.READ)
    public Response dumbPack(@PathParam("pack") String pack, @PathParam("ext") String ext, RoutingContext rc)
            throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        RepoName name = admitted.name();
        CachedRepo repo = cache.open(name);
        java.nio.file.Path file;
        try {
            file = cache.publishedPack(repo, pack, ext).orElse(null);
        } catch (RuntimeException e) {
            repo.close();
            throw e;
        }
        if (file == null) {
            repo.close();
            return GitHttpErrors.text(Response.Status.NOT_FOUND, "no such pack");
        }
        String type = ext.equals(".pack") ? "application/x-git-packed-objects" : "application/x-git-packed-objects-toc";
        boolean isPublic = admitted.rules().isPublic() || !access.enabled();
        StreamingOutput body = out -> {
            try (repo) {
                java.nio.file.Files.copy(file, ResponseBodies.paced(rc, out));
            }
        };
        return Response.ok(body, type)
                .header(HttpHeaders.CONTENT_LENGTH, java.nio.file.Files.size(file))
                // Public packs may sit in any cache for good; a private repository's never in a shared one.
                .header(HttpHeaders.CACHE_CONTROL, isPublic ? "public, max-age=31536000, immutable" : "private, no-store")
                .build();
    }

    @POST
    @Path("{repo: .+}/git-upload-pack")
    @Admit(value = Admit.Need.READ, buildsPack = true)
    public Response uploadPack(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding,
            @HeaderParam(GIT_PROTOCOL) String gitProtocol, RoutingContext rc, InputStream requestBody)
            throws IOException {
        RepoName name = AdmissionFilter.admitted(rc).name();
        requireContentType(contentType, GitService.UPLOAD_PACK);
        InputStream in = RequestBodies.decode(requestBody, contentEncoding, maxInflatedRequest);
        CachedRepo repo = cache.open(name);
        StreamingOutput body = out -> {
            try (repo) {
                protocol.uploadPack(repo, gitProtocol, in, ResponseBodies.paced(rc, out), publisher.packUris(name));
            }
        };
        return noCache(Response.ok(body, GitService.UPLOAD_PACK.resultType()));
    }

    @POST
    @Path("{repo: .+}/git-receive-pack")
    @Admit(Admit.Need.WRITE)
    public Response receivePack(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.CONTENT_ENCODING) String contentEncoding, RoutingContext rc,
            InputStream requestBody) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        RepoName name = admitted.name();
        requireContentType(contentType, GitService.RECEIVE_PACK);
        InputStream in = RequestBodies.decode(requestBody, contentEncoding, maxInflatedRequest);
        cache.openForPush(name, admission.createdByPush(admitted, Transport.HTTP)).close(); // 404 now, before the answer starts; the push takes its own lease
        StreamingOutput body = out -> protocol.receivePack(name, admitted.rules(), admitted.pusher(Transport.HTTP), in,
                ResponseBodies.paced(rc, out));
        return noCache(Response.ok(body, GitService.RECEIVE_PACK.resultType()));
    }

    private static void requireContentType(String contentType, GitService service) {
        if (contentType == null || !contentType.trim().equalsIgnoreCase(service.requestType())) {
            throw new UnsupportedContentTypeException(service.requestType(), contentType);
        }
    }

    /** The caching rule git's own http-backend sends with every smart response. */
    private static Response noCache(Response.ResponseBuilder builder) {
        return builder.header("Expires", "Fri, 01 Jan 1980 00:00:00 GMT")
                .header("Pragma", "no-cache")
                .header(HttpHeaders.CACHE_CONTROL, "no-cache, max-age=0, must-revalidate")
                .build();
    }
}
