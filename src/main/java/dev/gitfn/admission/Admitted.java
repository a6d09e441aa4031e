package dev.gitfn.admission;

import java.util.Locale;

import dev.gitfn.auth.Principal;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.cache.Pusher;
import dev.gitfn.repo.RepoName;

/** A request that passed admission: which repository, for whom, under which rules (protected refs). */
public record Admitted(RepoName name, Principal who, RepoAccess rules) {

    /** Who a push over {@code transport} is, as the repository's history records it. */
    public Pusher pusher(Transport transport) {
        return new Pusher(who.name(), who.tokenId(), transport.name().toLowerCase(Locale.ROOT));
    }
}
