package dev.gitfn.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Request-body decoding: git gzips large upload-pack requests. */
final class RequestBodies {
    private RequestBodies() {
    }

    static InputStream decode(InputStream body, String contentEncoding) throws IOException {
        if (contentEncoding == null || contentEncoding.isBlank()
                || contentEncoding.trim().equalsIgnoreCase("identity")) {
            return body;
        }
        String encoding = contentEncoding.trim().toLowerCase(java.util.Locale.ROOT);
        if (encoding.equals("gzip") || encoding.equals("x-gzip")) {
            return new GZIPInputStream(body, 8192);
        }
        throw new UnsupportedContentEncodingException(contentEncoding);
    }
}
