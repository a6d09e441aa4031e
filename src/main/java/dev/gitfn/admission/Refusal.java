package dev.gitfn.admission;

import java.util.Optional;

import dev.gitfn.auth.AccessDeniedException;
import dev.gitfn.auth.AuthenticationRequiredException;
import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoExistsException;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.storage.StorageUnavailableException;

/**
 * Why a request is turned away, typed, before it can change or cost anything.
 * {@link Reason} is the one refusal table: every transport takes its wire form
 * from here (an HTTP status for smart HTTP, the API and the tunnel's upgrade;
 * later an SSH exit status or a git:// {@code ERR} line with the same message).
 */
public final class Refusal extends RuntimeException {

    /** The kinds of refusal and their HTTP status. */
    public enum Reason {
        INVALID_REQUEST(400),
        /** No or wrong credentials: git asks for (other) credentials. */
        UNAUTHENTICATED(401),
        FORBIDDEN(403),
        /** Missing, or private and not readable by a signed-in user: the same answer. */
        NOT_FOUND(404),
        CONFLICT(409),
        LENGTH_REQUIRED(411),
        TOO_LARGE(413),
        UNSUPPORTED_MEDIA_TYPE(415),
        TOO_MANY_REQUESTS(429),
        UNAVAILABLE(503);

        private final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;
    private final int retryAfterSeconds;
    private final String challenge;

    public Refusal(Reason reason, String message) {
        this(reason, message, 0);
    }

    public Refusal(Reason reason, String message, int retryAfterSeconds) {
        this(reason, message, retryAfterSeconds, null);
    }

    private Refusal(Reason reason, String message, int retryAfterSeconds, String challenge) {
        super(message, null, false, false);
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
        this.challenge = challenge;
    }

    /** This refusal with the {@code WWW-Authenticate} value that makes git ask for credentials. */
    public Refusal withChallenge(String value) {
        return new Refusal(reason, getMessage(), retryAfterSeconds, value);
    }

    /** The {@code WWW-Authenticate} value of a 401, or null. */
    public String challenge() {
        return challenge;
    }

    public Reason reason() {
        return reason;
    }

    /** Seconds a client should wait before trying again (0: no {@code Retry-After}). */
    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /**
     * The refusal a failure of the layers below stands for, or empty when it is
     * not a refusal (a bug, to be logged and answered 500).
     */
    public static Optional<Refusal> of(Throwable failure) {
        if (failure instanceof Refusal r) {
            return Optional.of(r);
        }
        if (failure instanceof AuthenticationRequiredException) {
            return Optional.of(new Refusal(Reason.UNAUTHENTICATED, failure.getMessage()));
        }
        if (failure instanceof AccessDeniedException) {
            return Optional.of(new Refusal(Reason.FORBIDDEN, failure.getMessage()));
        }
        if (failure instanceof RepoNotFoundException) {
            return Optional.of(new Refusal(Reason.NOT_FOUND, "Repository not found"));
        }
        if (failure instanceof InvalidRepoNameException) {
            return Optional.of(new Refusal(Reason.INVALID_REQUEST, failure.getMessage()));
        }
        if (failure instanceof RepoExistsException) {
            return Optional.of(new Refusal(Reason.CONFLICT, failure.getMessage()));
        }
        if (failure instanceof StorageUnavailableException) {
            return Optional.of(new Refusal(Reason.UNAVAILABLE, "storage unavailable, try again shortly", 5));
        }
        return Optional.empty();
    }
}
