package dev.gitfn.auth;

/**
 * What a client presented to say who it is, in the form its transport carries: an HTTP
 * {@code Authorization} header (smart HTTP, the tunnel, the API), or an SSH public key whose
 * signature the SSH layer has already verified, or nothing (git://, anonymous requests).
 */
public sealed interface Credentials {
    Credentials NONE = new Header(null);

    /** An HTTP {@code Authorization} value (Basic or Bearer), or null for none. */
    record Header(String authorization) implements Credentials {
    }

    /** A public key the client proved it holds (the transport checked the signature). */
    record SshKey(SshPublicKey key) implements Credentials {
    }

    static Credentials header(String authorization) {
        return new Header(authorization);
    }

    /** Whether anything was presented at all (a failed check then counts as a failed sign-in). */
    default boolean presented() {
        return !(this instanceof Header h) || h.authorization() != null && !h.authorization().isBlank();
    }
}
