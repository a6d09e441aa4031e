package dev.gitfn.http;

import dev.gitfn.admission.Printable;

/** {@code ?service=} named something other than git-upload-pack or git-receive-pack. */
class UnsupportedServiceException extends RuntimeException {
    UnsupportedServiceException(String service) {
        super("unsupported service: " + Printable.of(service));
    }
}
