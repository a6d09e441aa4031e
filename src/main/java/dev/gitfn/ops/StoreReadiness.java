package dev.gitfn.ops;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import dev.gitfn.storage.BlobStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;

/**
 * Ready only while the store answers: a conditional read of a key that need not
 * exist (missing is an answer too), asynchronous, bounded by a timeout so a
 * stalled store makes the instance unready instead of hanging the probe.
 */
@Readiness
@ApplicationScoped
public class StoreReadiness implements AsyncHealthCheck {
    static final String PROBE_KEY = ".gitfn/readiness-probe";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final BlobStore store;

    StoreReadiness(BlobStore store) {
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return Uni.createFrom().completionStage(() -> store.getIfChangedAsync(PROBE_KEY, null))
                .ifNoItem().after(TIMEOUT).fail()
                .map(read -> HealthCheckResponse.up("store"))
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("store").down()
                        .withData("error", String.valueOf(e.getMessage())).build());
    }
}
