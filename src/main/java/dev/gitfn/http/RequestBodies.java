package dev.gitfn.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Request-body decoding: git gzips large upload-pack requests. */
final class RequestBodies {
    private RequestBodies() {
    }

    /** The body as sent, or inflated when gzipped, never yielding more than {@code maxInflated} bytes. */
    static InputStream decode(InputStream body, String contentEncoding, long maxInflated) throws IOException {
        if (contentEncoding == null || contentEncoding.isBlank()
                || contentEncoding.trim().equalsIgnoreCase("identity")) {
            return body;
        }
        String encoding = contentEncoding.trim().toLowerCase(java.util.Locale.ROOT);
        if (encoding.equals("gzip") || encoding.equals("x-gzip")) {
            return new BoundedInputStream(new GZIPInputStream(body, 8192), maxInflated);
        }
        throw new UnsupportedContentEncodingException(contentEncoding);
    }

    /** Fails the read that would go past the limit, so a decompression bomb costs at most that much. */
    static final class BoundedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws IOException {
            count += n;
            if (count > limit) {
                throw new IOException("request body inflates to more than " + limit
                        + " bytes (gitfn.limits.max-inflated-request)");
            }
        }
    }
}
