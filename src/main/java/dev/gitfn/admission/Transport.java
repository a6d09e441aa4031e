package dev.gitfn.admission;

/** How a request reached gitfn; each transport turns a {@link Refusal} into its own wire form. */
public enum Transport {
    /** git's smart HTTP protocol and the dumb-HTTP files gitfn serves itself. */
    HTTP,
    /** git's protocol over a WebSocket ({@code git-remote-ws}). */
    TUNNEL,
    /** The JSON API under {@code /api}. */
    API
}
