package dev.gitfn.storage;

import java.io.IOException;

/** A compare-and-swap lost: the blob is not at the version the writer expected. */
public class PreconditionFailedException extends IOException {
    public PreconditionFailedException(String key) {
        super("blob changed concurrently: " + key);
    }
}
