package dev.gitfn.tunnel.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.SplittableRandom;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The client side of RFC 6455 on a plain (or TLS) socket: the opening
 * handshake, masked frames out, frames in. Hand-written rather than the JDK's
 * {@code java.net.http} client because that client costs about half a second
 * of start-up, paid by every fetch and push; this costs a few milliseconds.
 * Blocking reads and writes give flow control for free.
 */
final class WebSocketClient implements Closeable {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    /** Larger frames from the server are refused; gitfn sends at most 64 KiB. */
    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Masking keys: seeded from the OS's entropy, cheap per frame (SecureRandom's set-up alone costs ~20 ms). */
    private final SplittableRandom masks;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** An answer other than 101 to the opening handshake. */
    static final class Refused extends IOException {
        final int status;

        Refused(int status, String body) {
            super("HTTP " + status + (body.isBlank() ? "" : ": " + body.trim()));
            this.status = status;
        }
    }

    /** One frame as received. */
    record Frame(int opcode, byte[] payload) {
    }

    private WebSocketClient(Socket socket, long seed) throws IOException {
        this.socket = socket;
        this.masks = new SplittableRandom(seed);
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
    }

    /** Opens the socket and performs the handshake; {@code tls} is null for {@code ws://}. */
    static WebSocketClient connect(URI endpoint, String authorization, SSLSocketFactory tls, boolean verifyHost)
            throws IOException {
        String host = endpoint.getHost();
        int port = endpoint.getPort() > 0 ? endpoint.getPort() : (tls != null ? 443 : 80);
        Socket plain = new Socket();
        plain.setTcpNoDelay(true);
        plain.connect(new InetSocketAddress(host, port), 30_000);
        Socket socket = plain;
        if (tls != null) {
            SSLSocket ssl = (SSLSocket) tls.createSocket(plain, host, port, true);
            if (verifyHost) {
                SSLParameters params = ssl.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(params);
            }
            ssl.startHandshake();
            socket = ssl;
        }
        byte[] entropy = entropy(24);
        WebSocketClient client = new WebSocketClient(socket, ByteBuffer.wrap(entropy, 16, 8).getLong());
        try {
            client.handshake(Arrays.copyOf(entropy, 16), endpoint, host + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : ""),
                    authorization);
            return client;
        } catch (IOException e) {
            client.close();
            throw e;
        }
    }

    /** Random bytes from the OS: /dev/urandom where there is one, else SecureRandom. */
    private static byte[] entropy(int n) {
        try (FileInputStream urandom = new FileInputStream("/dev/urandom")) {
            byte[] bytes = urandom.readNBytes(n);
            if (bytes.length == n) {
                return bytes;
            }
        } catch (IOException e) {
            // not a Unix: fall through
        }
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private void handshake(byte[] nonce, URI endpoint, String hostHeader, String authorization) throws IOException {
        String key = Base64.getEncoder().encodeToString(nonce);
        StringBuilder request = new StringBuilder()
                .append("GET ").append(endpoint.getRawPath())
                .append(endpoint.getRawQuery() == null ? "" : "?" + endpoint.getRawQuery()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n")
                .append("Sec-WebSocket-Version: 13\r\n")
                .append("User-Agent: git-remote-ws (gitfn)\r\n");
        if (authorization != null) {
            request.append("Authorization: ").append(authorization).append("\r\n");
        }
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();

        String status = readHeaderLine();
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        String accept = null;
        int contentLength = 0;
        for (String line = readHeaderLine(); !line.isEmpty(); line = readHeaderLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("sec-websocket-accept")) {
                accept = value;
            } else if (name.equals("content-length")) {
                contentLength = Integer.parseInt(value);
            }
        }
        if (code != 101) {
            byte[] body = in.readNBytes(Math.min(contentLength, 4096));
            throw new Refused(code, new String(body, StandardCharsets.UTF_8));
        }
        if (!expectedAccept(key).equals(accept)) {
            throw new IOException("the server did not accept the WebSocket handshake");
        }
    }

    private static String expectedAccept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String readHeaderLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed the connection during the handshake");
            }
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.write(c);
            }
            if (line.size() > 16 * 1024) {
                throw new IOException("handshake header line too long");
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** Sends one final frame; client frames are masked, as RFC 6455 requires. */
    synchronized void send(int opcode, byte[] data, int off, int len) throws IOException {
        byte[] header = new byte[14];
        int h = 0;
        header[h++] = (byte) (0x80 | opcode);
        if (len < 126) {
            header[h++] = (byte) (0x80 | len);
        } else if (len < 65536) {
            header[h++] = (byte) (0x80 | 126);
            header[h++] = (byte) (len >>> 8);
            header[h++] = (byte) len;
        } else {
            header[h++] = (byte) (0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                header[h++] = (byte) ((long) len >>> shift);
            }
        }
        int maskBits = masks.nextInt();
        byte[] mask = {(byte) (maskBits >>> 24), (byte) (maskBits >>> 16), (byte) (maskBits >>> 8), (byte) maskBits};
        System.arraycopy(mask, 0, header, h, 4);
        h += 4;
        byte[] masked = new byte[h + len];
        System.arraycopy(header, 0, masked, 0, h);
        for (int i = 0; i < len; i++) {
            masked[h + i] = (byte) (data[off + i] ^ mask[i & 3]);
        }
        out.write(masked);
        out.flush();
    }

    /** Reads the next frame (fragments are delivered as they come: the bytes are a stream anyway). */
    Frame read() throws IOException {
        int b0 = in.read();
        int b1 = in.read();
        if (b0 < 0 || b1 < 0) {
            throw new EOFException("the connection closed without a close frame");
        }
        long len = b1 & 0x7f;
        if (len == 126) {
            len = (readByte() << 8) | readByte();
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++) {
                len = (len << 8) | readByte();
            }
        }
        if (len > MAX_FRAME || len < 0) {
            throw new IOException("frame of " + len + " bytes is larger than " + MAX_FRAME);
        }
        byte[] mask = null;
        if ((b1 & 0x80) != 0) {
            mask = in.readNBytes(4);
        }
        byte[] payload = in.readNBytes((int) len);
        if (payload.length != len) {
            throw new EOFException("the connection closed inside a frame");
        }
        if (mask != null) {
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
        }
        int opcode = b0 & 0x0f;
        return new Frame(opcode == 0 ? BINARY : opcode, payload);
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the connection closed inside a frame header");
        }
        return b;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
