package dev.gitfn.repo;

/** A repository of that name already exists. */
public class RepoExistsException extends RuntimeException {
    public RepoExistsException(RepoName name) {
        super("repository already exists: " + name);
    }

    /** {@code name} differs from the existing {@code existing} only by case. */
    public RepoExistsException(RepoName name, String existing) {
        super("repository " + existing + " exists, and names that differ only by case are one repository: " + name);
    }
}
