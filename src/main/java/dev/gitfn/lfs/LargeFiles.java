package dev.gitfn.lfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.publish.Publisher;
import dev.gitfn.repo.RepoName;
import dev.gitfn.repo.StoreLayout;
import dev.gitfn.storage.BlobStore;

/**
 * The decisions of the Git LFS batch API, per object, for one admitted repository: where to
 * download an object from (a presigned store URL, or gitfn itself on the folder store), where
 * to upload one to, and the verify step that makes an uploaded object downloadable only once
 * its size (and, where the store does not check it, its SHA-256) is right.
 */
@ApplicationScoped
public class LargeFiles {
    private static final Logger LOG = Logger.getLogger(LargeFiles.class);
    private static final Pattern OID = Pattern.compile("[0-9a-f]{64}");

    private final BlobStore store;
    private final GitfnConfig.Lfs config;
    private final Path work;
    private final Publisher publisher;

    public LargeFiles(BlobStore store, GitfnConfig config, Publisher publisher) {
        this.store = store;
        this.config = config.lfs();
        this.work = config.cache().dir().resolve("lfs-tmp");
        this.publisher = publisher;
    }

    /** One object of a batch request. */
    public record Pointer(String oid, long size) {
    }

    /** An action: where to send the request and which headers to add; valid for {@code expiresIn} seconds. */
    public record Action(String href, Map<String, String> header, long expiresIn) {
    }

    /** One object of the answer: its actions, or its error (the other left out). */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record Result(String oid, long size, Map<String, Action> actions, Error error) {
    }

    /** A per-object error as the batch API has them: 404 missing, 422 invalid. */
    public record Error(int code, String message) {
    }

    /** Where gitfn itself serves the transfer (the folder store): the repository's LFS URL. */
    public record Endpoint(URI lfsBase, Map<String, String> authHeader) {
    }

    public static boolean validOid(String oid) {
        return oid != null && OID.matcher(oid).matches();
    }

    /** The answer for one object; {@code upload} false for download. */
    public Result decide(RepoName repo, boolean upload, Pointer p, Endpoint self) throws IOException {
        if (!validOid(p.oid())) {
            return error(p, 422, "invalid oid: 64 lower-case hex digits (SHA-256)");
        }
        if (p.size() < 0) {
            return error(p, 422, "invalid size");
        }
        if (p.size() > config.maxObjectSize().asLongValue()) {
            return error(p, 422, "object of " + p.size() + " bytes is larger than this server takes ("
                    + config.maxObjectSize().asLongValue() + ", gitfn.lfs.max-object-size)");
        }
        String key = StoreLayout.lfsObjectKey(repo, p.oid());
        OptionalLong stored = store.size(key);
        boolean present = stored.isPresent() && downloadable(repo, p.oid());
        long ttl = config.urlTtl().toSeconds();
        Optional<BlobStore.Presigner> presigner = store.presigner();
        if (!upload) {
            if (!present) {
                return error(p, 404, "Object does not exist");
            }
            // A public repository's object from the CDN once published; else from the store (or gitfn).
            Optional<URI> published = publisher.publishedUrl(repo, key);
            if (published.isPresent()) {
                return new Result(p.oid(), stored.getAsLong(),
                        Map.of("download", new Action(published.get().toString(), Map.of(), ttl)), null);
            }
            String href = presigner.map(s -> s.download(key, config.urlTtl()).toString())
                    .orElse(self.lfsBase() + "/objects/" + p.oid());
            return new Result(p.oid(), stored.getAsLong(), Map.of("download",
                    new Action(href, presigner.isPresent() ? Map.of() : self.authHeader(), ttl)), null);
        }
        if (present && stored.getAsLong() == p.size()) {
            return new Result(p.oid(), p.size(), null, null); // already here: nothing to send
        }
        Map<String, Action> actions = new LinkedHashMap<>();
        if (presigner.isPresent()) {
            BlobStore.Presigner.Upload put = presigner.get().upload(key, p.size(), p.oid(), config.urlTtl());
            actions.put("upload", new Action(put.url().toString(), put.headers(), ttl));
        } else {
            actions.put("upload", new Action(self.lfsBase() + "/objects/" + p.oid(), self.authHeader(), ttl));
        }
        actions.put("verify", new Action(self.lfsBase() + "/verify", self.authHeader(), ttl));
        return new Result(p.oid(), p.size(), actions, null);
    }

    private Result error(Pointer p, int code, String message) {
        return new Result(p.oid(), p.size(), null, new Error(code, message));
    }

    /** Whether the stored bytes were checked: by gitfn's own upload, by the store, or by a verify. */
    private boolean downloadable(RepoName repo, String oid) throws IOException {
        return store.presigner().isEmpty() || config.storeChecksSha256()
                || store.exists(StoreLayout.lfsVerifiedKey(repo, oid));
    }

