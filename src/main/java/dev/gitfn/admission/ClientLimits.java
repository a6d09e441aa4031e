package dev.gitfn.admission;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Requests (and tunnels) in progress per client address, bounded; per instance. */
final class ClientLimits {
    private final int maxPerClient;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    ClientLimits(int maxPerClient) {
        this.maxPerClient = maxPerClient;
    }

    /** Takes a slot for {@code address}; the returned handle gives it back (once, however often it runs). */
    Runnable enter(String address) {
        if (address == null) {
            return () -> { };
        }
        AtomicInteger count = inFlight.computeIfAbsent(address, a -> new AtomicInteger());
        if (count.incrementAndGet() > maxPerClient) {
            leave(address, count);
            throw new Refusal(Refusal.Reason.TOO_MANY_REQUESTS, "too many requests at once from " + address
                    + " (gitfn.limits.max-requests-per-client=" + maxPerClient + ")", 1);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                leave(address, count);
            }
        };
    }

    private void leave(String address, AtomicInteger count) {
        if (count.decrementAndGet() <= 0) {
            inFlight.remove(address, count); // a concurrent enter may re-add it; counts stay right
        }
    }
}
