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

    // ---- fused latent operations (generated from the C header by scripts/gen-bridge.py) ----

    public static native int hvae4j_cpu_gaussian_forward(long rows, long cols, int flags, @Cast("const float*") long q_mu, @Cast("const float*") long q_lv, @Cast("const float*") long p_mu, @Cast("const float*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("float*") long z, @Cast("float*") long kl, @Cast("float*") long logq, @Cast("float*") long logp);

    public static native int hvae4j_cpu_gaussian_backward(long rows, long cols, int flags, @Cast("const float*") long q_mu, @Cast("const float*") long q_lv, @Cast("const float*") long p_mu, @Cast("const float*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const float*") long dz, @Cast("const float*") long w_kl, @Cast("const float*") long w_logq, @Cast("const float*") long w_logp, @Cast("float*") long d_q_mu, @Cast("float*") long d_q_lv, @Cast("float*") long d_p_mu, @Cast("float*") long d_p_lv);

    public static native int hvae4j_cpu_bernoulli_forward(long rows, long cols, int estimator, float tau, @Cast("const float*") long q_logits, @Cast("const float*") long p_logits, float p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("float*") long z, @Cast("float*") long kl, @Cast("float*") long logq, @Cast("float*") long logp);

    public static native int hvae4j_cpu_bernoulli_backward(long rows, long cols, int estimator, float tau, @Cast("const float*") long q_logits, @Cast("const float*") long p_logits, float p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const float*") long dz, @Cast("const float*") long w_kl, @Cast("const float*") long w_logq, @Cast("const float*") long w_logp, @Cast("const float*") long signal, @Cast("float*") long d_q_logits, @Cast("float*") long d_p_logits);

    public static native int hvae4j_cpu_bernoulli_likelihood_forward(long rows, long cols, long x_rows, @Cast("const float*") long logits, @Cast("const float*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("float*") long logp);

    public static native int hvae4j_cpu_bernoulli_likelihood_backward(long rows, long cols, long x_rows, @Cast("const float*") long logits, @Cast("const float*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const float*") long w, @Cast("float*") long d_logits);

    public static native int hvae4j_cpu_gaussian_likelihood_forward(long rows, long cols, long x_rows, @Cast("const float*") long mu, @Cast("const float*") long lv, float lv_const, @Cast("const float*") long x, @Cast("float*") long logp);

    public static native int hvae4j_cpu_gaussian_likelihood_backward(long rows, long cols, long x_rows, @Cast("const float*") long mu, @Cast("const float*") long lv, float lv_const, @Cast("const float*") long x, @Cast("const float*") long w, @Cast("float*") long d_mu, @Cast("float*") long d_lv);

    public static native int hvae4j_cpu_iwae(long k, long batch, @Cast("const float*") long logw, @Cast("float*") long bound, @Cast("float*") long wnorm, @Cast("float*") long wsq);

    public static native int hvae4j_cpu_gaussian_forward_f64(long rows, long cols, int flags, @Cast("const double*") long q_mu, @Cast("const double*") long q_lv, @Cast("const double*") long p_mu, @Cast("const double*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("double*") long z, @Cast("double*") long kl, @Cast("double*") long logq, @Cast("double*") long logp);

    public static native int hvae4j_cpu_gaussian_backward_f64(long rows, long cols, int flags, @Cast("const double*") long q_mu, @Cast("const double*") long q_lv, @Cast("const double*") long p_mu, @Cast("const double*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const double*") long dz, @Cast("const double*") long w_kl, @Cast("const double*") long w_logq, @Cast("const double*") long w_logp, @Cast("double*") long d_q_mu, @Cast("double*") long d_q_lv, @Cast("double*") long d_p_mu, @Cast("double*") long d_p_lv);

    public static native int hvae4j_cpu_bernoulli_forward_f64(long rows, long cols, int estimator, double tau, @Cast("const double*") long q_logits, @Cast("const double*") long p_logits, double p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("double*") long z, @Cast("double*") long kl, @Cast("double*") long logq, @Cast("double*") long logp);

    public static native int hvae4j_cpu_bernoulli_backward_f64(long rows, long cols, int estimator, double tau, @Cast("const double*") long q_logits, @Cast("const double*") long p_logits, double p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const double*") long dz, @Cast("const double*") long w_kl, @Cast("const double*") long w_logq, @Cast("const double*") long w_logp, @Cast("const double*") long signal, @Cast("double*") long d_q_logits, @Cast("double*") long d_p_logits);

    public static native int hvae4j_cpu_bernoulli_likelihood_forward_f64(long rows, long cols, long x_rows, @Cast("const double*") long logits, @Cast("const double*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("double*") long logp);

    public static native int hvae4j_cpu_bernoulli_likelihood_backward_f64(long rows, long cols, long x_rows, @Cast("const double*") long logits, @Cast("const double*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const double*") long w, @Cast("double*") long d_logits);

    public static native int hvae4j_cpu_gaussian_likelihood_forward_f64(long rows, long cols, long x_rows, @Cast("const double*") long mu, @Cast("const double*") long lv, double lv_const, @Cast("const double*") long x, @Cast("double*") long logp);

    public static native int hvae4j_cpu_gaussian_likelihood_backward_f64(long rows, long cols, long x_rows, @Cast("const double*") long mu, @Cast("const double*") long lv, double lv_const, @Cast("const double*") long x, @Cast("const double*") long w, @Cast("double*") long d_mu, @Cast("double*") long d_lv);

    public static native int hvae4j_cpu_iwae_f64(long k, long batch, @Cast("const double*") long logw, @Cast("double*") long bound, @Cast("double*") long wnorm, @Cast("double*") long wsq);

    public static native int hvae4j_cpu_repeat_rows(@Cast("const float*") long x, long rows, long cols, long times, @Cast("float*") long y);

    public static native int hvae4j_cpu_sum_repeats(@Cast("const float*") long x, long rows, long cols, long times, float beta, @Cast("float*") long y);

    public static native int hvae4j_cpu_precision_merge(long n, @Cast("const float*") long mh, @Cast("const float*") long lvh, @Cast("const float*") long mp, @Cast("const float*") long lvp, @Cast("float*") long mq, @Cast("float*") long lvq);

    public static native int hvae4j_cpu_precision_merge_backward(long n, @Cast("const float*") long mh, @Cast("const float*") long lvh, @Cast("const float*") long mp, @Cast("const float*") long lvp, @Cast("const float*") long dmq, @Cast("const float*") long dlvq, @Cast("float*") long dmh, @Cast("float*") long dlvh, @Cast("float*") long dmp, @Cast("float*") long dlvp);

    public static native int hvae4j_cpu_adam(long n, @Cast("float*") long param, @Cast("const float*") long grad, @Cast("float*") long m, @Cast("float*") long v, float lr, float beta1, float beta2, float eps, float weight_decay, float c1, float c2, @Cast("const float*") long grad_scale);

    public static native int hvae4j_cpu_binarize(@Cast("const float*") long x, long n, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("float*") long y);

    public static native int hvae4j_cpu_philox_check(@Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("uint64_t") long b0, int nb, @Cast("int64_t*") long[] mismatches);

    public static native int hvae4j_cpu_u64_update(@Cast("uint64_t*") long x, @Cast("uint64_t") long value, int add);

    public static native int hvae4j_cpu_adam_prepare(@Cast("const float*") long norm_sq, @Cast("const float*") long loss, float clip, float beta1, float beta2, @Cast("hvae4j_adam_state*") long state);

    public static native int hvae4j_cpu_adam_device(long n, @Cast("float*") long param, @Cast("const float*") long grad, @Cast("float*") long m, @Cast("float*") long v, float beta1, float beta2, float eps, float weight_decay, @Cast("const hvae4j_adam_state*") long state);
}
