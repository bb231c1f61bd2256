package org.hvae4j.nn;

import java.util.Arrays;

/**
 * The sizes of a model's parameters, collected by building it in a planning {@link CellContext} (one whose
 * {@link CellContext#plan()} is this): cells and heads report each parameter tensor here instead of creating it, so
 * a model's memory need is known before anything is allocated. Sizes are longs: a planned tensor may exceed what
 * one tensor can hold, which is what the plan is for finding out.
 */
public final class ParameterPlan {
    /** The most values one tensor can hold (its host initialization goes through one Java array). */
    public static final long MAX_TENSOR_VALUES = Integer.MAX_VALUE - 8;

    private long total;
    private long tensors;
    private long largest;
    private String largestName = "";
    private long[] largestShape = new long[0];

    /** Records a parameter tensor of these dimensions. */
    public void add(String name, long... dims) {
        long n = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": dimensions must be positive, got " + Arrays.toString(dims));
            }
            n = Math.multiplyHigh(n, d) != 0 || n * d < 0 ? Long.MAX_VALUE : n * d;
        }
        total = total > Long.MAX_VALUE - n ? Long.MAX_VALUE : total + n;
        tensors++;
        if (n > largest) {
            largest = n;
            largestName = name;
            largestShape = dims.clone();
        }
    }

    /** Parameter values in all. */
    public long total() {
        return total;
    }

    /** Parameter tensors in all. */
    public long tensors() {
        return tensors;
    }

    /** Values of the largest tensor. */
    public long largest() {
        return largest;
    }

    /** The largest tensor, as {@code name [d0, d1]}. */
    public String largestDescription() {
        return largestName + " " + Arrays.toString(largestShape);
    }
}
