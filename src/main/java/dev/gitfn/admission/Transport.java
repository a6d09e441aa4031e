package dev.gitfn.admission;

/** How a request reached gitfn; each transport turns a {@link Refusal} into its own wire form. */
public enum Transport {
    /** git's smart HTTP protocol and the dumb-HTTP files gitfn serves itself. */
    HTTP(true),
    /** git's protocol over a WebSocket ({@code git-remote-ws}). */
    TUNNEL(true),
    /** The JSON API under {@code /api}. */
    API(true),
    /** The read-only web view's pages. */
    WEB(true),
    /** git over SSH ({@code git-upload-pack} / {@code git-receive-pack} as the exec command). */
    SSH(false),
    /** git's own daemon protocol ({@code git://}): anonymous and read-only. */
    DAEMON(false);

    private final boolean browserReachable;

    Transport(boolean browserReachable) {
        this.browserReachable = browserReachable;
    }

    /**
     * Whether a web page can make a browser send this request (so Origin and Host are
     * checked); a browser cannot open SSH or git:// connections.
     */
    public boolean browserReachable() {
        return browserReachable;
    }
}
