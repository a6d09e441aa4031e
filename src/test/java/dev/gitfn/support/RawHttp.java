package dev.gitfn.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 written by hand on a socket, for what HTTP client libraries refuse to
 * send (a forged {@code Host}, a browser's WebSocket handshake with its
 * {@code Origin}): one request, then the status line and headers of the answer.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** The answer's status line and headers, e.g. {@code HTTP/1.1 403 Forbidden\r\n...}. */
    public record Head(int status, String text) {
    }

    /** Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and {@code body}. */
    public static Head send(URI server, String head, byte[] body) throws IOException {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n" + (body.length > 0 ? "Content-Length: " + body.length + "\r\n" : "")
                    + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                answer.write(b);
                String text = answer.toString(StandardCharsets.ISO_8859_1);
                if (text.endsWith("\r\n\r\n")) {
                    break;
                }
            }
            String text = answer.toString(StandardCharsets.ISO_8859_1);
            if (!text.startsWith("HTTP/1.1 ")) {
                throw new IOException("no HTTP answer: " + text);
            }
            return new Head(Integer.parseInt(text.substring(9, 12)), text);
        }
    }

    /** A browser's WebSocket handshake for {@code path}, with the given {@code Host} and {@code Origin}. */
    public static Head upgrade(URI server, String path, String host, String origin) throws IOException {
        return send(server, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
                + (origin == null ? "" : "\r\nOrigin: " + origin), new byte[0]);
    }
}
