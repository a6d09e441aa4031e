package dev.gitfn.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.FsBlobStore;

/** Chooses the store backend from {@code gitfn.storage}. */
public class StoreProducer {

    @Produces
    @ApplicationScoped
    BlobStore store(GitfnConfig config) {
        return switch (config.storage()) {
            case "fs" -> new FsBlobStore(config.fs().root());
            default -> throw new IllegalArgumentException(
                    "gitfn.storage=" + config.storage() + " is not supported; use 'fs'");
        };
    }
}
