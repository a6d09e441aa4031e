package dev.gitfn.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.gitfn.admission.Admitted;
import dev.gitfn.admission.Refusal;
import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Permission;
import dev.gitfn.cache.PushSession;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.config.GitfnConfig;
import dev.gitfn.lfs.LargeFiles;
import dev.gitfn.lfs.LfsLocks;
import io.vertx.ext.web.RoutingContext;

/**
 * The Git LFS server API under each repository's {@code <repo>.git/info/lfs}: the batch
 * endpoint (basic transfer, SHA-256), the verify action, and, for stores that cannot presign
 * (the folder store), gitfn's own streamed object transfer. Reading a repository allows
 * download, writing allows upload, with git's own credentials.
 */
@Path("/")
public class LfsResource {
    static final MediaType LFS_JSON = MediaType.valueOf("application/vnd.git-lfs+json");
    private static final int MAX_BODY = 1024 * 1024;

    private final LargeFiles files;
    private final RepositoryCache cache;
    private final AccessControl access;
    private final ObjectMapper json;
    private final LfsLocks locks;
    /** gitfn.repos.default-quota-bytes (null: none). */
    private final Long defaultQuota;

    public LfsResource(LargeFiles files, AccessControl access, ObjectMapper json, RepositoryCache cache,
            GitfnConfig config, LfsLocks locks) {
        this.locks = locks;
        this.cache = cache;
        this.defaultQuota = config.repos().defaultQuotaBytes().orElse(null);
        this.files = files;
        this.access = access;
        this.json = json;
    }

