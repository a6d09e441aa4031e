package dev.gitfn.publish;

import java.util.Optional;

import dev.gitfn.storage.BlobStore;

/** Where the published area is written, if anywhere: a store of its own, never the repositories' store. */
public record PublishedArea(Optional<BlobStore> store, String description) {
    public static final PublishedArea NONE = new PublishedArea(Optional.empty(), "none");
}
