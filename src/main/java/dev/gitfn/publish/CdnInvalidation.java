package dev.gitfn.publish;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.gitfn.config.GitfnConfig;
import dev.gitfn.repo.RepoName;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Tells the CDN in front of the published area to forget a withdrawn repository's files:
 * CloudFront's CreateInvalidation for {@code /<base path>/<repo>.git/*}, signed with SigV4 by
 * the same credentials as the store. Best effort and in the background: the withdrawal
 * itself (the published copy deleted) is already done, the CDN may serve cached files until
 * the invalidation completes (minutes on CloudFront), and a failed request is sent again
 * with backoff, then logged and counted.
 */
@ApplicationScoped
public class CdnInvalidation {
    private static final Logger LOG = Logger.getLogger(CdnInvalidation.class);
    private static final int ATTEMPTS = 6;
    /** What CloudFront answers a created invalidation with. */
    private static final Set<Integer> ACCEPTED = Set.of(200, 201);

    private final Optional<String> distribution;
    private final URI endpoint;
    private final Duration backoff;
    /** The path of {@code gitfn.publish.base-url} ({@code /git} for {@code https://cdn.example/git/}), or empty. */
    private final String basePath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicLong requested = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile DefaultCredentialsProvider credentials;

    public CdnInvalidation(GitfnConfig config) {
        GitfnConfig.Publish.Cdn cdn = config.publish().cdn();
        this.distribution = cdn.cloudfrontDistributionId().filter(id -> !id.isBlank());
        this.endpoint = cdn.endpoint();
        this.backoff = cdn.retryBackoff();
        this.basePath = config.publish().baseUrl().map(URI::getRawPath).orElse("").replaceAll("/+$", "");
    }

    /** Whether a CDN is configured to be told. */
    public boolean enabled() {
        return distribution.isPresent();
    }

    /** The CDN path pattern that covers {@code name}'s published files. */
    String pathOf(RepoName name) {
        return basePath + "/" + name.directory() + "/*";
    }

    /** Invalidations requested and failed for good, since start (for the metrics). */
    public long requested() {
        return requested.get();
    }

    public long failed() {
        return failed.get();
    }

    /**
     * Requests the invalidation of {@code name}'s files; the answer completes when CloudFront
     * accepted it (true) or every attempt failed (false). Callers need not wait.
     */
    public Uni<Boolean> invalidate(RepoName name) {
        if (distribution.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        String path = pathOf(name);
        requested.incrementAndGet();
        return Uni.createFrom().completionStage(() -> credentials().resolveIdentity())
                .onItem().transformToUni(identity -> Uni.createFrom()
                        .completionStage(() -> http.sendAsync(signed(identity, path),
                                HttpResponse.BodyHandlers.ofString())))
                .onItem().transform(response -> {
                    if (!ACCEPTED.contains(response.statusCode())) {
                        throw new IllegalStateException("CloudFront answered " + response.statusCode() + ": "
                                + response.body().substring(0, Math.min(300, response.body().length())));
                    }
                    return true;
                })
                .onFailure().retry().withBackOff(backoff, Duration.ofMinutes(1)).withJitter(0.25)
                .atMost(ATTEMPTS - 1)
                .invoke(() -> LOG.infof("CDN invalidation of %s requested (distribution %s)", path,
                        distribution.get()))
                .onFailure().recoverWithItem(e -> {
                    failed.incrementAndGet();
                    LOG.errorf(e, "CDN invalidation of %s failed %d times: cached copies of a withdrawn repository "
                            + "may be served until they expire; invalidate %s by hand", path, ATTEMPTS, path);
                    return false;
                });
    }

    private DefaultCredentialsProvider credentials() {
        if (credentials == null) {
            credentials = DefaultCredentialsProvider.builder().build();
        }
        return credentials;
    }

    /** CreateInvalidation (API version 2020-05-31) for {@code path}, signed for CloudFront (us-east-1). */
    private HttpRequest signed(AwsCredentialsIdentity identity, String path) {
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\">"
                + "<Paths><Quantity>1</Quantity><Items><Path>" + xml(path) + "</Path></Items></Paths>"
                + "<CallerReference>gitfn-" + UUID.randomUUID() + "</CallerReference>"
                + "</InvalidationBatch>").getBytes(StandardCharsets.UTF_8);
        URI uri = endpoint.resolve("/2020-05-31/distribution/" + distribution.get() + "/invalidation");
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", "text/xml").build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity).request(request)
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "cloudfront")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1"));
        HttpRequest.Builder out = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signed.request().headers().forEach((header, values) -> {
            if (!header.equalsIgnoreCase("Host") && !header.equalsIgnoreCase("Content-Length")) {
                values.forEach(value -> out.header(header, value)); // the JDK sets those two itself, alike
            }
        });
        return out.build();
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
