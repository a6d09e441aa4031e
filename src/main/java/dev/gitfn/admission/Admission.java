package dev.gitfn.admission;

import jakarta.enterprise.context.ApplicationScoped;

import dev.gitfn.auth.AccessControl;
import dev.gitfn.auth.Permission;
import dev.gitfn.auth.Principal;
import dev.gitfn.cache.RepoName;
import dev.gitfn.config.GitfnConfig;
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
    private final BrowserChecks browsers;

    public Admission(AccessControl access, GitfnConfig config) {
        this.access = access;
        this.browsers = new BrowserChecks(config.http());
    }

    /**
     * Admits a request to read or push to the repository at {@code repoPath} (a trailing
     * {@code .git} is optional). Pushes and every tunnel count as state-changing for the
     * cross-site check (a tunnel can push).
     */
    public Uni<Admitted> admit(Transport transport, Client client, String authorization, String repoPath,
            Permission permission) {
        boolean stateChanging = permission == Permission.WRITE || transport == Transport.TUNNEL;
        return Uni.createFrom().item(() -> {
            browsers.check(client, access.enabled(), stateChanging);
            return RepoName.parse(repoPath);
        })
                .flatMap(name -> access.authorize(authorization, name, permission)
                        .flatMap(who -> access.rules(name).map(rules -> new Admitted(name, who, rules))))
                .onFailure().transform(this::typed);
    }

    /** Admits a request to the admin API; {@code stateChanging} for anything but GET and HEAD. */
    public Uni<Principal> admitAdmin(Transport transport, Client client, String authorization,
            boolean stateChanging) {
        return Uni.createFrom().voidItem().invoke(() -> browsers.check(client, access.enabled(), stateChanging))
                .flatMap(ok -> access.requireAdmin(authorization)).onFailure().transform(this::typed);
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
