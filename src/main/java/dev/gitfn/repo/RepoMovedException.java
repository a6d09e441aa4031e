package dev.gitfn.repo;

/**
 * The repository was renamed: its old name answers with the new one (a redirect over
 * HTTP) until gitfn.repos.rename-redirect has passed. {@code settled} is false while the
 * rename is still under way (the old name serves reads, refuses writes).
 */
public class RepoMovedException extends RepoNotFoundException {
    private final RepoName from;
    private final RepoName to;
    private final boolean settled;

    public RepoMovedException(RepoName from, RepoName to, boolean settled) {
        super(from, (settled ? "repository " + from + " was renamed to " : "repository " + from + " is being renamed to ")
                + to);
        this.from = from;
        this.to = to;
        this.settled = settled;
    }

    public RepoName from() {
        return from;
    }

    public RepoName to() {
        return to;
    }

    public boolean settled() {
        return settled;
    }
}
