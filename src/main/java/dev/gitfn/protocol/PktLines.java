package dev.gitfn.protocol;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reading and writing single pkt-lines, for the few requests gitfn reads itself before JGit does. */
final class PktLines {
    private PktLines() {
    }

    /**
     * One packet as it arrived: its bytes, and its payload as text (without a final newline),
     * or null for a flush or delimiter.
     */
    record Packet(byte[] raw, String text) {
        boolean isFlush() {
            return raw.length == 4 && raw[3] == '0' && text == null;
        }

        boolean isDelimiter() {
            return raw.length == 4 && raw[3] == '1' && text == null;
        }
    }

    /** The next packet of {@code in}; an {@link EOFException} when the stream ends inside or before it. */
    static Packet read(InputStream in) throws IOException {
        byte[] length = in.readNBytes(4);
        if (length.length < 4) {
            throw new EOFException("request ended before its flush packet");
        }
        int len;
        try {
            len = Integer.parseInt(new String(length, StandardCharsets.US_ASCII), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad packet length in request");
        }
        if (len == 0 || len == 1) { // flush, delimiter: no payload (a request has no other short packet)
            return new Packet(length, null);
        }
        if (len < 4) {
            throw new IOException("bad packet length in request");
        }
        byte[] payload = in.readNBytes(len - 4);
        if (payload.length < len - 4) {
            throw new EOFException("request ended inside a packet");
        }
        byte[] raw = new byte[len];
        System.arraycopy(length, 0, raw, 0, 4);
        System.arraycopy(payload, 0, raw, 4, payload.length);
        String text = new String(payload, StandardCharsets.UTF_8);
        return new Packet(raw, text.endsWith("\n") ? text.substring(0, text.length() - 1) : text);
    }

    /** {@code line} as one pkt-line. */
    static byte[] of(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(String.format("%04x", bytes.length + 4).getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        return out.toByteArray();
    }
}
