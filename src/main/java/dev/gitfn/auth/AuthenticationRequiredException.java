package dev.gitfn.auth;

/**
 * No credentials, or credentials that are wrong: HTTP 401, so git asks for (other) credentials.
 * The message is what the client hears; {@link #reason} what the log and the audit record
 * (an expired token is answered as a wrong one, and logged as expired).
 */
public class AuthenticationRequiredException extends RuntimeException {
    private final String reason;

    public AuthenticationRequiredException(String message) {
        this(message, message);
    }

    public AuthenticationRequiredException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
