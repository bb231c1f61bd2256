package org.hvae4j.train;

import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;

/**
 * A second thread for the CPU backend's second core, handed one piece of work at a time ({@link #submit}, then
 * {@link #join}; {@link #alongside} does both around the caller's own share). A training step hands it work three
 * times (half a batch, half of the gradient averaging, half of the Adam update), each a millisecond or less at batch
 * 100, so the hand-offs are made without the operating system where possible: both sides busy-wait (with
 * {@link Thread#onSpinWait}) for up to {@link #SPIN_NANOS} before parking. Parking and waking a thread measured
 * 0.1–0.4 ms per hand-off on a 2-core VM, against a few microseconds spinning. Idle for longer than that, the thread
 * parks and costs nothing.
 *
 * <p>One submitter: {@code submit} and {@code join} are called from one thread, in turns.
 */
public final class HelperThread implements AutoCloseable {
    /** How long either side busy-waits before parking. */
    static final long SPIN_NANOS = 2_000_000;

    private final Thread thread;
    private volatile Callable<?> task;
    private volatile long submitted;
    private volatile long completed;
    private volatile boolean workerParked;
    private volatile Thread waiter;
    private volatile boolean closed;
    // Written before `completed`, read after it: published by that volatile write.
    private Object result;
    private Throwable failure;

    public HelperThread(String name) {
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Hands {@code work} to the thread; the previous piece must have been joined. */
    public void submit(Callable<?> work) {
        if (closed) {
            throw new IllegalStateException("helper thread " + thread.getName() + " is closed");
        }
        if (submitted != completed) {
            throw new IllegalStateException("helper thread " + thread.getName() + " is still busy: join it first");
        }
        task = work;
        submitted = submitted + 1;
        if (workerParked) {
            LockSupport.unpark(thread);
        }
    }

    /** {@link #submit} for work without a result. */
    public void submit(Runnable work) {
        submit(Executors.callable(work));
    }

    /**
     * Hands {@code theirs} to the thread, runs {@code mine} on the caller's, and returns {@code theirs}'s result. The
     * wait happens even when {@code mine} fails (its failure is thrown, with {@code theirs}'s added as suppressed), so
     * nothing the two share is touched while the other thread still works on it.
     */
    public <T> T alongside(Callable<T> theirs, Runnable mine) {
        submit(theirs);
        try {
            mine.run();
        } catch (RuntimeException | Error e) {
            try {
                join();
            } catch (RuntimeException | Error other) {
                e.addSuppressed(other);
            }
            throw e;
        }
        return join();
    }

    /** {@link #alongside(Callable, Runnable)} for two pieces of work without results. */
    public void alongside(Runnable theirs, Runnable mine) {
        alongside(Executors.callable(theirs), mine);
    }

    /**
     * Waits for the submitted work and returns its result, passing its failure on (runtime exceptions and errors as
     * they are, others wrapped in an IllegalStateException). An interrupt does not cut the wait short (the work is
     * short and owns memory the caller shares); the interrupt status is kept.
     */
    @SuppressWarnings("unchecked")
    public <T> T join() {
        long target = submitted;
        if (completed < target) {
            long start = System.nanoTime();
            while (completed < target && System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            }
            boolean interrupted = false;
            waiter = Thread.currentThread();
            while (completed < target) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    interrupted = true;
                }
            }
            waiter = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Object r = result;
        Throwable f = failure;
        result = null;
        failure = null;
        if (f instanceof RuntimeException re) {
            throw re;
        }
        if (f instanceof Error err) {
            throw err;
        }
        if (f != null) {
            throw new IllegalStateException("helper thread failed: " + f, f);
        }
        return (T) r;
    }

    private void loop() {
        while (true) {
            long next = completed + 1;
            long start = System.nanoTime();
            while (submitted < next) {
                // Closed, and nothing submitted before: `submitted` is read again after `closed`, because a submit
                // and a close can both land between this loop's read of `submitted` and its read of `closed` (work
                // submitted right before close() would otherwise be dropped unrun and close() return early).
                if (closed && submitted < next) {
                    return;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    workerParked = true;
                    if (submitted < next && !closed) {
                        LockSupport.park(this);
                    }
                    workerParked = false;
                }
            }
            Callable<?> work = task;
            task = null;
            try {
                result = work.call();
            } catch (Throwable t) {
                failure = t;
            }
            completed = next;
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** Ends the thread, waiting for work in progress to finish first (it may use memory the caller frees next). */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        if (Thread.currentThread() == thread) {
            return;
        }
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
