// CPU loops of the Bernoulli latent layer (formulas: hvae4j/bernoulli.h): chunked and vectorized like the Gaussian
// one (gaussian.cpp), each estimator and output set its own compiled loop.
#include "chunks.h"
#include "hvae4j/bernoulli.h"
#include "hvae4j/hvae4j_cpu.h"
#include "noise_chunks.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

namespace {

template <int E>
HVAE4J_INLINE void bernoulli_forward_f(int64_t rows, int64_t cols, float tau, const float* q_logits,
                                       const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, float* z,
                                       float* kl, float* logq, float* logp) {
  float u[kNoiseChunk];
  const ChunkInput lp_in(p_logits, p_logit);
  const float* lp = nullptr;
  latent_forward_chunks(
      rows, cols, z, kl, logq, logp,
      HVAE4J_ELEMENT_FN(int64_t e0, int n) {
        uniforms_chunk(seed, offset, e0, n, u);
        lp = lp_in.at(e0);
      },
      HVAE4J_ELEMENT_FN(int64_t i, int j) { return bernoulli_sample<float>(E, tau, q_logits[i], u[j]); },
      HVAE4J_ELEMENT_FN(int64_t i, int j) {
        return bernoulli_forward_element<float>(E, tau, q_logits[i], lp[j], u[j]);
      });
}

// WQ / WP: whether d_q_logits / d_p_logits are written (the unwanted one's arithmetic is left out).
template <int E, bool WQ, bool WP>
HVAE4J_INLINE void bernoulli_backward_f(int64_t rows, int64_t cols, float tau, const float* q_logits,
                                        const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                        const float* dz, const float* w_kl, const float* w_logq, const float* w_logp,
                                        const float* signal, float* d_q_logits, float* d_p_logits) {
  float u[kNoiseChunk], wk[kNoiseChunk], wq[kNoiseChunk], wp[kNoiseChunk], sg[kNoiseChunk];
  const ChunkInput lp_in(p_logits, p_logit), dz_in(dz, 0.0f);
  const int64_t total = rows * cols;
  for (int64_t e0 = 0; e0 < total; e0 += kNoiseChunk) {
    const int n = (int)(total - e0 < kNoiseChunk ? total - e0 : kNoiseChunk);
    uniforms_chunk(seed, offset, e0, n, u);
    const float* lp = lp_in.at(e0);
    const float* gz = dz_in.at(e0);
    spread_rows(cols, e0, n, {w_kl, w_logq, w_logp, signal}, {wk, wq, wp, sg});
    const float* lq = q_logits + e0;
    float* dq = WQ ? d_q_logits + e0 : nullptr;
    float* dp = WP ? d_p_logits + e0 : nullptr;
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      float a, b;
      bernoulli_backward_element<float>(E, tau, lq[j], lp[j], u[j], gz[j], wk[j], wq[j], wp[j], sg[j], &a, &b);
      if (WQ) dq[j] = a;
      if (WP) dp[j] = b;
    }
  }
}

#define HVAE4J_ESTIMATOR_CASES(CALL) \
  case 0: CALL(0); break;            \
  case 1: CALL(1); break;            \
  case 2: CALL(2); break;            \
  case 3: CALL(3); break;            \
  case 4: CALL(4); break;

HVAE4J_CPU_CLONES void bernoulli_forward_float(int64_t rows, int64_t cols, int estimator, float tau,
                                               const float* q_logits, const float* p_logits, float p_logit,
                                               uint64_t seed, uint64_t offset, float* z, float* kl, float* logq,
                                               float* logp) {
#define HVAE4J_CALL(E) \
  bernoulli_forward_f<E>(rows, cols, tau, q_logits, p_logits, p_logit, seed, offset, z, kl, logq, logp)
  switch (estimator) { HVAE4J_ESTIMATOR_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
}

HVAE4J_CPU_CLONES void bernoulli_backward_float(int64_t rows, int64_t cols, int estimator, float tau,
                                                const float* q_logits, const float* p_logits, float p_logit,
                                                uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
                                                const float* w_logq, const float* w_logp, const float* signal,
                                                float* d_q_logits, float* d_p_logits) {
  const bool want_q = d_q_logits != nullptr, want_p = p_logits != nullptr && d_p_logits != nullptr;
#define HVAE4J_CALL_WANTS(E, WQ, WP)                                                                   \
  bernoulli_backward_f<E, WQ, WP>(rows, cols, tau, q_logits, p_logits, p_logit, seed, offset, dz, w_kl, \
                                  w_logq, w_logp, signal, d_q_logits, d_p_logits)
#define HVAE4J_CALL(E) HVAE4J_CALL_WANTED(HVAE4J_CALL_WANTS, E, true)
  switch (estimator) { HVAE4J_ESTIMATOR_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
#undef HVAE4J_CALL_WANTS
}

int bernoulli_forward_entry(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                             const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, float* z,
                             float* kl, float* logq, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || (q_logits && z));
  if (cols == 0) return zero_row_sums(rows, kl, logq, logp);
  bernoulli_forward_float(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, z, kl, logq, logp);
  return HVAE4J_OK;
}


int bernoulli_backward_entry(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                              const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, const float* dz,
                              const float* w_kl, const float* w_logq, const float* w_logp, const float* signal,
                              float* d_q_logits, float* d_p_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || q_logits);
  HVAE4J_REQUIRE(estimator != HVAE4J_BERNOULLI_REINFORCE || rows == 0 || signal);
  if (rows * cols == 0) return HVAE4J_OK;
  bernoulli_backward_float(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, dz, w_kl, w_logq,
                           w_logp, signal, d_q_logits, d_p_logits);
  return HVAE4J_OK;
}

}  // namespace

extern "C" {

int hvae4j_cpu_bernoulli_forward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                                 const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                 const uint64_t* offset_add, float* z, float* kl, float* logq, float* logp) {
  return bernoulli_forward_entry(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed,
                                 noise_offset(offset, offset_add), z, kl, logq, logp);
}

int hvae4j_cpu_bernoulli_backward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                                  const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                  const uint64_t* offset_add, const float* dz, const float* w_kl, const float* w_logq,
                                  const float* w_logp, const float* signal, float* d_q_logits, float* d_p_logits) {
  return bernoulli_backward_entry(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed,
                                  noise_offset(offset, offset_add), dz, w_kl, w_logq, w_logp, signal, d_q_logits,
                                  d_p_logits);
}

}  // extern "C"
