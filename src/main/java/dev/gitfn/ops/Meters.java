package dev.gitfn.ops;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.gitfn.admission.Admission;
import dev.gitfn.cache.CacheCounters;
import dev.gitfn.cache.RepositoryCache;
import dev.gitfn.storage.S3Counters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;

/**
 * The {@code gitfn_*} meters. Most read counters the cache, the admission step
 * and the S3 clients keep; requests and bytes are counted here, by the HTTP
 * layer's call at the end of each request.
 */
@Singleton
public class Meters {
    private final MeterRegistry registry;

    Meters(MeterRegistry registry) {
        this.registry = registry;
    }

    void bind(@Observes StartupEvent event, RepositoryCache cache, Admission admission, S3Counters s3,
            dev.gitfn.publish.CdnInvalidation cdn) {
        CacheCounters c = cache.counters();
        counter("gitfn.cache.hits", "opens that found the local copy current", c.hits);
        counter("gitfn.cache.misses", "opens that brought the local copy in step with the store", c.misses);
        counter("gitfn.cache.evictions", "local copies deleted to stay under gitfn.cache.max-bytes", c.evictions);
        counter("gitfn.cas.retries", "ref-state compare-and-swaps lost to another writer and retried", c.casRetries);
        FunctionTimer.builder("gitfn.push.commit", c, k -> k.pushCommits.sum(), k -> k.pushCommitNanos.sum(),
                TimeUnit.NANOSECONDS).description("pushes committed to the store: first pack upload to the swap")
                .register(registry);
        FunctionCounter.builder("gitfn.auth.failures", admission, Admission::failedSignIns)
                .description("failed sign-ins (wrong, revoked or expired credentials)").register(registry);
        Gauge.builder("gitfn.packs.running", admission, Admission::packsRunning)
                .description("pack builds (upload-pack) running now").register(registry);
        Gauge.builder("gitfn.packs.waiting", admission, Admission::packsWaiting)
                .description("pack builds waiting for a slot (gitfn.limits.max-concurrent-packs)").register(registry);
        FunctionCounter.builder("gitfn.cdn.invalidations", cdn, dev.gitfn.publish.CdnInvalidation::requested)
                .description("CDN invalidations requested for withdrawn repositories").register(registry);
        FunctionCounter.builder("gitfn.cdn.invalidation.failures", cdn, dev.gitfn.publish.CdnInvalidation::failed)
                .description("CDN invalidations that failed after their retries").register(registry);
        for (String op : S3Counters.OPERATIONS) {
            FunctionCounter.builder("gitfn.s3.requests", s3, k -> k.requests(op)).tag("operation", op)
                    .description("S3 HTTP requests, retries included").register(registry);
            FunctionCounter.builder("gitfn.s3.errors", s3, k -> k.errors(op)).tag("operation", op)
                    .description("S3 calls that failed after their retries").register(registry);
        }
    }

    private void counter(String name, String description, LongAdder adder) {
        FunctionCounter.builder(name, adder, LongAdder::sum).description(description)
                .register(registry);
    }

    /**
     * One finished HTTP request: {@code service} is what it asked for (see the
     * README's metrics table), {@code status} its response status.
     */
    public void request(String service, int status, long bytesReceived, long bytesSent) {
        String outcome = status < 400 ? "ok" : status < 500 ? "refused" : "error";
        Counter.builder("gitfn.requests").description("HTTP requests by service and outcome")
                .tag("service", service).tag("outcome", outcome).register(registry).increment();
        Counter.builder("gitfn.received.bytes").description("request body bytes received").baseUnit("bytes")
                .tag("service", service).register(registry).increment(bytesReceived);
        Counter.builder("gitfn.sent.bytes").description("response bytes sent").baseUnit("bytes")
                .tag("service", service).register(registry).increment(bytesSent);
    }
}
