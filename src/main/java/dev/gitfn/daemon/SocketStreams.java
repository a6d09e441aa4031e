package dev.gitfn.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * A Vert.x socket as the blocking streams JGit wants, with flow control both ways: the
 * socket stays paused and is asked for a few buffers at a time, and a writer ahead of a
 * slow reader waits for the socket to drain, so nothing is queued without bound. Either
 * side idle for {@code idleNanos} ends the conversation.
 */
final class SocketStreams {
    private static final int WINDOW = 4;
    private static final Object END = new Object();

    private final NetSocket socket;
    private final Context context;
    private final long idleNanos;
    private final LinkedBlockingQueue<Object> incoming = new LinkedBlockingQueue<>();
    private final Object drained = new Object();
    private volatile boolean closed;

    SocketStreams(NetSocket socket, Context context, long idleNanos) {
        this.socket = socket;
        this.context = context;
        this.idleNanos = idleNanos;
    }

    /**
     * On the event loop: wires the paused socket to the streams; {@code first} is what was
     * read already, {@code onClose} runs when the socket closes (it replaces the close handler).
     */
    void start(Buffer first, Runnable onClose) {
        if (first.length() > 0) {
            incoming.add(first);
        }
        socket.handler(incoming::add);
        socket.endHandler(v -> incoming.add(END));
        socket.exceptionHandler(incoming::add);
        socket.closeHandler(v -> {
            onClose.run();
            closed = true;
            incoming.add(END);
            synchronized (drained) {
                drained.notifyAll();
            }
        });
        socket.fetch(WINDOW);
    }

    final InputStream in = new InputStream() {
        private Buffer current;
        private int position;
        private boolean ended;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (current == null) {
                if (ended) {
                    return -1;
                }
                Object next;
                try {
                    next = incoming.poll(idleNanos, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted");
                }
                if (next == null) {
                    throw new IOException("idle timeout: the client sent nothing for "
                            + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (gitfn.daemon.idle-timeout)");
                }
                if (next instanceof Throwable t) {
                    throw new IOException("connection lost: " + t.getMessage(), t);
                }
                if (next == END) {
                    ended = true;
                    return -1;
                }
                current = (Buffer) next;
                position = 0;
            }
            int n = Math.min(len, current.length() - position);
            current.getBytes(position, position + n, b, off);
            position += n;
            if (position == current.length()) {
                current = null;
                context.runOnContext(v -> socket.fetch(1));
            }
            return n;
        }
    };

    final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the client closed the connection");
            }
            if (len == 0) {
                return;
            }
            socket.write(Buffer.buffer().appendBytes(b, off, len));
            if (!socket.writeQueueFull()) {
                return;
            }
            synchronized (drained) {
                context.runOnContext(v -> {
                    if (socket.writeQueueFull()) {
                        socket.drainHandler(x -> {
                            synchronized (drained) {
                                drained.notifyAll();
                            }
                        });
                    } else {
                        synchronized (drained) {
                            drained.notifyAll();
                        }
                    }
                });
                long deadline = System.nanoTime() + idleNanos;
                while (socket.writeQueueFull() && !closed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new IOException("idle timeout: the client read nothing for "
                                + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s (gitfn.daemon.idle-timeout)");
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(drained, left);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted");
                    }
                }
            }
            if (closed) {
                throw new IOException("the client closed the connection");
            }
        }
    };
}
