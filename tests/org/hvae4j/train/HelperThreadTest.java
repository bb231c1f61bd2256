package org.hvae4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The second-core hand-off: results, failures, the parked path, one piece at a time, and close waiting. */
class HelperThreadTest {
    @Test
    void returnsResultsInTurnAndPassesFailuresOn() {
        try (HelperThread h = new HelperThread("test-helper")) {
            for (int i = 0; i < 1000; i++) {
                final int v = i;
                h.submit(() -> v * 2);
                assertEquals(2 * i, (int) h.<Integer>join());
            }
            h.submit(() -> {
                throw new IllegalArgumentException("bad shape");
            });
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, h::join);
            assertEquals("bad shape", e.getMessage());
            h.submit(() -> {
                throw new Exception("checked");
            });
            IllegalStateException w = assertThrows(IllegalStateException.class, h::join);
            assertEquals("checked", w.getCause().getMessage());
            // Still usable after failures; a failure is not reported twice.
            h.submit(() -> "ok");
            assertEquals("ok", h.join());
        }
    }

    @Test
    void wakesFromParkingAndRefusesASecondPieceBeforeJoin() throws InterruptedException {
        try (HelperThread h = new HelperThread("test-helper")) {
            AtomicInteger runs = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                Thread.sleep(3 * HelperThread.SPIN_NANOS / 1_000_000 + 5);  // past the spin: the thread has parked
                h.submit(() -> {
                    runs.incrementAndGet();
                });
                assertNull(h.join());
            }
            assertEquals(3, runs.get());
            // A slow piece: the joining side parks too.
            h.submit(() -> {
                Thread.sleep(20);
                return 7;
            });
            assertThrows(IllegalStateException.class, () -> h.submit(() -> 1));
            assertEquals(7, (int) h.<Integer>join());
        }
    }

    @Test
    void alongsideWaitsForTheOtherShareEvenWhenTheCallersFails() {
        try (HelperThread h = new HelperThread("test-helper")) {
            AtomicInteger theirs = new AtomicInteger();
            assertEquals(3, (int) h.alongside(() -> 3, theirs::incrementAndGet));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.alongside(() -> {
                Thread.sleep(30);
                theirs.incrementAndGet();
                throw new IllegalArgumentException("theirs failed too");
            }, () -> {
                throw new IllegalStateException("mine failed");
            }));
            assertEquals("mine failed", e.getMessage());
            assertEquals(2, theirs.get(), "the other share had finished before the failure was thrown");
            assertEquals("theirs failed too", e.getSuppressed()[0].getMessage());
            h.alongside(() -> {}, () -> {});  // free again
        }
    }

    @Test
    void closeWaitsForWorkInProgressAndThenRefusesWork() {
        HelperThread h = new HelperThread("test-helper");
        AtomicInteger done = new AtomicInteger();
        h.submit(() -> {
            Thread.sleep(50);
            return done.incrementAndGet();
        });
        h.close();
        assertEquals(1, done.get());
        assertThrows(IllegalStateException.class, () -> h.submit(() -> 1));
    }
}
