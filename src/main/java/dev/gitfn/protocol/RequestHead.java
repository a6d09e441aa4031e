package dev.gitfn.protocol;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Passes a request through unchanged while keeping its first bytes, to ask afterwards what it said. */
final class RequestHead extends FilterInputStream {
    private static final int KEEP = 64 * 1024;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();

    RequestHead(InputStream in) {
        super(in);
    }

    /** Whether the kept head of the request contains {@code text}. */
    boolean contains(String text) {
        return head.toString(StandardCharsets.ISO_8859_1).contains(text);
    }

    /** Whether the request read so far is exactly {@code text}. */
    boolean is(String text) {
        return head.size() == text.length() && head.toString(StandardCharsets.ISO_8859_1).equals(text);
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0 && head.size() < KEEP) {
            head.write(b);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0 && head.size() < KEEP) {
            head.write(b, off, Math.min(n, KEEP - head.size()));
        }
        return n;
    }
}
