package dev.gitfn.admission;

import jakarta.enterprise.context.ApplicationScoped;

import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Permission;
import dev.gitfn.auth.Principal;
import dev.gitfn.cache.RepoName;
import io.smallrye.mutiny.Uni;

/**
 * The one entry step of every transport: from what arrives before any body
 * (transport, client, credentials, repository path, wanted permission) to an
 * {@link Admitted} request or a {@link Refusal}. It runs without holding a
 * thread (store reads are asynchronous), so refused and anonymous load costs
 * event-loop time only; only admitted requests reach the blocking git work.
 */
@ApplicationScoped
public class Admission {
    private final AccessControl access;

    public Admission(AccessControl access) {
        this.access = access;
    }

    /** Admits a request to read or push to the repository at {@code repoPath} (a trailing {@code .git} is optional). */
    public Uni<Admitted> admit(Transport transport, Client client, String authorization, String repoPath,
            Permission permission) {
        return Uni.createFrom().item(() -> RepoName.parse(repoPath))
                .flatMap(name -> access.authorize(authorization, name, permission)
                        .flatMap(who -> access.rules(name).map(rules -> new Admitted(name, who, rules))))
                .onFailure().transform(this::typed);
    }

    /** Admits a request to the admin API. */
    public Uni<Principal> admitAdmin(Transport transport, Client client, String authorization) {
        return access.requireAdmin(authorization).onFailure().transform(this::typed);
    }

    /** Failures of the layers below as typed refusals; anything else stays what it is. */
    private Throwable typed(Throwable failure) {
        return Refusal.of(failure).<Throwable>map(r -> r.reason() == Refusal.Reason.UNAUTHENTICATED
                ? r.withChallenge(access.challenge()) : r).orElse(failure);
    }

    /** The {@code WWW-Authenticate} value for refusals raised outside this step. */
    public String challenge() {
        return access.challenge();
    }
}
