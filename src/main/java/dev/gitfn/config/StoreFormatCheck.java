package dev.gitfn.config;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.gitfn.repo.StoreFormat;
import dev.gitfn.storage.BlobStore;
import dev.gitfn.storage.PreconditionFailedException;
import io.quarkus.runtime.StartupEvent;

/**
 * At start-up, before anything is served: a store of a newer format is refused (the process
 * ends with a message naming the version it needs); one of an older format is migrated once,
 * by a create-only write, so of many instances starting together exactly one writes it.
 */
@Singleton
public class StoreFormatCheck {
    private static final Logger LOG = Logger.getLogger(StoreFormatCheck.class);

    void onStart(@Observes @Priority(5) StartupEvent event, BlobStore store) throws IOException {
        try {
            ensure(store);
        } catch (dev.gitfn.storage.StorageUnavailableException unreachable) {
            // An unreachable store must not keep the instance from starting (it answers 503 and
            // is not ready meanwhile): the format is checked once the store answers.
            LOG.warnf("store unreachable at start-up (%s): its format is checked once it answers",
                    unreachable.getMessage());
            Thread later = new Thread(() -> checkWhenReachable(store), "gitfn-store-format");
            later.setDaemon(true);
            later.start();
        }
    }

    private static void checkWhenReachable(BlobStore store) {
        while (true) {
            try {
                Thread.sleep(5000);
                ensure(store);
                return;
            } catch (dev.gitfn.storage.StorageUnavailableException stillDown) {
                // try again
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException refused) {
                LOG.errorf("refusing to serve: %s", refused.getMessage());
                io.quarkus.runtime.Quarkus.asyncExit(1);
                return;
            }
        }
    }

    /** The store's format once this returns; throws when this build may not serve it. */
    public static int ensure(BlobStore store) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<BlobStore.Versioned> found = store.get(StoreFormat.KEY);
            if (found.isPresent()) {
                OptionalInt version = StoreFormat.parse(found.get().data());
                if (version.isEmpty()) {
                    throw new IllegalStateException(StoreFormat.KEY + " is not a format file: refusing to serve a "
                            + "store gitfn cannot identify");
                }
                String refusal = StoreFormat.refusal(version.getAsInt());
                if (refusal != null) {
                    throw new IllegalStateException(refusal);
                }
                if (version.getAsInt() == StoreFormat.CURRENT) {
                    return version.getAsInt();
                }
                throw new IllegalStateException("store format " + version.getAsInt() + " has no migration to "
                        + StoreFormat.CURRENT); // none exists below 1 but the file-less 0
            }
            try {
                // Format 0 to 1 changes no object: it only records the format.
                store.putIfMatch(StoreFormat.KEY, StoreFormat.render(StoreFormat.CURRENT), null);
                LOG.infof("store format: migrated 0 -> %d (wrote %s)", StoreFormat.CURRENT, StoreFormat.KEY);
                return StoreFormat.CURRENT;
            } catch (PreconditionFailedException another) {
                // Another instance wrote it first: read what it wrote.
            }
        }
        throw new IllegalStateException("cannot settle " + StoreFormat.KEY);
    }
}
