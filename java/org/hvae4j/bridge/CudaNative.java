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

    // ---- fused latent operations (generated from the C header by scripts/gen-bridge.py) ----

    public static native int hvae4j_cuda_gaussian_forward(long rows, long cols, int flags, @Cast("const float*") long q_mu, @Cast("const float*") long q_lv, @Cast("const float*") long p_mu, @Cast("const float*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("float*") long z, @Cast("float*") long kl, @Cast("float*") long logq, @Cast("float*") long logp, @Cast("void*") long stream);

    public static native int hvae4j_cuda_gaussian_backward(long rows, long cols, int flags, @Cast("const float*") long q_mu, @Cast("const float*") long q_lv, @Cast("const float*") long p_mu, @Cast("const float*") long p_lv, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("const float*") long dz, @Cast("const float*") long w_kl, @Cast("const float*") long w_logq, @Cast("const float*") long w_logp, @Cast("float*") long d_q_mu, @Cast("float*") long d_q_lv, @Cast("float*") long d_p_mu, @Cast("float*") long d_p_lv, @Cast("void*") long stream);

    public static native int hvae4j_cuda_bernoulli_forward(long rows, long cols, int estimator, float tau, @Cast("const float*") long q_logits, @Cast("const float*") long p_logits, float p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("float*") long z, @Cast("float*") long kl, @Cast("float*") long logq, @Cast("float*") long logp, @Cast("void*") long stream);

    public static native int hvae4j_cuda_bernoulli_backward(long rows, long cols, int estimator, float tau, @Cast("const float*") long q_logits, @Cast("const float*") long p_logits, float p_logit, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("const float*") long dz, @Cast("const float*") long w_kl, @Cast("const float*") long w_logq, @Cast("const float*") long w_logp, @Cast("const float*") long signal, @Cast("float*") long d_q_logits, @Cast("float*") long d_p_logits, @Cast("void*") long stream);

    public static native int hvae4j_cuda_bernoulli_likelihood_forward(long rows, long cols, long x_rows, @Cast("const float*") long logits, @Cast("const float*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("float*") long logp, @Cast("void*") long stream);

    public static native int hvae4j_cuda_bernoulli_likelihood_backward(long rows, long cols, long x_rows, @Cast("const float*") long logits, @Cast("const float*") long x, int binarize, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("const float*") long w, @Cast("float*") long d_logits, @Cast("void*") long stream);

    public static native int hvae4j_cuda_gaussian_likelihood_forward(long rows, long cols, long x_rows, @Cast("const float*") long mu, @Cast("const float*") long lv, float lv_const, @Cast("const float*") long x, @Cast("float*") long logp, @Cast("void*") long stream);

    public static native int hvae4j_cuda_gaussian_likelihood_backward(long rows, long cols, long x_rows, @Cast("const float*") long mu, @Cast("const float*") long lv, float lv_const, @Cast("const float*") long x, @Cast("const float*") long w, @Cast("float*") long d_mu, @Cast("float*") long d_lv, @Cast("void*") long stream);

    public static native int hvae4j_cuda_iwae(long k, long batch, @Cast("const float*") long logw, @Cast("float*") long bound, @Cast("float*") long wnorm, @Cast("float*") long wsq, @Cast("void*") long stream);

    public static native int hvae4j_cuda_repeat_rows(@Cast("const float*") long x, long rows, long cols, long times, @Cast("float*") long y, @Cast("void*") long stream);

    public static native int hvae4j_cuda_sum_repeats(@Cast("const float*") long x, long rows, long cols, long times, float beta, @Cast("float*") long y, @Cast("void*") long stream);

    public static native int hvae4j_cuda_precision_merge(long n, @Cast("const float*") long mh, @Cast("const float*") long lvh, @Cast("const float*") long mp, @Cast("const float*") long lvp, @Cast("float*") long mq, @Cast("float*") long lvq, @Cast("void*") long stream);

    public static native int hvae4j_cuda_precision_merge_backward(long n, @Cast("const float*") long mh, @Cast("const float*") long lvh, @Cast("const float*") long mp, @Cast("const float*") long lvp, @Cast("const float*") long dmq, @Cast("const float*") long dlvq, @Cast("float*") long dmh, @Cast("float*") long dlvh, @Cast("float*") long dmp, @Cast("float*") long dlvp, @Cast("void*") long stream);

    public static native int hvae4j_cuda_adam(long n, @Cast("float*") long param, @Cast("const float*") long grad, @Cast("float*") long m, @Cast("float*") long v, float lr, float beta1, float beta2, float eps, float weight_decay, float c1, float c2, @Cast("const float*") long grad_scale, @Cast("void*") long stream);

    public static native int hvae4j_cuda_binarize(@Cast("const float*") long x, long n, @Cast("uint64_t") long seed, @Cast("uint64_t") long offset, @Cast("const uint64_t*") long offset_add, @Cast("float*") long y, @Cast("void*") long stream);

    public static native int hvae4j_cuda_u64_update(@Cast("uint64_t*") long x, @Cast("uint64_t") long value, int add, @Cast("void*") long stream);

    public static native int hvae4j_cuda_adam_prepare(@Cast("const float*") long norm_sq, @Cast("const float*") long loss, float clip, float beta1, float beta2, @Cast("hvae4j_adam_state*") long state, @Cast("void*") long stream);

    public static native int hvae4j_cuda_adam_device(long n, @Cast("float*") long param, @Cast("const float*") long grad, @Cast("float*") long m, @Cast("float*") long v, float beta1, float beta2, float eps, float weight_decay, @Cast("const hvae4j_adam_state*") long state, @Cast("void*") long stream);
}
