package dev.gitfn.admission;

import dev.gitfn.auth.Principal;
import dev.gitfn.auth.RepoAccess;
import dev.gitfn.repo.RepoName;

/** A request that passed admission: which repository, for whom, under which rules (protected refs). */
public record Admitted(RepoName name, Principal who, RepoAccess rules) {
}
