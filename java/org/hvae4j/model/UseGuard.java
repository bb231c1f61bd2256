package org.hvae4j.model;

import java.util.ConcurrentModificationException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Detects a second thread entering an object that one thread is using (in the manner of Kafka's consumer): the
 * first thread to enter owns the object until it leaves its outermost call; the owner may re-enter (a listener called
 * from inside {@code fit} may evaluate the model); another thread entering meanwhile gets a
 * {@link ConcurrentModificationException} naming both threads, and nothing of the object is touched. Costs one
 * compare-and-set per call. Calls from different threads one after another are allowed.
 */
final class UseGuard {
    private final String what;
    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private int depth;   // written only by the owner

    UseGuard(String what) {
        this.what = what;
    }

    /** Enters; pair with {@link #exit} in a finally block. */
    void enter() {
        Thread me = Thread.currentThread();
        Thread current = owner.get();
        if (current == me) {
            depth++;
            return;
        }
        if (!owner.compareAndSet(null, me)) {
            Thread other = owner.get();
            throw new ConcurrentModificationException(what + " is in use by thread \"" + (other == null ? "?"
                    : other.getName()) + "\" and was called from thread \"" + me.getName() + "\": a " + what
                    + " is used by one thread at a time (give each thread its own model, or Hvae.replica())");
        }
        depth = 1;
    }

    void exit() {
        if (--depth == 0) {
            owner.set(null);
        }
    }
}
