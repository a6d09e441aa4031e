package dev.gitfn.auth;

/** No credentials, or credentials that are wrong: HTTP 401, so git asks for (other) credentials. */
public class AuthenticationRequiredException extends RuntimeException {
    public AuthenticationRequiredException(String message) {
        super(message);
    }
}
