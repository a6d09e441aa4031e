package dev.gitfn.auth;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import io.smallrye.mutiny.Uni;

/** Waits for a {@link Uni} on a worker thread, rethrowing its failure as the blocking call would. */
public final class Awaits {
    private Awaits() {
    }

    public static <T> T await(Uni<T> uni) throws IOException {
        try {
            return uni.await().indefinitely();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }
}
