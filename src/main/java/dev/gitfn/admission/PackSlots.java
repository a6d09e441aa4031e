package dev.gitfn.admission;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicBoolean;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/**
 * Bounds the pack-building work of one instance: each upload-pack (the request
 * that makes a clone's or fetch's pack: heap for the object walk, buffers for the
 * output) takes a slot; the rest wait in line, without holding a thread, for a
 * bounded time, and are then turned away with 503 and {@code Retry-After}.
 */
final class PackSlots {
    private final int slots;
    private final Duration maxWait;
    private final Deque<Waiter> line = new ArrayDeque<>();
    private int busy;

    private static final class Waiter {
        final UniEmitter<? super Runnable> emitter;
        final AtomicBoolean done = new AtomicBoolean();

        Waiter(UniEmitter<? super Runnable> emitter) {
            this.emitter = emitter;
        }
    }

    PackSlots(int slots, Duration maxWait) {
        this.slots = slots;
        this.maxWait = maxWait;
    }

    /** A slot (the handle gives it back) now or once one frees, or a 503 refusal after {@code maxWait}. */
    Uni<Runnable> take() {
        Uni<Runnable> slot = Uni.createFrom().emitter(emitter -> {
            Waiter waiter = new Waiter(emitter);
            synchronized (this) {
                if (busy < slots) {
                    busy++;
                    waiter.done.set(true);
                } else {
                    line.addLast(waiter);
                }
            }
            if (waiter.done.get()) {
                emitter.complete(release());
            }
            emitter.onTermination(() -> {
                if (waiter.done.compareAndSet(false, true)) {
                    synchronized (this) {
                        line.remove(waiter); // timed out or cancelled while waiting
                    }
                }
            });
        });
        return slot.ifNoItem().after(maxWait).failWith(() -> new Refusal(Refusal.Reason.UNAVAILABLE,
                "server busy: " + slots + " packs are being built; try again shortly "
                        + "(gitfn.limits.max-concurrent-packs)", 5));
    }

    private Runnable release() {
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                handOn();
            }
        };
    }

    /** Gives a freed slot to the first one still waiting, or back to the pool. */
    private void handOn() {
        while (true) {
            Waiter next;
            synchronized (this) {
                next = line.pollFirst();
                if (next == null) {
                    busy--;
                    return;
                }
            }
            if (next.done.compareAndSet(false, true)) {
                next.emitter.complete(release());
                return;
            }
        }
    }

    /** Pack builds running now. */
    synchronized int busy() {
        return busy;
    }

    /** Requests waiting in line for a slot. */
    synchronized int waiting() {
        return line.size();
    }
}
