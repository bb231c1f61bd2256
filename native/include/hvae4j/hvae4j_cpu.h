/* The C API of libhvae4j (CPU backend). Every function returns a status (status.h); pointers are host
 * addresses passed from Java as 64-bit integers. Matrices are row-major float32 unless a name ends in _f64,
 * which marks the double-precision reference path the tests use. */
#pragma once
#include <stdint.h>
#include "adam_state.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Memory: 64-byte aligned allocations. */
int hvae4j_cpu_malloc(int64_t bytes, int64_t* address);
int hvae4j_cpu_free(int64_t address);

/* y = value. */
int hvae4j_cpu_fill(float* y, float value, int64_t n);
/* y = alpha * x + beta * y (beta == 0 ignores what y held, NaN included). */
int hvae4j_cpu_axpby(float alpha, const float* x, float beta, float* y, int64_t n);
/* y = x * z elementwise. */
int hvae4j_cpu_mul(const float* x, const float* z, float* y, int64_t n);

/* y[r, c] += b[c] for a rows x cols matrix y (in place). */
int hvae4j_cpu_bias_add(float* y, const float* b, int64_t rows, int64_t cols);

/* y = f(x) and dx = dy * f'(x) (dx may alias dy). act: see activation.h; alpha: leaky slope or ELU scale. */
int hvae4j_cpu_activation_forward(int act, float alpha, const float* x, float* y, int64_t n);
int hvae4j_cpu_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                   float* dx, int64_t n);
int hvae4j_cpu_activation_forward_f64(int act, double alpha, const double* x, double* y, int64_t n);
int hvae4j_cpu_activation_backward_f64(int act, double alpha, const double* x, const double* y,
                                       const double* dy, double* dx, int64_t n);

/* out[c] = alpha * sum_r x[r, c] + beta * out[c]  (a column vector of length cols: bias gradients). */
int hvae4j_cpu_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out);
/* out[r] = alpha * sum_c x[r, c] + beta * out[r]. */
int hvae4j_cpu_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out);
/* out[0] = sum x^2 (+ out[0] when accumulate != 0), accumulated in double: global gradient norms. */
int hvae4j_cpu_sum_squares(const float* x, int64_t n, int accumulate, float* out);

/* ---- fused latent operations (hvae4j/latent.h): rows are batch x samples, sample-major (row = s * batch + b).
 * Noise is Philox4x32-10 keyed by (seed, offset) and indexed by element; backward passes regenerate it.
 * Per-row outputs and weights (kl, logq, logp, w_*) have one value per row; any of them may be null. */

/* Gaussian latent. flags: 1 standard-normal prior (p_mu, p_lv ignored), 2 residual posterior
 * (q_mu, q_lv are the residuals on the prior), 4 log q gradient through z only (backward). Writes z and the
 * per-row KL(q||p), log q(z), log p(z). */
int hvae4j_cpu_gaussian_forward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
    const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, float* z, float* kl, float* logq, float* logp);
/* Gradients of sum(dz * z) + sum_r(w_kl[r] KL_r + w_logq[r] log q_r + w_logp[r] log p_r). dz may be null (zero).
 * Each output pair is optional: d_q_mu and d_q_lv both null, or d_p_mu and d_p_lv both null (always allowed with
 * the standard prior), leaves that gradient out. */
int hvae4j_cpu_gaussian_backward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
    const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
    const float* w_logq, const float* w_logp, float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv);

/* Bernoulli latent on logits. estimator: 0 straight-through identity, 1 straight-through sigmoid derivative,
 * 2 Concrete (relaxed sample, temperature tau), 3 hard-sample straight-through Gumbel, 4 REINFORCE.
 * The prior is p_logits, or the constant logit p_logit when p_logits is null. */
int hvae4j_cpu_bernoulli_forward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
    const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, float* z, float* kl, float* logq, float* logp);
/* signal: per-row learning signal (reward minus baseline) for REINFORCE, else ignored (may be null).
 * d_q_logits and d_p_logits are each optional (null: that gradient is left out; d_p_logits is unused without
 * p_logits). */
int hvae4j_cpu_bernoulli_backward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
    const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
    const float* w_logq, const float* w_logp, const float* signal, float* d_q_logits, float* d_p_logits);

/* Decoder likelihoods. x has x_rows rows (rows must be a multiple): output row r reads target row r % x_rows,
 * so k importance samples share one copy of the batch. binarize != 0 draws 0/1 targets with P(1) = x from the
 * (seed, offset) stream indexed by the target element. */
int hvae4j_cpu_bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
    const float* x, int binarize, uint64_t seed, uint64_t offset, float* logp);
int hvae4j_cpu_bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
    const float* x, int binarize, uint64_t seed, uint64_t offset, const float* w, float* d_logits);
/* Gaussian likelihood with mean mu and log-variance lv ([rows, cols]), or the fixed log-variance lv_const when
 * lv is null (then d_lv may be null). */
int hvae4j_cpu_gaussian_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
    const float* lv, float lv_const, const float* x, float* logp);
int hvae4j_cpu_gaussian_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
    const float* lv, float lv_const, const float* x, const float* w, float* d_mu, float* d_lv);

