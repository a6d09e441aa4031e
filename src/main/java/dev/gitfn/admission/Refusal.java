package dev.gitfn.admission;

import java.util.Optional;

import dev.gitfn.auth.AccessDeniedException;
import dev.gitfn.auth.AuthenticationRequiredException;
import dev.gitfn.repo.InvalidRepoNameException;
import dev.gitfn.repo.RepoExistsException;
import dev.gitfn.repo.RepoMovedException;
import dev.gitfn.repo.RepoNotFoundException;
import dev.gitfn.storage.StorageUnavailableException;

/**
 * Why a request is turned away, typed, before it can change or cost anything.
 * {@link Reason} is the one refusal table: every transport takes its wire form
 * from here (an HTTP status for smart HTTP, the API and the tunnel's upgrade;
 * later an SSH exit status or a git:// {@code ERR} line with the same message).
 */
public final class Refusal extends RuntimeException {

    /**
     * The kinds of refusal and their wire forms: the HTTP status (smart HTTP, the API, the
     * tunnel's upgrade), the exit status of an SSH command (with the message on stderr as
     * {@code fatal: ...}), and the words of git daemon's {@code ERR} line, which, as
     * {@code git daemon} does without {@code --informative-errors}, never tell a missing
     * repository from one the client may not read.
     */
    public enum Reason {
        INVALID_REQUEST(400, 128, "invalid request"),
        /** No or wrong credentials: git asks for (other) credentials. */
        UNAUTHENTICATED(401, 128, "access denied or repository not exported"),
        FORBIDDEN(403, 128, "service not enabled"),
        /** Missing, or private and not readable by a signed-in user: the same answer. */
        NOT_FOUND(404, 128, "access denied or repository not exported"),
        CONFLICT(409, 128, "conflict"),
        LENGTH_REQUIRED(411, 128, "length required"),
        TOO_LARGE(413, 128, "request too large"),
        UNSUPPORTED_MEDIA_TYPE(415, 128, "unsupported media type"),
        TOO_MANY_REQUESTS(429, 128, "too many requests, try again later"),
        UNAVAILABLE(503, 128, "storage unavailable, try again shortly");

        private final int httpStatus;
        private final int sshExitStatus;
        private final String daemonError;

        Reason(int httpStatus, int sshExitStatus, String daemonError) {
            this.httpStatus = httpStatus;
            this.sshExitStatus = sshExitStatus;
            this.daemonError = daemonError;
        }

        public int httpStatus() {
            return httpStatus;
        }

        /** 128, git's own exit status when a command dies. */
        public int sshExitStatus() {
            return sshExitStatus;
        }

        /** What git daemon's {@code ERR <words>: <path>} line says. */
        public String daemonError() {
            return daemonError;
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
        if (failure instanceof RepoMovedException) {
            // Raised only after admission let the client read it: it may learn the new name.
            return Optional.of(new Refusal(Reason.NOT_FOUND, failure.getMessage()));
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
