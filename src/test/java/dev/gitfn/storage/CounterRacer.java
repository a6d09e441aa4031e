package dev.gitfn.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One process of the folder store's two-process race: adds 1 to a counter in the
 * store {@code rounds} times by compare-and-swap, retrying each lost swap, and
 * prints how many swaps it won. Run by {@link FsBlobStoreTest}.
 */
public final class CounterRacer {
    private CounterRacer() {
    }

    public static void main(String[] args) throws Exception {
        FsBlobStore store = new FsBlobStore(Path.of(args[0]));
        int rounds = Integer.parseInt(args[1]);
        int wins = 0;
        System.out.println("ready");
        System.out.flush();
        System.in.read(); // both processes start together
        while (wins < rounds) {
            Optional<BlobStore.Versioned> current = store.get("counter");
            long value = current.map(v -> Long.parseLong(new String(v.data(), StandardCharsets.US_ASCII))).orElse(0L);
            try {
                store.putIfMatch("counter", Long.toString(value + 1).getBytes(StandardCharsets.US_ASCII),
                        current.map(BlobStore.Versioned::etag).orElse(null));
                wins++;
            } catch (PreconditionFailedException lost) {
                // the other process swapped first: read again
            }
        }
        System.out.println("wins " + wins);
    }
}
