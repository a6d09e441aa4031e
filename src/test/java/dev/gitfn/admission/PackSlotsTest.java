package dev.gitfn.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The bounded line for pack work: slots, a bounded wait, and hand-over in order. */
class PackSlotsTest {
    @Test
    void slotsAreBoundedWaitersAreServedInOrderAndTimeOutWith503() throws Exception {
        PackSlots slots = new PackSlots(2, Duration.ofMillis(300));
        Runnable first = slots.take().await().atMost(Duration.ofSeconds(1));
        Runnable second = slots.take().await().atMost(Duration.ofSeconds(1));

        Refusal busy = assertThrows(Refusal.class, () -> slots.take().await().atMost(Duration.ofSeconds(2)));
        assertEquals(Refusal.Reason.UNAVAILABLE, busy.reason());
        assertEquals(5, busy.retryAfterSeconds());
        assertTrue(busy.getMessage().contains("gitfn.limits.max-concurrent-packs"), busy.getMessage());

        CompletableFuture<Runnable> third = slots.take().subscribeAsCompletionStage();
        CompletableFuture<Runnable> fourth = slots.take().subscribeAsCompletionStage();
        assertEquals(2, slots.busy(), "what gitfn_packs_running reports");
        assertEquals(2, slots.waiting(), "what gitfn_packs_waiting reports");
        Thread.sleep(50);
        assertTrue(!third.isDone() && !fourth.isDone(), "both wait while the slots are taken");
        first.run();
        first.run(); // giving a slot back twice frees one slot, not two
        Runnable thirdSlot = third.get(1, TimeUnit.SECONDS);
        Thread.sleep(50);
        assertTrue(!fourth.isDone(), "one slot freed, one waiter served");
        second.run();
        Runnable fourthSlot = fourth.get(1, TimeUnit.SECONDS);
        thirdSlot.run();
        fourthSlot.run();
        // All free again: two at once, at once.
        slots.take().await().atMost(Duration.ofMillis(100));
        slots.take().await().atMost(Duration.ofMillis(100));
    }

    @Test
    void aWaiterThatGaveUpDoesNotKeepASlot() throws Exception {
        PackSlots slots = new PackSlots(1, Duration.ofMillis(100));
        Runnable only = slots.take().await().atMost(Duration.ofSeconds(1));
        assertThrows(Refusal.class, () -> slots.take().await().atMost(Duration.ofSeconds(1)));
        only.run();
        slots.take().await().atMost(Duration.ofMillis(100)).run(); // the timed-out waiter got nothing
    }
}
