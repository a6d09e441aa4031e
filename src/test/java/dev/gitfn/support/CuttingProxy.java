package dev.gitfn.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay that breaks the connection, as a network does: once more than
 * {@code cutAfter} bytes have gone one way, both sockets are reset. Lets a test
 * cut a push or a clone at a chosen point of its transfer.
 */
public final class CuttingProxy implements AutoCloseable {
    /** Which way the counted bytes flow. */
    public enum Direction { UPSTREAM, DOWNSTREAM }

    private final ServerSocket listener;
    private final AtomicLong counted = new AtomicLong();

    public CuttingProxy(int targetPort, Direction direction, long cutAfter) throws IOException {
        listener = new ServerSocket(0);
        Thread acceptor = new Thread(() -> {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket();
                    server.connect(new InetSocketAddress("127.0.0.1", targetPort));
                    relay(client, server, direction == Direction.UPSTREAM ? cutAfter : Long.MAX_VALUE);
                    relay(server, client, direction == Direction.DOWNSTREAM ? cutAfter : Long.MAX_VALUE);
                } catch (IOException closed) {
                    return;
                }
            }
        }, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Bytes relayed in the counted direction so far. */
    public long counted() {
        return counted.get();
    }

    private void relay(Socket from, Socket to, long cutAfter) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                long sent = 0;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    sent += n;
                    if (cutAfter != Long.MAX_VALUE) {
                        counted.addAndGet(n);
                    }
                    if (sent > cutAfter) {
                        reset(from);
                        reset(to);
                        return;
                    }
                }
                to.shutdownOutput();
            } catch (IOException e) {
                reset(from);
                reset(to);
            }
        }, "cutting-proxy-relay");
        t.setDaemon(true);
        t.start();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, not FIN: a broken connection, not a polite one
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