/* Importance weighting over k samples of `batch` examples: logw[s * batch + b]. bound[b] = log mean_s exp(logw),
 * wnorm = normalized weights (the IWAE gradient weights), wsq = their squares (DReG). Outputs may be null. */
int hvae4j_cpu_iwae(int64_t k, int64_t batch, const float* logw, float* bound, float* wnorm, float* wsq);


/* The same operations in double precision: the reference path of the gradient tests. */
int hvae4j_cpu_gaussian_forward_f64(int64_t rows, int64_t cols, int flags, const double* q_mu, const double* q_lv,
    const double* p_mu, const double* p_lv, uint64_t seed, uint64_t offset, double* z, double* kl, double* logq, double* logp);
int hvae4j_cpu_gaussian_backward_f64(int64_t rows, int64_t cols, int flags, const double* q_mu, const double* q_lv,
    const double* p_mu, const double* p_lv, uint64_t seed, uint64_t offset, const double* dz, const double* w_kl,
    const double* w_logq, const double* w_logp, double* d_q_mu, double* d_q_lv, double* d_p_mu, double* d_p_lv);

int hvae4j_cpu_bernoulli_forward_f64(int64_t rows, int64_t cols, int estimator, double tau, const double* q_logits,
    const double* p_logits, double p_logit, uint64_t seed, uint64_t offset, double* z, double* kl, double* logq, double* logp);
int hvae4j_cpu_bernoulli_backward_f64(int64_t rows, int64_t cols, int estimator, double tau, const double* q_logits,
    const double* p_logits, double p_logit, uint64_t seed, uint64_t offset, const double* dz, const double* w_kl,
    const double* w_logq, const double* w_logp, const double* signal, double* d_q_logits, double* d_p_logits);

int hvae4j_cpu_bernoulli_likelihood_forward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* logits,
    const double* x, int binarize, uint64_t seed, uint64_t offset, double* logp);
int hvae4j_cpu_bernoulli_likelihood_backward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* logits,
    const double* x, int binarize, uint64_t seed, uint64_t offset, const double* w, double* d_logits);
int hvae4j_cpu_gaussian_likelihood_forward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* mu,
    const double* lv, double lv_const, const double* x, double* logp);
int hvae4j_cpu_gaussian_likelihood_backward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* mu,
    const double* lv, double lv_const, const double* x, const double* w, double* d_mu, double* d_lv);

int hvae4j_cpu_iwae_f64(int64_t k, int64_t batch, const double* logw, double* bound, double* wnorm, double* wsq);

/* y[s * rows + r] = x[r] for s < times (k copies of a batch), and its adjoint
 * y[r] = sum_s x[s * rows + r] + beta * y[r]. */
int hvae4j_cpu_repeat_rows(const float* x, int64_t rows, int64_t cols, int64_t times, float* y);
int hvae4j_cpu_sum_repeats(const float* x, int64_t rows, int64_t cols, int64_t times, float beta, float* y);

/* Precision-weighted merge (Ladder VAE) of the bottom-up estimate (mh, lvh) and the prior (mp, lvp) into the
 * posterior (mq, lvq), n elements; and its backward pass from (dmq, dlvq). */
int hvae4j_cpu_precision_merge(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp, float* mq,
    float* lvq);
int hvae4j_cpu_precision_merge_backward(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp,
    const float* dmq, const float* dlvq, float* dmh, float* dlvh, float* dmp, float* dlvp);

/* One fused Adam(W) step over n parameters: g = grad * grad_scale[0] (grad_scale is a device/host pointer to one
 * float, the clipping factor, or null for 1); c1 = 1 - beta1^t and c2 = 1 - beta2^t are the bias corrections. */
int hvae4j_cpu_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1, float beta2,
    float eps, float weight_decay, float c1, float c2, const float* grad_scale);

/* y = a 0/1 draw with P(1) = x per element, from the (seed, offset) stream indexed by element: exactly the targets
 * the Bernoulli likelihood draws when it binarizes x in place, so a model can feed the same binary x to its
 * encoder (and the likelihood's own binarization of a binary x is the identity). */
int hvae4j_cpu_binarize(const float* x, int64_t n, uint64_t seed, uint64_t offset, float* y);

/* Self-check of the noise generator: the Philox words of blocks [b0, b0 + nb) of the stream (seed, offset) as the
 * float kernels compute them (eight blocks at a time with AVX2 where the processor has it) against the scalar
 * Philox4x32-10 of random.h; writes the number of differing 32-bit words to *mismatches. 0 < nb <= 1024. */
int hvae4j_cpu_philox_check(uint64_t seed, uint64_t offset, uint64_t b0, int32_t nb, int64_t* mismatches);

/* ---- device-resident training steps: the CPU twins of hvae4j_cuda_u64_update, _adam_prepare and _adam_device
 * (adam_state.h), so that the step a CUDA graph replays runs, and is tested, on the CPU too ---- */
int hvae4j_cpu_u64_update(uint64_t* x, uint64_t value, int add);
int hvae4j_cpu_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
    hvae4j_adam_state* state);
int hvae4j_cpu_adam_device(int64_t n, float* param, const float* grad, float* m, float* v, float beta1, float beta2,
    float eps, float weight_decay, const hvae4j_adam_state* state);

#ifdef __cplusplus
}
#endif
