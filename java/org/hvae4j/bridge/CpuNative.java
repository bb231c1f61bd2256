package org.hvae4j.bridge;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI surface of libhvae4j (CPU backend), one line per function of {@code hvae4j/hvae4j_cpu.h}.
 * Pointers travel as 64-bit addresses. Nothing outside this package knows JNI exists.
 */
@Platform(include = "hvae4j/hvae4j_cpu.h", link = "hvae4j")
public final class CpuNative {
    static {
        Loader.load();
    }

    private CpuNative() {}

    /** Loads the library (idempotent); the static initializer does the work. */
    public static void ensureLoaded() {}

    public static native int hvae4j_cpu_malloc(long bytes, @Cast("int64_t*") long[] address);

    public static native int hvae4j_cpu_free(long address);

    public static native int hvae4j_cpu_fill(@Cast("float*") long y, float value, long n);

    public static native int hvae4j_cpu_axpby(float alpha, @Cast("const float*") long x, float beta,
            @Cast("float*") long y, long n);

    public static native int hvae4j_cpu_mul(@Cast("const float*") long x, @Cast("const float*") long z,
            @Cast("float*") long y, long n);

    public static native int hvae4j_cpu_bias_add(@Cast("float*") long y, @Cast("const float*") long b, long rows,
            long cols);

    public static native int hvae4j_cpu_activation_forward(int act, float alpha, @Cast("const float*") long x,
            @Cast("float*") long y, long n);

    public static native int hvae4j_cpu_activation_backward(int act, float alpha, @Cast("const float*") long x,
            @Cast("const float*") long y, @Cast("const float*") long dy, @Cast("float*") long dx, long n);

    public static native int hvae4j_cpu_activation_forward_f64(int act, double alpha, @Cast("const double*") long x,
            @Cast("double*") long y, long n);

    public static native int hvae4j_cpu_activation_backward_f64(int act, double alpha,
            @Cast("const double*") long x, @Cast("const double*") long y, @Cast("const double*") long dy,
            @Cast("double*") long dx, long n);

    public static native int hvae4j_cpu_sum_rows(@Cast("const float*") long x, long rows, long cols, float alpha,
            float beta, @Cast("float*") long out);

    public static native int hvae4j_cpu_sum_cols(@Cast("const float*") long x, long rows, long cols, float alpha,
            float beta, @Cast("float*") long out);

    public static native int hvae4j_cpu_sum_squares(@Cast("const float*") long x, long n, int accumulate,
            @Cast("float*") long out);
}
