// CPU loops of the Gaussian latent layer (formulas: hvae4j/gaussian.h). The float path runs in chunks of elements, in
// three vector loops per chunk: the Philox blocks, Box-Muller, and the element formulas; row sums (in double) and
// per-row weights are walked over the chunk's row segments. Values equal the plain loops' (loops.h) up to libmvec's
// last-ulp differences. Each flag set and output set is its own compiled loop, so unused arithmetic is left out.
#include "chunks.h"
#include "hvae4j/gaussian.h"
#include "hvae4j/hvae4j_cpu.h"
#include "noise_chunks.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

namespace {

template <int F>
HVAE4J_INLINE void gaussian_forward_f(int64_t rows, int64_t cols, const float* q_mu, const float* q_lv,
                                      const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, float* z,
                                      float* kl, float* logq, float* logp) {
  constexpr bool standard = (F & HVAE4J_GAUSSIAN_PRIOR_STANDARD) != 0;
  float eps[kNoiseChunk];
  auto element = HVAE4J_ELEMENT_FN(int64_t i, int j) {
    return gaussian_forward_element<float>(F, q_mu[i], q_lv[i], standard ? 0.0f : p_mu[i],
                                           standard ? 0.0f : p_lv[i], eps[j]);
  };
  latent_forward_chunks(
      rows, cols, z, kl, logq, logp, HVAE4J_ELEMENT_FN(int64_t e0, int n) { normals_chunk(seed, offset, e0, n, eps); },
      HVAE4J_ELEMENT_FN(int64_t i, int j) { return element(i, j).z; }, element);
}

// WQ / WP: whether d_q_* / d_p_* are written (the unwanted pair's arithmetic is left out at compile time).
template <int F, bool WQ, bool WP>
HVAE4J_INLINE void gaussian_backward_f(int64_t rows, int64_t cols, const float* q_mu, const float* q_lv,
                                       const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                       const float* dz, const float* w_kl, const float* w_logq, const float* w_logp,
                                       float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  constexpr bool standard = (F & HVAE4J_GAUSSIAN_PRIOR_STANDARD) != 0;
  float eps[kNoiseChunk], wk[kNoiseChunk], wq[kNoiseChunk], wp[kNoiseChunk];
  const ChunkInput dz_in(dz, 0.0f);
  const int64_t total = rows * cols;
  for (int64_t e0 = 0; e0 < total; e0 += kNoiseChunk) {
    const int n = (int)(total - e0 < kNoiseChunk ? total - e0 : kNoiseChunk);
    normals_chunk(seed, offset, e0, n, eps);
    const float* gz = dz_in.at(e0);
    spread_rows(cols, e0, n, {w_kl, w_logq, w_logp, nullptr}, {wk, wq, wp, nullptr});
    const float *am = q_mu + e0, *al = q_lv + e0;
    const float* pm = standard ? nullptr : p_mu + e0;
    const float* pl = standard ? nullptr : p_lv + e0;
    float* dqm = WQ ? d_q_mu + e0 : nullptr;
    float* dql = WQ ? d_q_lv + e0 : nullptr;
    float* dpm = WP ? d_p_mu + e0 : nullptr;
    float* dpl = WP ? d_p_lv + e0 : nullptr;
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      GaussianGrads<float> d = gaussian_backward_element<float>(F, am[j], al[j], standard ? 0.0f : pm[j],
                                                                standard ? 0.0f : pl[j], eps[j], gz[j], wk[j],
                                                                wq[j], wp[j]);
      if (WQ) {
        dqm[j] = d.q_mu;
        dql[j] = d.q_lv;
      }
      if (WP) {
        dpm[j] = d.p_mu;
        dpl[j] = d.p_lv;
      }
    }
  }
}

#define HVAE4J_GAUSSIAN_FLAG_CASES(CALL) \
  case 0: CALL(0); break;                \
  case 1: CALL(1); break;                \
  case 2: CALL(2); break;                \
  case 3: CALL(3); break;                \
  case 4: CALL(4); break;                \
  case 5: CALL(5); break;                \
  case 6: CALL(6); break;                \
  case 7: CALL(7); break;

