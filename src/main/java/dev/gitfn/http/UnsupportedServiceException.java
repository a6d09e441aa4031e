package dev.gitfn.http;

/** {@code ?service=} named something other than git-upload-pack or git-receive-pack. */
class UnsupportedServiceException extends RuntimeException {
    UnsupportedServiceException(String service) {
        super("unsupported service: " + Printable.of(service));
    }
}
