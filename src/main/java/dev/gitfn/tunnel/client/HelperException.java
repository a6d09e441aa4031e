package dev.gitfn.tunnel.client;

/** A failure the helper reports to the user as git would: {@code fatal: <message>}, exit 128. */
final class HelperException extends Exception {
    /** Whether the message was already printed (by {@code git credential}, say). */
    final boolean reported;

    HelperException(String message) {
        this(message, false);
    }

    HelperException(String message, boolean reported) {
        super(message);
        this.reported = reported;
    }
}
