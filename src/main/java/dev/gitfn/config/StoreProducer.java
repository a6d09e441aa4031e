package dev.gitfn.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.FsBlobStore;
import dev.gitfn.storage.S3BlobStore;
import dev.gitfn.storage.S3Counters;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;

/** Chooses the store backend from {@code gitfn.storage}. */
public class StoreProducer {
    private static final Logger LOG = Logger.getLogger(StoreProducer.class);
    private static final long MULTIPART_THRESHOLD = 16L * 1024 * 1024;
    private static final long PART_SIZE = 8L * 1024 * 1024;

    /** One count of S3 requests for every client gitfn makes (store and published area). */
    @Produces
    @jakarta.inject.Singleton
    S3Counters s3Counters() {
        return new S3Counters();
    }

    @Produces
    @ApplicationScoped
    BlobStore store(GitfnConfig config, S3Counters counters) {
        return switch (config.storage()) {
            case "fs" -> {
                LOG.infof("store: folder %s", config.fs().root().toAbsolutePath());
                yield new FsBlobStore(config.fs().root());
            }
            case "s3" -> {
                GitfnConfig.S3 s3 = config.s3();
                String bucket = s3.bucket().orElseThrow(
                        () -> new IllegalArgumentException("gitfn.storage=s3 needs gitfn.s3.bucket"));
                LOG.infof("store: s3 bucket %s prefix '%s' at %s", bucket, s3.prefix().orElse(""),
                        s3.endpoint().map(Object::toString).orElse("AWS " + s3.region()));
                yield new S3BlobStore(s3Client(s3, counters), bucket, s3.prefix().orElse(""), presigner(s3));
            }
            default -> throw new IllegalArgumentException(
                    "gitfn.storage=" + config.storage() + " is not supported; use 'fs' or 's3'");
        };
    }

    /**
     * An S3 client as gitfn configures it (the published area uses one too), counted
     * in {@code counters}. Checksums only where S3 requires them and no aws-chunked
     * uploads: with the SDK's defaults Ceph RGW refuses uploads or stores them
     * aws-chunked, which dumb-HTTP clients then cannot read.
     */
    public static S3AsyncClient s3Client(GitfnConfig.S3 s3, S3Counters counters) {
        S3AsyncClientBuilder builder = S3AsyncClient.builder()
                .region(Region.of(s3.region()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .forcePathStyle(s3.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(S3Configuration.builder().chunkedEncodingEnabled(false).build())
                .multipartEnabled(true)
                .multipartConfiguration(m -> m.thresholdInBytes(MULTIPART_THRESHOLD)
                        .minimumPartSizeInBytes(PART_SIZE))
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(s3.attemptTimeout())
                        .addMetricPublisher(counters)
                        .retryStrategy(b -> b.maxAttempts(s3.maxAttempts())));
        s3.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Presigned URLs for the store bucket (Git LFS hands them to clients), signed like the client's requests. */
    static software.amazon.awssdk.services.s3.presigner.S3Presigner presigner(GitfnConfig.S3 s3) {
        var builder = software.amazon.awssdk.services.s3.presigner.S3Presigner.builder()
                .region(Region.of(s3.region()))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(s3.pathStyle())
                        .chunkedEncodingEnabled(false).build());
        s3.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    void close(@Disposes BlobStore store) throws Exception {
        if (store instanceof AutoCloseable closeable) {
            closeable.close();
        }
    }
}
