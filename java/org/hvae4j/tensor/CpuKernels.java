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

    @Override
    public void gaussianForward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long z, long kl, long logq, long logp) {
        check(hvae4j_cpu_gaussian_forward(rows, cols, flags, qMu, qLv, pMu, pLv, seed, offset(offset, offsetAdd), z, kl,
                logq, logp), "gaussianForward");
    }

    @Override
    public void gaussianBackward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp, long dqMu, long dqLv, long dpMu,
            long dpLv) {
        check(hvae4j_cpu_gaussian_backward(rows, cols, flags, qMu, qLv, pMu, pLv, seed, offset(offset, offsetAdd), dz,
                wKl, wLogq, wLogp, dqMu, dqLv, dpMu, dpLv), "gaussianBackward");
    }

    @Override
    public void bernoulliForward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long z, long kl, long logq, long logp) {
        check(hvae4j_cpu_bernoulli_forward(rows, cols, estimator, tau, qLogits, pLogits, pLogit, seed,
                offset(offset, offsetAdd), z, kl, logq, logp), "bernoulliForward");
    }

    @Override
    public void bernoulliBackward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp,
            long signal, long dqLogits, long dpLogits) {
        check(hvae4j_cpu_bernoulli_backward(rows, cols, estimator, tau, qLogits, pLogits, pLogit, seed,
                offset(offset, offsetAdd), dz, wKl, wLogq, wLogp, signal, dqLogits, dpLogits), "bernoulliBackward");
    }

    @Override
    public void bernoulliLikelihoodForward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long logp) {
        check(hvae4j_cpu_bernoulli_likelihood_forward(rows, cols, xRows, logits, x, binarize ? 1 : 0, seed,
                offset(offset, offsetAdd), logp), "bernoulliLikelihoodForward");
    }

    @Override
    public void bernoulliLikelihoodBackward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long w, long dLogits) {
        check(hvae4j_cpu_bernoulli_likelihood_backward(rows, cols, xRows, logits, x, binarize ? 1 : 0, seed,
                offset(offset, offsetAdd), w, dLogits), "bernoulliLikelihoodBackward");
    }

    @Override
    public void gaussianLikelihoodForward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long logp) {
        check(hvae4j_cpu_gaussian_likelihood_forward(rows, cols, xRows, mu, lv, lvConst, x, logp),
                "gaussianLikelihoodForward");
    }

    @Override
    public void gaussianLikelihoodBackward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long w, long dMu, long dLv) {
        check(hvae4j_cpu_gaussian_likelihood_backward(rows, cols, xRows, mu, lv, lvConst, x, w, dMu, dLv),
                "gaussianLikelihoodBackward");
    }

    @Override
    public void iwae(long k, long batch, long logw, long bound, long wnorm, long wsq) {
        check(hvae4j_cpu_iwae(k, batch, logw, bound, wnorm, wsq), "iwae");
    }

    @Override
    public void repeatRows(long x, long rows, long cols, long times, long y) {
        check(hvae4j_cpu_repeat_rows(x, rows, cols, times, y), "repeatRows");
    }

    @Override
    public void sumRepeats(long x, long rows, long cols, long times, float beta, long y) {
        check(hvae4j_cpu_sum_repeats(x, rows, cols, times, beta, y), "sumRepeats");
    }

    @Override
    public void precisionMerge(long n, long mh, long lvh, long mp, long lvp, long mq, long lvq) {
        check(hvae4j_cpu_precision_merge(n, mh, lvh, mp, lvp, mq, lvq), "precisionMerge");
    }

    @Override
    public void precisionMergeBackward(long n, long mh, long lvh, long mp, long lvp, long dmq, long dlvq, long dmh,
            long dlvh, long dmp, long dlvp) {
        check(hvae4j_cpu_precision_merge_backward(n, mh, lvh, mp, lvp, dmq, dlvq, dmh, dlvh, dmp, dlvp),
                "precisionMergeBackward");
    }

    @Override
    public void adam(long n, long param, long grad, long m, long v, float lr, float beta1, float beta2, float eps,
            float weightDecay, float c1, float c2, long gradScale) {
        check(hvae4j_cpu_adam(n, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, c1, c2, gradScale), "adam");
    }

    @Override
    public void binarize(long x, long n, long seed, long offset, long offsetAdd, long y) {
        check(hvae4j_cpu_binarize(x, n, seed, offset(offset, offsetAdd), y), "binarize");
    }

    @Override
    public void u64Update(long x, long value, boolean add) {
        check(hvae4j_cpu_u64_update(x, value, add ? 1 : 0), "u64Update");
    }

    @Override
    public void adamPrepare(long normSq, long loss, float clip, float beta1, float beta2, long state) {
        check(hvae4j_cpu_adam_prepare(normSq, loss, clip, beta1, beta2, state), "adamPrepare");
    }

    @Override
    public void adamDevice(long n, long param, long grad, long m, long v, float beta1, float beta2, float eps,
            float weightDecay, long state) {
        check(hvae4j_cpu_adam_device(n, param, grad, m, v, beta1, beta2, eps, weightDecay, state), "adamDevice");
    }

    /** The offset a call uses: its own plus the 64-bit word at {@code offsetAdd} (host memory here), if given. */
    private static long offset(long offset, long offsetAdd) {
        if (offsetAdd == 0) {
            return offset;
        }
        try (org.bytedeco.javacpp.LongPointer word = new org.bytedeco.javacpp.LongPointer(new At(offsetAdd, 2))) {
            return offset + word.get();
        }
    }
}
