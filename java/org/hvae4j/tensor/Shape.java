package org.hvae4j.tensor;

import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first (row-major). Matrix operations read a tensor as
 * {@link #rows()} × {@link #cols()}: the last dimension is the columns, all others are folded into rows.
 */
public final class Shape {
    private final int[] dims;
    private final long numel;

    private Shape(int[] dims) {
        long n = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, d);
        }
        this.dims = dims;
        this.numel = n;
    }

    public static Shape of(int... dims) {
        if (dims == null || dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    public int[] dims() {
        return dims.clone();
    }

    public long numel() {
        return numel;
    }

    /** Product of all dimensions but the last. */
    public int rows() {
        long r = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            r *= dims[i];
        }
        return Math.toIntExact(r);
    }

    /** The last dimension. */
    public int cols() {
        return dims[dims.length - 1];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
