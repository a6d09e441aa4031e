package dev.gitfn.storage;

import java.io.IOException;

/** The store could not be reached or refused to work, after the client's own retries. */
public class StorageUnavailableException extends IOException {
    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
