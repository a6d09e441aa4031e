package dev.gitfn.protocol;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;

/**
 * A worker's writes to a Vert.x connection (an HTTP response, the tunnel, git://) kept in
 * step with that connection. Vert.x hands a worker's writes to the connection's event loop
 * as tasks, and learns that the socket is full only when it runs them; a writer as fast as
 * JGit reusing a stored pack queues megabytes of buffers before that (measured over HTTP:
 * 7 MB for each of 24 clients that stopped reading, 168 MB of direct memory in all,
 * whatever the pack slots). So every {@link #PACE} bytes the writer waits until the event
 * loop has taken what it wrote; the stream below then sees the connection as it is and
 * waits for it to drain. What one connection holds in memory is then about {@code PACE}
 * plus Netty's 64 KB high-water mark.
 */
public final class PacedOutput extends FilterOutputStream {
    static final int PACE = 256 * 1024;
    /** Past this the event loop is stuck, not busy: the response is abandoned. */
    private static final long MAX_WAIT_SECONDS = 120;

    private final Context eventLoop;
    private int sinceCaughtUp;

    private PacedOutput(OutputStream out, Context eventLoop) {
        super(out);
        this.eventLoop = eventLoop;
    }

    /** {@code out}, paced by {@code eventLoop}, the context of the connection it writes to (none: as it is). */
    public static OutputStream of(Context eventLoop, OutputStream out) {
        return eventLoop == null ? out : new PacedOutput(out, eventLoop);
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        paced(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        paced(len);
    }

    private void paced(int written) throws IOException {
        sinceCaughtUp += written;
        if (sinceCaughtUp < PACE || Context.isOnEventLoopThread()) {
            return;
        }
        sinceCaughtUp = 0;
        // Tasks for one event loop run in order: when this one runs, every write before it has.
        CountDownLatch caughtUp = new CountDownLatch(1);
        eventLoop.runOnContext(v -> caughtUp.countDown());
        try {
            if (!caughtUp.await(MAX_WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("the connection's event loop took over " + MAX_WAIT_SECONDS + " s to take a write");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing a response");
        }
    }
}
