package dev.gitfn.auth;

/** What a request wants to do to a repository. */
public enum Permission {
    /** clone, fetch, ls-remote, dumb-HTTP reads */
    READ,
    /** push */
    WRITE
}
