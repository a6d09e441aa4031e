package dev.gitfn.tunnel;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * The server's half of the tunnel as a blocking stream for JGit: each write
 * becomes one binary message, and a writer that gets ahead of a slow client
 * waits until the socket drains, so a pack is never queued whole in memory.
 * Wrap it in a buffered stream: JGit writes pkt-lines piece by piece.
 */
final class WebSocketOutputStream extends OutputStream {
    private final ServerWebSocket ws;
    private final Context context;
    private final long idleNanos;
    private final Object drained = new Object();
    private boolean closed;

    WebSocketOutputStream(ServerWebSocket ws, Context context, long idleNanos) {
        this.ws = ws;
        this.context = context;
        this.idleNanos = idleNanos;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed || ws.isClosed()) {
            throw new TunnelClosedException(CloseCodes.GOING_AWAY, "the client closed the tunnel");
        }
        if (len == 0) {
            return;
        }
        ws.writeBinaryMessage(Buffer.buffer().appendBytes(b, off, len));
        awaitDrain();
    }

    /** Blocks while the socket's write queue is over its high-water mark. */
    private void awaitDrain() throws IOException {
        if (!ws.writeQueueFull()) {
            return;
        }
        synchronized (drained) {
            context.runOnContext(v -> {
                if (ws.writeQueueFull()) {
                    ws.drainHandler(x -> notifyDrained());
                } else {
                    notifyDrained();
                }
            });
            long deadline = System.nanoTime() + idleNanos;
            while (ws.writeQueueFull() && !ws.isClosed()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TunnelClosedException(CloseCodes.POLICY, "idle timeout: the client read nothing for "
                            + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (gitfn.tunnel.idle-timeout)");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TunnelClosedException(CloseCodes.GOING_AWAY, "interrupted");
                }
            }
        }
        if (ws.isClosed()) {
            throw new TunnelClosedException(CloseCodes.GOING_AWAY, "the client closed the tunnel");
        }
    }

    /** Wakes a writer waiting for the socket to drain (also called when the socket closes). */
    void notifyDrained() {
        synchronized (drained) {
            drained.notifyAll();
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
