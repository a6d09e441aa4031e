package dev.gitfn.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * The client's half of the tunnel as a blocking stream for JGit. The socket
 * stays paused and is asked for a few frames at a time, so a fast client
 * pushing to a busy server waits in TCP instead of in this server's memory
 * (at most {@link #WINDOW} frames are ever queued). An empty binary frame is
 * the client's end of stream, as closing stdin is for ssh.
 */
final class WebSocketInputStream extends InputStream {
    /** Frames asked for ahead of the reader: enough to keep the pipe full, few enough to bound memory. */
    static final int WINDOW = 4;
    private static final Buffer END = Buffer.buffer(0);

    private final ServerWebSocket ws;
    private final Context context;
    private final LinkedBlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final long idleNanos;
    private final long maxBytes;
    private Buffer current;
    private int position;
    private long total;
    private boolean ended;

    WebSocketInputStream(ServerWebSocket ws, Context context, long idleNanos, long maxBytes) {
        this.ws = ws;
        this.context = context;
        this.idleNanos = idleNanos;
        this.maxBytes = maxBytes;
    }

    /** Called on the event loop: wires the socket to this stream and asks for the first frames. */
    void start() {
        ws.pause();
        ws.handler(frame -> frames.add(frame.length() == 0 ? END : frame));
        ws.endHandler(v -> frames.add(END));
        ws.exceptionHandler(frames::add);
        ws.fetch(WINDOW);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length() - position);
        current.getBytes(position, position + n, b, off);
        position += n;
        if (position == current.length()) {
            current = null;
            context.runOnContext(v -> ws.fetch(1)); // this frame is consumed: one more may come
        }
        return n;
    }

    @Override
    public int available() {
        return current == null ? 0 : current.length() - position;
    }

    /** Makes {@link #current} a frame with unread bytes; false at the client's end of stream. */
    private boolean fill() throws IOException {
        while (current == null) {
            if (ended) {
                return false;
            }
            Object next;
            try {
                next = frames.poll(idleNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TunnelClosedException(CloseCodes.GOING_AWAY, "interrupted");
            }
            if (next == null) {
                throw new TunnelClosedException(CloseCodes.POLICY, "idle timeout: the client sent nothing for "
                        + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (gitfn.tunnel.idle-timeout)");
            }
            if (next instanceof Throwable t) {
                throw new TunnelClosedException(CloseCodes.GOING_AWAY, "connection lost: " + t.getMessage());
            }
            Buffer frame = (Buffer) next;
            if (frame == END) {
                ended = true;
                return false;
            }
            total += frame.length();
            if (total > maxBytes) {
                throw new TunnelClosedException(CloseCodes.TOO_BIG, "the client sent more than " + maxBytes
                        + " bytes (gitfn.limits.max-pack-size)");
            }
            current = frame;
            position = 0;
        }
        return true;
    }
}
