package dev.gitfn.repo;

/** A repository name that breaks the rule in {@link RepoName}. */
public class InvalidRepoNameException extends IllegalArgumentException {
    public InvalidRepoNameException(String message) {
        super(message);
    }
}
