package dev.gitfn.http;

import dev.gitfn.admission.Printable;

/** A smart-protocol POST whose Content-Type is not the service's request type. */
class UnsupportedContentTypeException extends RuntimeException {
    UnsupportedContentTypeException(String expected, String actual) {
        super("expected Content-Type " + expected + ", got " + Printable.of(actual));
    }
}
