package org.hvae4j.tensor;

/**
 * The operations one backend runs, on raw addresses of its own memory: the layer under {@link Backend}'s
 * checked, tensor-level methods. The CPU and CUDA implementations call the same C API (hvae4j_cpu.h and
 * hvae4j_cuda.h), so both compute the same functions. Every method throws {@link NativeException} (or
 * {@link CudaException}) when native code reports a failure. Prefer the tensor-level API; this one does not
 * check shapes or devices.
 */
public interface Kernels {
    void fill(long y, float value, long n);

    /** y = alpha x + beta y; beta = 0 overwrites y whatever it held. */
    void axpby(float alpha, long x, float beta, long y, long n);

    /** y = x ⊙ z. */
    void mul(long x, long z, long y, long n);

    /** Row-major C[m×n] = alpha op(A) op(B) + beta C with leading dimensions lda, ldb, ldc. */
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
            float beta, long c, int ldc);

    void biasAdd(long y, long bias, long rows, long cols);

    void activationForward(int act, float alpha, long x, long y, long n);

    void activationBackward(int act, float alpha, long x, long y, long dy, long dx, long n);

    void sumRows(long x, long rows, long cols, float alpha, float beta, long out);

    void sumCols(long x, long rows, long cols, float alpha, float beta, long out);

    void sumSquares(long x, long n, boolean accumulate, long out);

    /** Copies bytes between two addresses of this backend's memory. */
    void copy(long src, long dst, long bytes);

    /** Copies from a Java array into this backend's memory. */
    void copyFromHost(float[] src, int srcOffset, long dst, long count);

    /** Copies from this backend's memory into a Java array (waits for pending work). */
    void copyToHost(long src, float[] dst, int dstOffset, long count);

    /** Waits until every operation enqueued so far has finished. */
    void synchronize();

    // ---- fused latent operations (see hvae4j/latent.h); 0 stands for a null pointer. offsetAdd, when not 0, is
    // the address of a 64-bit word of this backend's memory added to offset when the operation runs (Noise). ----

    void gaussianForward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long z, long kl, long logq, long logp);

    void gaussianBackward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp, long dqMu, long dqLv, long dpMu,
            long dpLv);

    void bernoulliForward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long z, long kl, long logq, long logp);

    void bernoulliBackward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp,
            long signal, long dqLogits, long dpLogits);

    void bernoulliLikelihoodForward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long logp);

    void bernoulliLikelihoodBackward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long w, long dLogits);

    void gaussianLikelihoodForward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long logp);

    void gaussianLikelihoodBackward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long w, long dMu, long dLv);

    void iwae(long k, long batch, long logw, long bound, long wnorm, long wsq);

    void repeatRows(long x, long rows, long cols, long times, long y);

    void sumRepeats(long x, long rows, long cols, long times, float beta, long y);

    void precisionMerge(long n, long mh, long lvh, long mp, long lvp, long mq, long lvq);

    void precisionMergeBackward(long n, long mh, long lvh, long mp, long lvp, long dmq, long dlvq, long dmh,
            long dlvh, long dmp, long dlvp);

    /** One Adam(W) step; gradScale is the address of one float of this backend's memory (0 for 1). */
    void adam(long n, long param, long grad, long m, long v, float lr, float beta1, float beta2, float eps,
            float weightDecay, float c1, float c2, long gradScale);

    /** y = 0/1 draws with P(1) = x from the (seed, offset) stream, as the Bernoulli likelihood binarizes. */
    void binarize(long x, long n, long seed, long offset, long offsetAdd, long y);

    // ---- device-resident training steps (hvae4j/adam_state.h): nothing here is read on the host ----

    /** The 64-bit word at {@code x} becomes {@code value}, or grows by it when {@code add}; in stream order. */
    void u64Update(long x, long value, boolean add);

    /**
     * Fills the Adam state at {@code state} (32 bytes; lr already written) for this step from the sum of squared
     * gradients at {@code normSq} and the loss at {@code loss} (0: not checked): skip, t, c1, c2, scale, norm.
     */
    void adamPrepare(long normSq, long loss, float clip, float beta1, float beta2, long state);

    /** {@link #adam} with lr, bias corrections and gradient scale read from {@code state}; nothing when skipped. */
    void adamDevice(long n, long param, long grad, long m, long v, float beta1, float beta2, float eps,
            float weightDecay, long state);
}