    /**
     * gitfn's own upload (the folder store): streamed to a file while hashed, stored only if the
     * bytes are the oid's; never held in memory.
     *
     * @return null when stored, else what was wrong (the object is not kept)
     */
    public String receive(RepoName repo, String oid, InputStream body) throws IOException {
        if (!validOid(oid)) {
            return "invalid oid";
        }
        Files.createDirectories(work);
        Path tmp = Files.createTempFile(work, "upload-", ".tmp");
        try {
            MessageDigest sha = sha256();
            long size;
            try (InputStream in = new DigestInputStream(body, sha); OutputStream out = Files.newOutputStream(tmp)) {
                size = copyAtMost(in, out, config.maxObjectSize().asLongValue());
            }
            if (size < 0) {
                return "object larger than this server takes (gitfn.lfs.max-object-size)";
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(oid)) {
                LOG.infof("LFS upload to %s refused: bytes hash to %s, not %s", repo, actual, oid);
                return "the bytes' SHA-256 is " + actual + ", not the oid " + oid;
            }
            store.upload(StoreLayout.lfsObjectKey(repo, oid), tmp);
            return null;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** gitfn's own download (the folder store): the object in a temporary file the caller deletes, or empty. */
    public Optional<Path> fetch(RepoName repo, String oid) throws IOException {
        if (!validOid(oid) || !store.exists(StoreLayout.lfsObjectKey(repo, oid))) {
            return Optional.empty();
        }
        Files.createDirectories(work);
        Path tmp = Files.createTempFile(work, "download-", ".tmp");
        store.download(StoreLayout.lfsObjectKey(repo, oid), tmp);
        return Optional.of(tmp);
    }

    /**
     * The verify action: the object is there with the announced size, and (where the store does
     * not check SHA-256 itself) its bytes hash to the oid; wrong bytes are deleted.
     *
     * @return null when verified, else what is wrong
     */
    public String verify(RepoName repo, Pointer p) throws IOException {
        if (!validOid(p.oid())) {
            return "invalid oid";
        }
        String key = StoreLayout.lfsObjectKey(repo, p.oid());
        OptionalLong stored = store.size(key);
        if (stored.isEmpty()) {
            return "object " + p.oid() + " was not uploaded";
        }
        if (stored.getAsLong() != p.size()) {
            return "object " + p.oid() + " has " + stored.getAsLong() + " bytes, not " + p.size();
        }
        if (store.presigner().isPresent() && !config.storeChecksSha256()
                && !store.exists(StoreLayout.lfsVerifiedKey(repo, p.oid()))) {
            Path tmp = fetch(repo, p.oid()).orElseThrow(() -> new IOException("object vanished"));
            try {
                MessageDigest sha = sha256();
                try (InputStream in = new DigestInputStream(Files.newInputStream(tmp), sha)) {
                    in.transferTo(OutputStream.nullOutputStream());
                }
                String actual = HexFormat.of().formatHex(sha.digest());
                if (!actual.equals(p.oid())) {
                    store.delete(key); // never downloadable
                    LOG.infof("LFS object %s of %s deleted: its bytes hash to %s", p.oid(), repo, actual);
                    return "the uploaded bytes' SHA-256 is " + actual + ", not the oid";
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
            store.put(StoreLayout.lfsVerifiedKey(repo, p.oid()), new byte[0]);
        }
        // Checked: a public repository's copy goes to the published area before the push naming it.
        // If that fails, downloads keep coming from the store; a rebuild publishes it later.
        try {
            publisher.publishFile(repo, key);
        } catch (IOException e) {
            LOG.warnf("LFS object %s of %s not published: %s", p.oid(), repo, e.toString());
        }
        return null;
    }

    /** A public repository's published copy was renewed (made public, renamed, restored): its checked objects join it. */
    void publishAll(@Observes Publisher.Refreshed refreshed) throws IOException {
        RepoName repo = refreshed.name();
        for (String key : store.list(StoreLayout.lfsObjectsFolderKey(repo))) {
            String oid = key.substring(key.lastIndexOf('/') + 1);
            if (validOid(oid) && key.equals(StoreLayout.lfsObjectKey(repo, oid)) && downloadable(repo, oid)) {
                publisher.publishFile(repo, key);
            }
        }
    }

    /** Copies at most {@code max} bytes; -1 if there were more. */
    private static long copyAtMost(InputStream in, OutputStream out, long max) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
            if (total > max) {
                return -1;
            }
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Objects a batch may name. */
    public int maxBatchObjects() {
        return config.maxBatchObjects();
    }

}
