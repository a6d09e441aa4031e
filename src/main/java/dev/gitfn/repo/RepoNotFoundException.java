package dev.gitfn.repo;

/** The store holds no repository of that name. */
public class RepoNotFoundException extends RuntimeException {
    public RepoNotFoundException(RepoName name) {
        super("repository not found: " + name);
    }

    protected RepoNotFoundException(RepoName name, String message) {
        super(message);
    }
}
