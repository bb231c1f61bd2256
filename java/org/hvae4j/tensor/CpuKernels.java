package org.hvae4j.tensor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.hvae4j.bridge.NativeStatus;

/** CPU kernels: libhvae4j for our operations, OpenBLAS (JavaCPP presets) for matrix products. */
final class CpuKernels extends CpuKernelOps implements Kernels {
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
        long t0 = GemmStats.enabled() ? System.nanoTime() : 0;
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, alpha, new At(a, 0), lda, new At(b, 0), ldb, beta, new At(c, 0), ldc);
        if (t0 != 0) {
            GemmStats.record(transA, transB, m, n, k, System.nanoTime() - t0);
        }
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
    public void copyToHost(long src, double[] dst, int dstOffset, long count) {
        new AtDouble(src, count).get(dst, dstOffset, Math.toIntExact(count));
    }

    @Override
    public void copyFromHost(double[] src, int srcOffset, long dst, long count) {
        new AtDouble(dst, count).put(src, srcOffset, Math.toIntExact(count));
    }

    /** A DoublePointer over native memory we own. */
    static final class AtDouble extends org.bytedeco.javacpp.DoublePointer {
        AtDouble(long address, long count) {
            this.address = address;
            this.limit = count;
            this.capacity = count;
        }
    }

    @Override
    public void synchronize() {}
}
