package dev.gitfn.tunnel;

/** WebSocket close codes (RFC 6455, section 7.4.1) as the tunnel uses them; the helper prints the reason. */
final class CloseCodes {
    /** The service finished. */
    static final short NORMAL = 1000;
    /** The server is shutting down. */
    static final short GOING_AWAY = 1001;
    /** Not the protocol: text where binary belongs, and the like. */
    static final short PROTOCOL_ERROR = 1002;
    /** A timeout or time limit. */
    static final short POLICY = 1008;
    /** A push larger than the configured limit. */
    static final short TOO_BIG = 1009;
    /** The server failed. */
    static final short INTERNAL_ERROR = 1011;

    private CloseCodes() {
    }
}
