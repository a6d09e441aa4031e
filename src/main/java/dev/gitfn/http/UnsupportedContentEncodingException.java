package dev.gitfn.http;

import dev.gitfn.admission.Printable;

/** A request body in an encoding other than gzip or identity. */
class UnsupportedContentEncodingException extends RuntimeException {
    UnsupportedContentEncodingException(String encoding) {
        super("unsupported Content-Encoding: " + Printable.of(encoding));
    }
}
