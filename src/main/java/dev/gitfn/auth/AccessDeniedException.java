package dev.gitfn.auth;

/** A known principal without the right it asked for: HTTP 403. */
public class AccessDeniedException extends RuntimeException {
    public AccessDeniedException(String message) {
        super(message);
    }
}
