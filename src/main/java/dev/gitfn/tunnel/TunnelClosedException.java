package dev.gitfn.tunnel;

import java.io.IOException;

/** The tunnel ended under a transfer: the client left, timed out, or exceeded a limit. */
class TunnelClosedException extends IOException {
    private final short code;

    TunnelClosedException(short code, String message) {
        super(message);
        this.code = code;
    }

    /** The WebSocket close code to answer with. */
    short code() {
        return code;
    }
}
