package dev.gitfn.admission;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failed sign-ins per client address and per user name, in fixed windows. The
 * counts slow an attacker down (each failure is answered later than the one
 * before, then with 429); they never refuse correct credentials, which would let
 * anyone lock a user, or everyone behind one address, out. Per instance.
 */
final class FailedLogins {
    /** Bounds memory against clients that vary their address or the names they try. */
    private static final int MAX_TRACKED = 100_000;

    private record Window(long startNanos, int failures) {
    }

    private final int maxFailures;
    private final long windowNanos;
    private final Duration backoffStep;
    private final Map<String, Window> counts = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    FailedLogins(int maxFailures, Duration window, Duration backoffStep) {
        this.maxFailures = maxFailures;
        this.windowNanos = window.toNanos();
        this.backoffStep = backoffStep;
    }

    /** What a failure is answered with: after a delay, a 401 or (over the limit) a 429. */
    record Verdict(int failures, Duration delay, boolean overLimit, long retryAfterSeconds) {
    }

    /** Counts one failure for {@code address} and for {@code user} (either may be null). */
    Verdict record(String address, String user) {
        total.incrementAndGet();
        if (counts.size() > MAX_TRACKED) {
            counts.clear();
        }
        long now = System.nanoTime();
        int worst = 0;
        long oldest = now;
        for (String key : new String[] {address == null ? null : "a:" + address, user == null ? null : "u:" + user}) {
            if (key == null) {
                continue;
            }
            Window w = counts.compute(key, (k, old) -> old == null || now - old.startNanos() > windowNanos
                    ? new Window(now, 1) : new Window(old.startNanos(), old.failures() + 1));
            if (w.failures() > worst) {
                worst = w.failures();
                oldest = w.startNanos();
            }
        }
        // The first few mistakes cost nothing; after them each one waits a step longer, up to 2 s.
        long steps = Math.max(0, worst - 3);
        Duration delay = backoffStep.multipliedBy(steps);
        if (delay.compareTo(Duration.ofSeconds(2)) > 0) {
            delay = Duration.ofSeconds(2);
        }
        // Seconds until the window that counts these failures ends, rounded up.
        long retryAfter = Math.max(1, (windowNanos - (now - oldest) + 999_999_999L) / 1_000_000_000L);
        return new Verdict(worst, delay, worst > maxFailures, retryAfter);
    }

    /** Failed sign-ins this instance has seen since it started. */
    long total() {
        return total.get();
    }
}
