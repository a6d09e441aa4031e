package dev.gitfn.cache;

/**
 * Who makes a ref update, as the history records it: the user (null when authentication is
 * off), the id of the token it presented (null for other credentials), and the transport
 * ({@code http}, {@code tunnel}, {@code ssh}, {@code api}).
 */
public record Pusher(String who, String tokenId, String transport) {
    public Pusher {
        if (transport == null || !transport.matches("[a-z]{1,16}")) {
            throw new IllegalArgumentException("a transport is a short lower-case word");
        }
    }

    /** A push whose author is not known (tests that drive a session directly). */
    public static final Pusher UNKNOWN = new Pusher(null, null, "unknown");
}
