package dev.gitfn.http;

/** A request body in an encoding other than gzip or identity. */
class UnsupportedContentEncodingException extends RuntimeException {
    UnsupportedContentEncodingException(String encoding) {
        super("unsupported Content-Encoding: " + Printable.of(encoding));
    }
}
