package dev.gitfn.cache;

/** A repository of that name already exists. */
public class RepoExistsException extends RuntimeException {
    public RepoExistsException(RepoName name) {
        super("repository already exists: " + name);
    }
}
