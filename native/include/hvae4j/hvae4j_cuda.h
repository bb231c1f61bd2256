/* The C API of libhvae4j_cuda (CUDA backend): the same operations as hvae4j_cpu.h on device pointers, each
 * enqueued on the given cudaStream_t (passed as void* so this header needs no CUDA headers). Functions return
 * HVAE4J_OK or HVAE4J_CUDA_ERROR_BASE + cudaError_t of the launch; they never synchronize. */
#pragma once
#include <stdint.h>
#include "adam_state.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the CUDA runtime this library was compiled against (CUDART_VERSION). */
int hvae4j_cuda_compiled_runtime_version(void);

int hvae4j_cuda_fill(float* y, float value, int64_t n, void* stream);
int hvae4j_cuda_axpby(float alpha, const float* x, float beta, float* y, int64_t n, void* stream);
int hvae4j_cuda_mul(const float* x, const float* z, float* y, int64_t n, void* stream);
int hvae4j_cuda_bias_add(float* y, const float* b, int64_t rows, int64_t cols, void* stream);
int hvae4j_cuda_activation_forward(int act, float alpha, const float* x, float* y, int64_t n, void* stream);
int hvae4j_cuda_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                    float* dx, int64_t n, void* stream);
int hvae4j_cuda_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream);
int hvae4j_cuda_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream);
int hvae4j_cuda_sum_squares(const float* x, int64_t n, int accumulate, float* out, void* stream);

/* ---- fused latent operations (hvae4j/latent.h): rows are batch x samples, sample-major (row = s * batch + b).
 * Noise is Philox4x32-10 keyed by (seed, offset) and indexed by element; backward passes regenerate it. Where
 * offset_add (device memory) is not null, the offset used is offset + *offset_add, read when the kernel runs: a
 * captured CUDA graph replays the same launch with new noise for every step.
 * Per-row outputs and weights (kl, logq, logp, w_*) have one value per row; any of them may be null. */

/* Gaussian latent. flags: 1 standard-normal prior (p_mu, p_lv ignored), 2 residual posterior
 * (q_mu, q_lv are the residuals on the prior), 4 log q gradient through z only (backward). Writes z and the
 * per-row KL(q||p), log q(z), log p(z). */
int hvae4j_cuda_gaussian_forward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
    const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, const uint64_t* offset_add, float* z, float* kl,
    float* logq, float* logp, void* stream);
/* Gradients of sum(dz * z) + sum_r(w_kl[r] KL_r + w_logq[r] log q_r + w_logp[r] log p_r). dz may be null (zero).
 * Each output pair is optional: d_q_mu and d_q_lv both null, or d_p_mu and d_p_lv both null (always allowed with
 * the standard prior), leaves that gradient out. */
int hvae4j_cuda_gaussian_backward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
    const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, const uint64_t* offset_add, const float* dz,
    const float* w_kl, const float* w_logq, const float* w_logp, float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv,
    void* stream);

/* Bernoulli latent on logits. estimator: 0 straight-through identity, 1 straight-through sigmoid derivative,
 * 2 Concrete (relaxed sample, temperature tau), 3 hard-sample straight-through Gumbel, 4 REINFORCE.
 * The prior is p_logits, or the constant logit p_logit when p_logits is null. */
int hvae4j_cuda_bernoulli_forward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
    const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, const uint64_t* offset_add, float* z, float* kl,
    float* logq, float* logp, void* stream);
/* signal: per-row learning signal (reward minus baseline) for REINFORCE, else ignored (may be null).
 * d_q_logits and d_p_logits are each optional (null: that gradient is left out; d_p_logits is unused without
 * p_logits). */
int hvae4j_cuda_bernoulli_backward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
    const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, const uint64_t* offset_add, const float* dz,
    const float* w_kl, const float* w_logq, const float* w_logp, const float* signal, float* d_q_logits, float* d_p_logits,
    void* stream);

/* Decoder likelihoods. x has x_rows rows (rows must be a multiple): output row r reads target row r % x_rows,
 * so k importance samples share one copy of the batch. binarize != 0 draws 0/1 targets with P(1) = x from the
 * (seed, offset) stream indexed by the target element. */
