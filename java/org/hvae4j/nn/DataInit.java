package org.hvae4j.nn;

import java.util.function.Supplier;

/**
 * Data-dependent initialization of weight-normalized convolutions (Salimans and Kingma 2016, section 3.2; NVAE
 * initializes its cells so): while {@link #during} runs a forward pass, every weight-normalized convolution of a
 * convolutional cell, in the order the pass reaches it, first sets its gains and bias so that its outputs on that
 * pass's batch have mean 0 and variance 1 in every output channel, then computes its output with them, so that the
 * layers after it are initialized on normalized inputs. Heads (the distributions' parameters) keep their
 * initialization. The switch belongs to the calling thread: passes of other threads are unaffected.
 */
public final class DataInit {
    private static final ThreadLocal<int[]> ACTIVE = new ThreadLocal<>();

    private DataInit() {}

    /** The result of {@code pass} and how many convolutions it initialized. */
    public record Result<T>(T value, int layers) {}

    /** Runs {@code pass} (a forward pass of a model) with data-dependent initialization on. */
    public static <T> Result<T> during(Supplier<T> pass) {
        if (ACTIVE.get() != null) {
            throw new IllegalStateException("data-dependent initialization is already running on this thread");
        }
        int[] count = new int[1];
        ACTIVE.set(count);
        try {
            T v = pass.get();
            return new Result<>(v, count[0]);
        } finally {
            ACTIVE.remove();
        }
    }

    /** Whether a forward pass on this thread initializes the layers it reaches. */
    static boolean active() {
        return ACTIVE.get() != null;
    }

    static void counted() {
        ACTIVE.get()[0]++;
    }
}
