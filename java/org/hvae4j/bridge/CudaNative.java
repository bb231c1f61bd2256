package org.hvae4j.bridge;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI surface of libhvae4j_cuda, one line per function of {@code hvae4j/hvae4j_cuda.h}. Device pointers and
 * the cudaStream_t travel as 64-bit addresses. Initialising this class loads the CUDA presets' runtime first, so
 * that our library binds to that same libcudart; only the CUDA backend touches this class.
 */
@Platform(include = "hvae4j/hvae4j_cuda.h", link = "hvae4j_cuda")
public final class CudaNative {
    static {
        Loader.load(org.bytedeco.cuda.global.cudart.class);
        Loader.load();
    }

    private CudaNative() {}

    /** Loads the libraries (idempotent); the static initializer does the work. */
    public static void ensureLoaded() {}

    public static native int hvae4j_cuda_compiled_runtime_version();

    public static native int hvae4j_cuda_fill(@Cast("float*") long y, float value, long n, @Cast("void*") long stream);

    public static native int hvae4j_cuda_axpby(float alpha, @Cast("const float*") long x, float beta,
            @Cast("float*") long y, long n, @Cast("void*") long stream);

    public static native int hvae4j_cuda_mul(@Cast("const float*") long x, @Cast("const float*") long z,
            @Cast("float*") long y, long n, @Cast("void*") long stream);

    public static native int hvae4j_cuda_bias_add(@Cast("float*") long y, @Cast("const float*") long b, long rows,
            long cols, @Cast("void*") long stream);

    public static native int hvae4j_cuda_activation_forward(int act, float alpha, @Cast("const float*") long x,
            @Cast("float*") long y, long n, @Cast("void*") long stream);

    public static native int hvae4j_cuda_activation_backward(int act, float alpha, @Cast("const float*") long x,
            @Cast("const float*") long y, @Cast("const float*") long dy, @Cast("float*") long dx, long n,
            @Cast("void*") long stream);

    public static native int hvae4j_cuda_sum_rows(@Cast("const float*") long x, long rows, long cols, float alpha,
            float beta, @Cast("float*") long out, @Cast("void*") long stream);

    public static native int hvae4j_cuda_sum_cols(@Cast("const float*") long x, long rows, long cols, float alpha,
            float beta, @Cast("float*") long out, @Cast("void*") long stream);

    public static native int hvae4j_cuda_sum_squares(@Cast("const float*") long x, long n, int accumulate,
            @Cast("float*") long out, @Cast("void*") long stream);
}
