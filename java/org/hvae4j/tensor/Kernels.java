package org.hvae4j.tensor;

/**
 * The operations one backend runs, on raw addresses of its own memory: the layer under {@link Backend}'s checked,
 * tensor-level methods. The fused and elementwise operations are {@link KernelOps}, generated from their one
 * declaration in native/ops.def; the CPU and CUDA implementations call the same C API (hvae4j_cpu.h and
 * hvae4j_cuda.h), so both compute the same functions. What is declared here differs by backend in how it is done:
 * products (OpenBLAS, cuBLAS), copies and synchronization. Every method throws {@link NativeException} (or
 * {@link CudaException}) when native code reports a failure. Prefer the tensor-level API; this one does not check
 * shapes or devices.
 */
public interface Kernels extends KernelOps {
    /** Row-major C[m×n] = alpha op(A) op(B) + beta C with leading dimensions lda, ldb, ldc. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
            float beta, long c, int ldc);

    /** Copies bytes between two addresses of this backend's memory. */
    void copy(long src, long dst, long bytes);

    /** Copies from a Java array into this backend's memory. */
    void copyFromHost(float[] src, int srcOffset, long dst, long count);

    /** Copies from this backend's memory into a Java array (waits for pending work). */
    void copyToHost(long src, float[] dst, int dstOffset, long count);

    /** Copies doubles from this backend's memory into a Java array (waits for pending work). */
    void copyToHost(long src, double[] dst, int dstOffset, long count);

    /** Copies doubles from a Java array into this backend's memory. */
    void copyFromHost(double[] src, int srcOffset, long dst, long count);

    /** Waits until every operation enqueued so far has finished. */
    void synchronize();
}
