package org.hvae4j.tensor;

import static org.hvae4j.bridge.CpuNative.*;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvae4j.bridge.NativeStatus;

/** CPU kernels: libhvae4j for our operations, OpenBLAS (JavaCPP presets) for matrix products. */
final class CpuKernels implements Kernels {
    CpuKernels(int blasThreads) {
        openblas_nolapack.blas_set_num_threads(blasThreads);
    }

    static void check(int status, String op) {
        if (status != NativeStatus.OK) {
            throw new NativeException(op + ": " + NativeStatus.describe(status), status);
        }
    }

    /** A FloatPointer over native memory we own: no deallocator, no copy. */
    static final class At extends FloatPointer {
        At(long address, long count) {
            this.address = address;
            this.limit = count;
            this.capacity = count;
        }
    }

    @Override
    public void fill(long y, float value, long n) {
        check(hvae4j_cpu_fill(y, value, n), "fill");
    }

    @Override
    public void axpby(float alpha, long x, float beta, long y, long n) {
        check(hvae4j_cpu_axpby(alpha, x, beta, y, n), "axpby");
    }

    @Override
    public void mul(long x, long z, long y, long n) {
        check(hvae4j_cpu_mul(x, z, y, n), "mul");
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b,
            int ldb, float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            // BLAS leaves C untouched for k = 0 only when beta = 1; keep the algebra exact for any beta.
            if (beta == 0f) {
                for (int r = 0; r < m; r++) {
                    fill(c + (long) r * ldc * Float.BYTES, 0f, n);
                }
            } else {
                for (int r = 0; r < m; r++) {
                    long row = c + (long) r * ldc * Float.BYTES;
                    axpby(0f, row, beta, row, n);
                }
            }
            return;
        }
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, new At(a, 0), lda, new At(b, 0), ldb, beta, new At(c, 0), ldc);
    }

    @Override
    public void biasAdd(long y, long bias, long rows, long cols) {
        check(hvae4j_cpu_bias_add(y, bias, rows, cols), "biasAdd");
    }

    @Override
    public void activationForward(int act, float alpha, long x, long y, long n) {
        check(hvae4j_cpu_activation_forward(act, alpha, x, y, n), "activation");
    }

    @Override
    public void activationBackward(int act, float alpha, long x, long y, long dy, long dx, long n) {
        check(hvae4j_cpu_activation_backward(act, alpha, x, y, dy, dx, n), "activationBackward");
    }

    @Override
    public void sumRows(long x, long rows, long cols, float alpha, float beta, long out) {
        check(hvae4j_cpu_sum_rows(x, rows, cols, alpha, beta, out), "sumRows");
    }

    @Override
    public void sumCols(long x, long rows, long cols, float alpha, float beta, long out) {
        check(hvae4j_cpu_sum_cols(x, rows, cols, alpha, beta, out), "sumCols");
    }

    @Override
    public void sumSquares(long x, long n, boolean accumulate, long out) {
        check(hvae4j_cpu_sum_squares(x, n, accumulate ? 1 : 0, out), "sumSquares");
    }

    @Override
    public void copy(long src, long dst, long bytes) {
        if (bytes > 0 && src != dst) {
            Pointer.memcpy(new At(dst, 0), new At(src, 0), bytes);
        }
    }

    @Override
    public void copyFromHost(float[] src, int srcOffset, long dst, long count) {
        new At(dst, count).put(src, srcOffset, Math.toIntExact(count));
    }

    @Override
    public void copyToHost(long src, float[] dst, int dstOffset, long count) {
        new At(src, count).get(dst, dstOffset, Math.toIntExact(count));
    }

    @Override
    public void synchronize() {}
}