HVAE4J_CPU_CLONES void gaussian_forward_float(int64_t rows, int64_t cols, int flags, const float* q_mu,
                                              const float* q_lv, const float* p_mu, const float* p_lv,
                                              uint64_t seed, uint64_t offset, float* z, float* kl, float* logq,
                                              float* logp) {
#define HVAE4J_CALL(F) \
  gaussian_forward_f<F>(rows, cols, q_mu, q_lv, p_mu, p_lv, seed, offset, z, kl, logq, logp)
  switch (flags) { HVAE4J_GAUSSIAN_FLAG_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
}

HVAE4J_CPU_CLONES void gaussian_backward_float(int64_t rows, int64_t cols, int flags, const float* q_mu,
                                               const float* q_lv, const float* p_mu, const float* p_lv,
                                               uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
                                               const float* w_logq, const float* w_logp, float* d_q_mu,
                                               float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  const bool want_q = d_q_mu != nullptr, want_p = !(flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD) && d_p_mu != nullptr;
#define HVAE4J_CALL_WANTS(F, WQ, WP)                                                                         \
  gaussian_backward_f<F, WQ, WP>(rows, cols, q_mu, q_lv, p_mu, p_lv, seed, offset, dz, w_kl, w_logq, w_logp, \
                                 d_q_mu, d_q_lv, d_p_mu, d_p_lv)
#define HVAE4J_CALL(F) HVAE4J_CALL_WANTED(HVAE4J_CALL_WANTS, F, !((F) & HVAE4J_GAUSSIAN_PRIOR_STANDARD))
  switch (flags) { HVAE4J_GAUSSIAN_FLAG_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
#undef HVAE4J_CALL_WANTS
}

int gaussian_forward_entry(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                            const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, float* z, float* kl,
                            float* logq, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(rows * cols == 0 || (q_mu && q_lv && z && (standard || (p_mu && p_lv))));
  if (cols == 0) return zero_row_sums(rows, kl, logq, logp);
  gaussian_forward_float(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, z, kl, logq, logp);
  return HVAE4J_OK;
}

int gaussian_backward_entry(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                             const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, const float* dz,
                             const float* w_kl, const float* w_logq, const float* w_logp, float* d_q_mu,
                             float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv, d_p_mu,
                                           d_p_lv));
  if (rows * cols == 0) return HVAE4J_OK;
  gaussian_backward_float(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, dz, w_kl, w_logq, w_logp, d_q_mu,
                          d_q_lv, d_p_mu, d_p_lv);
  return HVAE4J_OK;
}

}  // namespace

extern "C" {

int hvae4j_cpu_gaussian_forward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                                const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                const uint64_t* offset_add, float* z, float* kl, float* logq, float* logp) {
  return gaussian_forward_entry(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, noise_offset(offset, offset_add), z,
                                kl, logq, logp);
}

int hvae4j_cpu_gaussian_backward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                                 const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                 const uint64_t* offset_add, const float* dz, const float* w_kl, const float* w_logq,
                                 const float* w_logp, float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  return gaussian_backward_entry(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, noise_offset(offset, offset_add), dz,
                                 w_kl, w_logq, w_logp, d_q_mu, d_q_lv, d_p_mu, d_p_lv);
}

int hvae4j_cpu_precision_merge(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp,
                               float* mq, float* lvq) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (mh && lvh && mp && lvp && mq && lvq)));
  for (int64_t i = 0; i < n; ++i) precision_merge_element<float>(mh[i], lvh[i], mp[i], lvp[i], mq + i, lvq + i);
  return HVAE4J_OK;
}

int hvae4j_cpu_precision_merge_backward(int64_t n, const float* mh, const float* lvh, const float* mp,
                                        const float* lvp, const float* dmq, const float* dlvq, float* dmh,
                                        float* dlvh, float* dmp, float* dlvp) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (mh && lvh && mp && lvp && dmq && dlvq && dmh && dlvh && dmp && dlvp)));
  for (int64_t i = 0; i < n; ++i)
    precision_merge_backward_element<float>(mh[i], lvh[i], mp[i], lvp[i], dmq[i], dlvq[i], dmh + i, dlvh + i,
                                            dmp + i, dlvp + i);
  return HVAE4J_OK;
}

}  // extern "C"