int hvae4j_cuda_bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
    const float* x, int binarize, uint64_t seed, uint64_t offset, const uint64_t* offset_add, float* logp, void* stream);
int hvae4j_cuda_bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
    const float* x, int binarize, uint64_t seed, uint64_t offset, const uint64_t* offset_add, const float* w,
    float* d_logits, void* stream);
/* Gaussian likelihood with mean mu and log-variance lv ([rows, cols]), or the fixed log-variance lv_const when
 * lv is null (then d_lv may be null). */
int hvae4j_cuda_gaussian_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
    const float* lv, float lv_const, const float* x, float* logp, void* stream);
int hvae4j_cuda_gaussian_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
    const float* lv, float lv_const, const float* x, const float* w, float* d_mu, float* d_lv, void* stream);

/* Importance weighting over k samples of `batch` examples: logw[s * batch + b]. bound[b] = log mean_s exp(logw),
 * wnorm = normalized weights (the IWAE gradient weights), wsq = their squares (DReG). Outputs may be null. */
int hvae4j_cuda_iwae(int64_t k, int64_t batch, const float* logw, float* bound, float* wnorm, float* wsq, void* stream);

/* y[s * rows + r] = x[r] for s < times (k copies of a batch), and its adjoint
 * y[r] = sum_s x[s * rows + r] + beta * y[r]. */
int hvae4j_cuda_repeat_rows(const float* x, int64_t rows, int64_t cols, int64_t times, float* y, void* stream);
int hvae4j_cuda_sum_repeats(const float* x, int64_t rows, int64_t cols, int64_t times, float beta, float* y, void* stream);

/* Precision-weighted merge (Ladder VAE) of the bottom-up estimate (mh, lvh) and the prior (mp, lvp) into the
 * posterior (mq, lvq), n elements; and its backward pass from (dmq, dlvq). */
int hvae4j_cuda_precision_merge(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp, float* mq,
    float* lvq, void* stream);
int hvae4j_cuda_precision_merge_backward(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp,
    const float* dmq, const float* dlvq, float* dmh, float* dlvh, float* dmp, float* dlvp, void* stream);

/* One fused Adam(W) step over n parameters: g = grad * grad_scale[0] (grad_scale is a device/host pointer to one
 * float, the clipping factor, or null for 1); c1 = 1 - beta1^t and c2 = 1 - beta2^t are the bias corrections. */
int hvae4j_cuda_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1, float beta2,
    float eps, float weight_decay, float c1, float c2, const float* grad_scale, void* stream);

/* y = a 0/1 draw with P(1) = x per element, from the (seed, offset) stream indexed by element: exactly the targets
 * the Bernoulli likelihood draws when it binarizes x in place, so a model can feed the same binary x to its
 * encoder (and the likelihood's own binarization of a binary x is the identity). */
int hvae4j_cuda_binarize(const float* x, int64_t n, uint64_t seed, uint64_t offset, const uint64_t* offset_add, float* y,
    void* stream);

/* ---- device-resident training steps (a step captured as a CUDA graph reads no host value; adam_state.h) ---- */

/* *x = value, or *x += value when add != 0: one 64-bit word of device memory, in stream order. */
int hvae4j_cuda_u64_update(uint64_t* x, uint64_t value, int add, void* stream);

/* From the sum of squared gradients (norm_sq) and the loss (may be null): skip = !(finite norm and loss); unless
 * skipped t += 1, c1, c2 and the clipping scale (clip may be +inf) for this step. One thread. */
int hvae4j_cuda_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
    hvae4j_adam_state* state, void* stream);

/* hvae4j_cuda_adam with lr, c1, c2 and the gradient scale read from state; does nothing when state->skip. */
int hvae4j_cuda_adam_device(int64_t n, float* param, const float* grad, float* m, float* v, float beta1, float beta2,
    float eps, float weight_decay, const hvae4j_adam_state* state, void* stream);

#ifdef __cplusplus
}
#endif
