package dev.gitfn.protocol;

import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/**
 * Where a client may download one of a repository's listed packs itself (protocol v2
 * {@code packfile-uris}) instead of through gitfn: the published area behind the CDN,
 * for public repositories whose copy of the pack is already written.
 */
@FunctionalInterface
public interface PackUris {
    /** No pack is offered anywhere else. */
    PackUris NONE = pack -> Optional.empty();

    /** The URI of {@code pack}'s {@code .pack} file ({@code pack} as {@code pack-<hash>}), if there is one now. */
    Optional<URI> of(String pack) throws IOException;
}
