package dev.gitfn.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The store in S3 or any S3-compatible server. Keys map one to one onto object
 * keys under an optional prefix, so the bucket is a set of bare repositories
 * that a static endpoint or CDN can serve to dumb-HTTP clients.
 *
 * <p>Compare-and-swap is S3's conditional write: {@code If-None-Match: *} to
 * create, {@code If-Match: <etag>} to replace. A lost race answers 412 (AWS),
 * 409 ConditionalRequestConflict (AWS, concurrent conditional writes) or, on
 * Ceph RGW, sometimes 500; all three become {@link PreconditionFailedException},
 * which makes the caller re-read and decide again. ETags are sent unquoted:
 * RGW matches only that form, and AWS, S3Proxy and S3Mock accept it.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
    private final S3AsyncClient s3;
    private final software.amazon.awssdk.services.s3.presigner.S3Presigner presigner;
    private final String bucket;
    private final String prefix;

    /** {@code prefix} is prepended to every key ("" for none; a trailing slash is added). */
    public S3BlobStore(S3AsyncClient s3, String bucket, String prefix) {
        this(s3, bucket, prefix, null);
    }

    /** With a presigner for the same bucket, so clients may move large files directly (Git LFS). */
    public S3BlobStore(S3AsyncClient s3, String bucket, String prefix,
            software.amazon.awssdk.services.s3.presigner.S3Presigner presigner) {
        this.s3 = s3;
        this.presigner = presigner;
        this.bucket = bucket;
        String p = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        this.prefix = p.isEmpty() ? "" : StoreKeys.check(p) + "/";
    }

    private String objectKey(String key) {
        return prefix + StoreKeys.check(key);
    }

    @Override
    public Optional<Versioned> get(String key) throws IOException {
        try {
            ResponseBytes<GetObjectResponse> r = await(s3.getObject(b -> b.bucket(bucket).key(objectKey(key)),
                    AsyncResponseTransformer.toBytes()));
            return Optional.of(new Versioned(r.asByteArray(), unquote(r.response().eTag())));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            throw unavailable("read", key, e);
        }
    }

    @Override
    public Conditional getIfChanged(String key, String knownEtag) throws IOException {
        try {
            return getIfChangedAsync(key, knownEtag).toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for S3");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new StorageUnavailableException("S3 read failed: " + e.getCause(), e.getCause());
        }
    }

    /** The conditional GET itself: no thread waits for S3's answer. */
    @Override
    public CompletionStage<Conditional> getIfChangedAsync(String key, String knownEtag) {
        CompletableFuture<ResponseBytes<GetObjectResponse>> call;
        try {
            call = s3.getObject(b -> {
                b.bucket(bucket).key(objectKey(key));
                if (knownEtag != null) {
                    b.ifNoneMatch(quote(knownEtag));
                }
            }, AsyncResponseTransformer.toBytes());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return call.handle((r, error) -> {
            if (error == null) {
                return Conditional.changed(new Versioned(r.asByteArray(), unquote(r.response().eTag())));
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof NoSuchKeyException) {
                return Conditional.missing();
            }
            if (cause instanceof S3Exception e) {
                if (e.statusCode() == 304) {
                    return Conditional.unchanged();
                }
                throw new CompletionException(unavailable("read", key, e));
            }
            throw new CompletionException(new StorageUnavailableException("S3 unreachable: " + cause.getMessage(),
                    cause));
        });
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        try {
            await(s3.putObject(b -> b.bucket(bucket).key(objectKey(key)), AsyncRequestBody.fromBytes(data)));
        } catch (S3Exception e) {
            throw unavailable("write", key, e);
        }
    }

    @Override
    public String putIfMatch(String key, byte[] data, String expectedEtag) throws IOException {
        PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(objectKey(key));
        if (expectedEtag == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(unquote(expectedEtag));
        }
        try {
            return unquote(await(s3.putObject(request.build(), AsyncRequestBody.fromBytes(data))).eTag());
        } catch (S3Exception e) {
            int status = e.statusCode();
            if (status == 412 || status == 409 || status >= 500 || (status == 404 && expectedEtag != null)) {
                throw new PreconditionFailedException(key);
            }
            throw unavailable("write", key, e);
        }
    }

    @Override
    public void upload(String key, Path source) throws IOException {
        // The client is built with multipart on: large packs go up in parts, streamed from disk.
        try {
            await(s3.putObject(b -> b.bucket(bucket).key(objectKey(key)), AsyncRequestBody.fromFile(source)));
        } catch (S3Exception e) {
            throw unavailable("upload", key, e);
        }
    }

    @Override
    public void copy(String from, String to) throws IOException {
        // Server-side: the bytes never pass through this instance (the multipart client
        // copies objects over 5 GB in parts).
        try {
            await(s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(objectKey(from))
                    .destinationBucket(bucket).destinationKey(objectKey(to))));
        } catch (NoSuchKeyException e) {
            throw new java.nio.file.NoSuchFileException(from);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new java.nio.file.NoSuchFileException(from);
            }
            throw unavailable("copy", to, e);
        }
    }

    @Override
    public void download(String key, Path target) throws IOException {
        Path tmp = target.resolveSibling(".download-" + UUID.randomUUID());
        try {
            await(s3.getObject(b -> b.bucket(bucket).key(objectKey(key)), AsyncResponseTransformer.toFile(tmp)));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchKeyException e) {
            throw new java.nio.file.NoSuchFileException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new java.nio.file.NoSuchFileException(key);
            }
            throw unavailable("download", key, e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public java.util.OptionalLong size(String key) throws IOException {
        try {
            return java.util.OptionalLong.of(await(s3.headObject(b -> b.bucket(bucket).key(objectKey(key))))
                    .contentLength());
        } catch (NoSuchKeyException e) {
            return java.util.OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return java.util.OptionalLong.empty();
            }
            throw unavailable("check", key, e);
        }
    }

    @Override
    public java.util.Optional<Presigner> presigner() {
        if (presigner == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Presigner() {
            @Override
            public java.net.URI download(String key, java.time.Duration ttl) {
                StoreKeys.check(key);
                return java.net.URI.create(presigner.presignGetObject(r -> r.signatureDuration(ttl)
                        .getObjectRequest(g -> g.bucket(bucket).key(objectKey(key)))).url().toString());
            }

            @Override
            public Upload upload(String key, long size, String sha256Hex, java.time.Duration ttl) {
                StoreKeys.check(key);
                String checksum = java.util.Base64.getEncoder().encodeToString(
                        java.util.HexFormat.of().parseHex(sha256Hex));
                var signed = presigner.presignPutObject(r -> r.signatureDuration(ttl).putObjectRequest(p -> p
                        .bucket(bucket).key(objectKey(key)).contentLength(size).checksumSHA256(checksum)));
                java.util.Map<String, String> headers = new java.util.TreeMap<>();
                signed.signedHeaders().forEach((name, values) -> {
                    if (!name.equalsIgnoreCase("host")) {
                        headers.put(name, String.join(",", values));
                    }
                });
                return new Upload(java.net.URI.create(signed.url().toString()), headers);
            }
        });
    }

    @Override
    public boolean exists(String key) throws IOException {
        try {
            await(s3.headObject(b -> b.bucket(bucket).key(objectKey(key))));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw unavailable("check", key, e);
        }
    }

    @Override
    public List<String> list(String keyPrefix) throws IOException {
        List<String> keys = new ArrayList<>();
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + keyPrefix).build();
        try {
            await(s3.listObjectsV2Paginator(request).subscribe(page -> page.contents()
                    .forEach(o -> keys.add(o.key().substring(prefix.length())))));
        } catch (S3Exception e) {
            throw unavailable("list", keyPrefix, e);
        }
        return keys;
    }

    @Override
    public long bytesUnder(String keyPrefix) throws IOException {
        java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
        ListObjectsV2Request request = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix + keyPrefix).build();
        try {
            await(s3.listObjectsV2Paginator(request).subscribe(page -> page.contents()
                    .forEach(o -> total.addAndGet(o.size() == null ? 0 : o.size()))));
        } catch (S3Exception e) {
            throw unavailable("list", keyPrefix, e);
        }
        return total.get();
    }

    @Override
    public void delete(String key) throws IOException {
        try {
            await(s3.deleteObject(b -> b.bucket(bucket).key(objectKey(key))));
        } catch (S3Exception e) {
            throw unavailable("delete", key, e);
        }
    }

    /**
     * Waits for an S3 call. S3's answers are rethrown as they are, for the caller
     * to tell "missing" or "changed" from failure (the SDK has already retried
     * throttling and 5xx with backoff); transport failures and timeouts become
     * {@link StorageUnavailableException}.
     */
    private static <T> T await(CompletableFuture<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for S3");
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof S3Exception s3e) {
                throw s3e;
            }
            throw new StorageUnavailableException("S3 unreachable: " + cause.getMessage(), cause);
        }
    }

    private static StorageUnavailableException unavailable(String action, String key, S3Exception e) {
        String code = e.awsErrorDetails() == null ? "" : " " + e.awsErrorDetails().errorCode();
        return new StorageUnavailableException("cannot " + action + " " + key + ": S3 answered " + e.statusCode() + code, e);
    }

    @Override
    public void close() {
        s3.close();
        if (presigner != null) {
            presigner.close();
        }
    }

    private static String quote(String etag) {
        return "\"" + etag + "\"";
    }

    private static String unquote(String etag) {
        if (etag != null && etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")) {
            return etag.substring(1, etag.length() - 1);
        }
        return etag;
    }
}