    /** The batch answer (objects whose fields are null are left out, as the API has them). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BatchAnswer(String transfer, List<LargeFiles.Result> objects, String hash_algo) {
    }

    @POST
    @Path("{repo: .+}/info/lfs/objects/batch")
    @Admit(Admit.Need.READ) // an upload also needs write: checked below, once the body says which
    public Response batch(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, RoutingContext rc, InputStream body)
            throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close(); // a missing repository: 404, as for git
        Optional<Response> refused = lfsJsonRefusal(contentType);
        JsonNode request = refused.isPresent() ? null : readSmall(body);
        if (request == null) {
            return refused.orElseGet(LfsResource::tooLarge);
        }
        String operation = request.path("operation").asText("");
        if (!operation.equals("upload") && !operation.equals("download")) {
            return message(422, "operation must be upload or download");
        }
        JsonNode transfers = request.path("transfers");
        if (transfers.isArray() && transfers.size() > 0 && !contains(transfers, "basic")) {
            return message(422, "only the basic transfer is offered");
        }
        String hashAlgo = request.path("hash_algo").asText("sha256");
        if (!hashAlgo.equals("sha256")) {
            return message(409, "only sha256 objects are kept here");
        }
        JsonNode objects = request.path("objects");
        if (!objects.isArray()) {
            return message(422, "objects must be a list");
        }
        if (objects.size() > files.maxBatchObjects()) {
            return message(413, "at most " + files.maxBatchObjects() + " objects per batch (gitfn.lfs.max-batch-objects)");
        }
        boolean upload = operation.equals("upload");
        if (upload) {
            try {
                // The same rule as a push, for the same credentials (401, 403 or 404 otherwise).
                access.authorize(authorization, admitted.name(), Permission.WRITE).await().atMost(Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                return refuse(Refusal.of(e).map(r -> r.reason() == Refusal.Reason.UNAUTHENTICATED
                        ? r.withChallenge(access.challenge()) : r).orElseThrow(() -> e));
            }
        }
        LargeFiles.Endpoint self = new LargeFiles.Endpoint(lfsBase(rc), authorization == null ? Map.of()
                : Map.of(HttpHeaders.AUTHORIZATION, authorization));
        List<LargeFiles.Result> results = new ArrayList<>();
        for (JsonNode o : objects) {
            LargeFiles.Pointer pointer = new LargeFiles.Pointer(o.path("oid").asText(null),
                    o.path("size").canConvertToLong() ? o.path("size").asLong() : -1);
            results.add(files.decide(admitted.name(), upload, pointer, self));
        }
        if (upload) {
            Optional<Response> overQuota = refuseOverQuota(admitted, results);
            if (overQuota.isPresent()) {
                return overQuota.get();
            }
        }
        return Response.ok(json.writeValueAsString(new BatchAnswer("basic", results, "sha256")), LFS_JSON).build();
    }

    @POST
    @Path("{repo: .+}/info/lfs/verify")
    @Admit(Admit.Need.WRITE)
    public Response verify(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, RoutingContext rc,
            InputStream body) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close(); // a missing repository: 404, as for git
        Optional<Response> refused = lfsJsonRefusal(contentType);
        JsonNode request = refused.isPresent() ? null : readSmall(body);
        if (request == null) {
            return refused.orElseGet(LfsResource::tooLarge);
        }
        String problem = files.verify(admitted.name(), new LargeFiles.Pointer(request.path("oid").asText(null),
                request.path("size").asLong(-1)));
        return problem == null ? Response.ok("{}", LFS_JSON).build() : message(422, problem);
    }

    /** gitfn's own upload, for stores without presigned URLs: streamed, hash-checked, then stored. */
    @PUT
    @Path("{repo: .+}/info/lfs/objects/{oid: [0-9a-f]{64}}")
    @Admit(Admit.Need.WRITE)
    public Response put(@PathParam("oid") String oid, RoutingContext rc, InputStream body) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close(); // a missing repository: 404, as for git
        String problem = files.receive(admitted.name(), oid, body);
        return problem == null ? Response.ok().build() : message(422, problem);
    }

    /** gitfn's own download, for stores without presigned URLs: streamed from a temporary copy. */
    @GET
    @Path("{repo: .+}/info/lfs/objects/{oid: [0-9a-f]{64}}")
    @Admit(Admit.Need.READ)
    public Response get(@PathParam("oid") String oid, RoutingContext rc) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close(); // a missing repository: 404, as for git
        Optional<java.nio.file.Path> file = files.fetch(admitted.name(), oid);
        if (file.isEmpty()) {
            return message(404, "Object does not exist");
        }
        StreamingOutput out = o -> {
            try {
                Files.copy(file.get(), ResponseBodies.paced(rc, o));
            } finally {
                Files.deleteIfExists(file.get());
            }
        };
        return Response.ok(out, MediaType.APPLICATION_OCTET_STREAM_TYPE)
                .header(HttpHeaders.CONTENT_LENGTH, Files.size(file.get())).build();
    }

    /**
     * The 507 for an upload batch whose new objects would take the repository past its quota
     * (packs and LFS objects, as for a push), before any URL is handed out; git-lfs prints the
     * message. Objects already stored cost nothing. Two batches at once may each fit alone.
     */
    private Optional<Response> refuseOverQuota(Admitted admitted, List<LargeFiles.Result> results) throws IOException {
        Long quota = admitted.rules().quotaOr(defaultQuota);
        long adding = results.stream().filter(r -> r.actions() != null && r.actions().containsKey("upload"))
                .mapToLong(LargeFiles.Result::size).sum();
        if (quota == null || adding == 0) {
            return Optional.empty();
        }
        long current;
        try (RepositoryCache.CachedRepo repo = cache.open(admitted.name())) {
            current = cache.storedBytes(repo);
        }
        PushSession.Usage usage = new PushSession.Usage(current, current + adding);
        return usage.over(quota) ? Optional.of(message(507, usage.exceeded(admitted.name(), quota))) : Optional.empty();
    }

    // ---- locks (the LFS locks API) ----

    /** {@code POST .../info/lfs/locks {"path":...}}: 201 with the lock, or 409 with the one already held. */
    @POST
    @Path("{repo: .+}/info/lfs/locks")
    @Admit(Admit.Need.WRITE)
    public Response lock(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, RoutingContext rc,
            InputStream body) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close(); // a missing repository: 404, as for git
        Optional<Response> refused = lfsJsonRefusal(contentType);
        JsonNode request = refused.isPresent() ? null : readSmall(body);
        if (request == null) {
            return refused.orElseGet(LfsResource::tooLarge);
        }
        String path = request.path("path").asText("");
        if (path.isEmpty() || path.length() > 4096 || path.chars().anyMatch(c -> c < 0x20)) {
            return message(422, "path is the file's path in the repository");
        }
        LfsLocks.Outcome outcome;
        try {
            outcome = locks.lock(admitted.name(), path, ownerName(admitted));
        } catch (IllegalStateException full) {
            return message(422, full.getMessage());
        }
        String lock = json.writeValueAsString(outcome.lock());
        return outcome.created() ? Response.status(201).type(LFS_JSON).entity("{\"lock\":" + lock + "}").build()
                : Response.status(409).type(LFS_JSON).entity("{\"lock\":" + lock + ",\"message\":"
                        + jsonString("already created lock") + "}").build();
    }

    /** {@code GET .../info/lfs/locks[?path=&id=&cursor=&limit=]}: the repository's locks, paged. */
    @GET
    @Path("{repo: .+}/info/lfs/locks")
    @Admit(Admit.Need.READ)
    public Response listLocks(@jakarta.ws.rs.QueryParam("path") String path, @jakarta.ws.rs.QueryParam("id") String id,
            @jakarta.ws.rs.QueryParam("cursor") String cursor, @jakarta.ws.rs.QueryParam("limit") String limit,
            RoutingContext rc) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close();
        List<LfsLocks.Lock> all = locks.all(admitted.name()).stream()
                .filter(l -> (path == null || l.path().equals(path)) && (id == null || l.id().equals(id))).toList();
        return page(all, cursor, limit, page -> "{\"locks\":" + page + "}");
    }

    /** {@code POST .../info/lfs/locks/verify}: the pusher's locks ({@code ours}) and everyone else's ({@code theirs}). */
    @POST
    @Path("{repo: .+}/info/lfs/locks/verify")
    @Admit(Admit.Need.WRITE)
    public Response verifyLocks(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, RoutingContext rc,
            InputStream body) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close();
        Optional<Response> refused = lfsJsonRefusal(contentType);
        JsonNode request = refused.isPresent() ? null : readSmall(body);
        if (request == null) {
            return refused.orElseGet(LfsResource::tooLarge);
        }
        String me = ownerName(admitted);
        List<LfsLocks.Lock> all = locks.all(admitted.name());
        String ours = json.writeValueAsString(all.stream().filter(l -> l.owner().name().equals(me)).toList());
        String theirs = json.writeValueAsString(all.stream().filter(l -> !l.owner().name().equals(me)).toList());
        return Response.ok("{\"ours\":" + ours + ",\"theirs\":" + theirs + "}", LFS_JSON).build();
    }

    /**
     * {@code POST .../info/lfs/locks/<id>/unlock [{"force":true}]}: its owner unlocks it; with
     * {@code force}, so may an admin or the repository's owner.
     */
    @POST
    @Path("{repo: .+}/info/lfs/locks/{id}/unlock")
    @Admit(Admit.Need.WRITE)
    public Response unlock(@PathParam("id") String id, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
            RoutingContext rc, InputStream body) throws IOException {
        Admitted admitted = AdmissionFilter.admitted(rc);
        cache.open(admitted.name()).close();
        Optional<Response> refused = lfsJsonRefusal(contentType);
        JsonNode request = refused.isPresent() ? null : readSmall(body);
        if (request == null) {
            return refused.orElseGet(LfsResource::tooLarge);
        }
        boolean force = request.path("force").asBoolean(false);
        String me = ownerName(admitted);
        boolean manager = admitted.who().admin() || admitted.rules().isOwner(admitted.who());
        try {
            Optional<LfsLocks.Lock> removed = locks.unlock(admitted.name(), id,
                    lock -> lock.owner().name().equals(me) || force && manager);
            return removed.isPresent()
                    ? Response.ok("{\"lock\":" + json.writeValueAsString(removed.get()) + "}", LFS_JSON).build()
                    : message(404, "no lock " + id);
        } catch (SecurityException notYours) {
            return message(403, notYours.getMessage());
        }
    }

    /** Who owns the locks a request makes: its user (with authentication off, everyone is one). */
    private static String ownerName(Admitted admitted) {
        return admitted.who().anonymous() ? LfsLocks.ANONYMOUS : admitted.who().name();
    }

    /** One page of locks ({@code limit}, default 100, at most 1000) from {@code cursor} (an index). */
    private Response page(List<LfsLocks.Lock> all, String cursor, String limit,
            java.util.function.Function<String, String> wrap) throws IOException {
        int from;
        int max;
        try {
            from = cursor == null || cursor.isEmpty() ? 0 : Integer.parseInt(cursor);
            max = limit == null || limit.isEmpty() ? 100 : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            return message(422, "cursor and limit are numbers");
        }
        if (from < 0 || max < 1 || max > 1000) {
            return message(422, "limit is 1 to 1000, cursor at least 0");
        }
        List<LfsLocks.Lock> page = all.subList(Math.min(from, all.size()), Math.min(all.size(), from + max));
        String body = wrap.apply(json.writeValueAsString(page));
        if (from + max < all.size()) {
            body = body.substring(0, body.length() - 1) + ",\"next_cursor\":\"" + (from + max) + "\"}";
        }
        return Response.ok(body, LFS_JSON).build();
    }

    /** This repository's LFS URL as the client reached it. */
    private static URI lfsBase(RoutingContext rc) {
        String path = rc.request().path();
        return URI.create(rc.request().scheme() + "://" + rc.request().authority()
                + path.substring(0, path.indexOf("/info/lfs/")) + "/info/lfs");
    }

    private static Response tooLarge() {
        return message(413, "LFS requests are limited to " + MAX_BODY + " bytes");
    }

    /** The 415 for a body that is not LFS's JSON (which a cross-site form cannot send), or empty. */
    private static Optional<Response> lfsJsonRefusal(String contentType) {
        String type = contentType == null ? "" : contentType.split(";", 2)[0].trim();
        if (type.equalsIgnoreCase(LFS_JSON.toString())) {
            return Optional.empty();
        }
        return Optional.of(message(415, "the LFS API takes Content-Type: application/vnd.git-lfs+json"));
    }

    /** The request's JSON, or null when it is over {@link #MAX_BODY}. */
    private JsonNode readSmall(InputStream body) throws IOException {
        byte[] bytes = body.readNBytes(MAX_BODY + 1);
        if (bytes.length > MAX_BODY) {
            return null;
        }
        try {
            return bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        } catch (IOException e) {
            return json.createObjectNode().put("operation", "invalid JSON");
        }
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (value.equals(n.asText())) {
                return true;
            }
        }
        return false;
    }

    private static Response refuse(Refusal refusal) {
        return HttpRefusals.lfs(refusal);
    }

    static Response message(int status, String message) {
        return Response.status(status).type(LFS_JSON).entity("{\"message\":" + jsonString(message) + "}").build();
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
