// CPU loops of the decoder likelihoods (formulas: hvae4j/likelihood.h). The Bernoulli likelihood's float path takes
// the targets of a chunk of a row first (drawn from the chunk's Philox blocks, or x itself where it is not
// binarized), then the chunk's log-likelihood or gradient in a loop that vectorizes with libmvec: the same values as
// the plain loop (loops.h) up to a few ulps. The Gaussian likelihood runs the plain loop.
#include "common.h"
#include "hvae4j/hvae4j_cpu.h"
#include "hvae4j/likelihood.h"
#include "loops.h"
#include "noise_chunks.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

namespace {

constexpr int kChunk = 256;

// The targets of elements [i, i + n) of x (n <= kChunk): 0/1 draws written to t when binarizing, else x itself.
HVAE4J_INLINE const float* targets_chunk(int binarize, uint64_t seed, uint64_t offset, const float* x, int64_t i,
                                         int n, float* t) {
  if (!binarize) return x + i;
  binary_targets_chunk(seed, offset, i, n, x + i, t);
  return t;
}

HVAE4J_CPU_CLONES int bernoulli_likelihood_forward_float(int64_t rows, int64_t cols, int64_t x_rows,
                                                         const float* logits, const float* x, int binarize,
                                                         uint64_t seed, uint64_t offset, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && logp));
  float t[kChunk];
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    const float* l = logits + r * cols;
    double s = 0;
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      const int n = (int)(cols - c0 < kChunk ? cols - c0 : kChunk);
      const float* tc = targets_chunk(binarize, seed, offset, x, xr + c0, n, t);
      float part = 0;
#pragma omp simd reduction(+ : part)
      for (int j = 0; j < n; ++j) part += bernoulli_log_prob_from(tc[j], l[c0 + j], simd::log_sigmoid(-l[c0 + j]));
      s += part;
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int bernoulli_likelihood_backward_float(int64_t rows, int64_t cols, int64_t x_rows,
                                                          const float* logits, const float* x, int binarize,
                                                          uint64_t seed, uint64_t offset, const float* w,
                                                          float* d_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && d_logits));
  float t[kChunk];
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    const float* l = logits + r * cols;
    float* d = d_logits + r * cols;
    const float wr = at_or(w, r, 0.0f);
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      const int n = (int)(cols - c0 < kChunk ? cols - c0 : kChunk);
      const float* tc = targets_chunk(binarize, seed, offset, x, xr + c0, n, t);
#pragma omp simd
      for (int j = 0; j < n; ++j) d[c0 + j] = bernoulli_logit_grad(wr, tc[j], simd::sigmoid(l[c0 + j]));
    }
  }
  return HVAE4J_OK;
}

}  // namespace

extern "C" {

int hvae4j_cpu_bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
                                            const float* x, int binarize, uint64_t seed, uint64_t offset,
                                            const uint64_t* offset_add, float* logp) {
  return bernoulli_likelihood_forward_float(rows, cols, x_rows, logits, x, binarize, seed,
                                            noise_offset(offset, offset_add), logp);
}

int hvae4j_cpu_bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
                                             const float* x, int binarize, uint64_t seed, uint64_t offset,
                                             const uint64_t* offset_add, const float* w, float* d_logits) {
  return bernoulli_likelihood_backward_float(rows, cols, x_rows, logits, x, binarize, seed,
                                             noise_offset(offset, offset_add), w, d_logits);
}

int hvae4j_cpu_gaussian_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
                                           const float* lv, float lv_const, const float* x, float* logp) {
  return gaussian_likelihood_forward_loop<float>(rows, cols, x_rows, mu, lv, lv_const, x, logp);
}

int hvae4j_cpu_gaussian_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
                                            const float* lv, float lv_const, const float* x, const float* w,
                                            float* d_mu, float* d_lv) {
  return gaussian_likelihood_backward_loop<float>(rows, cols, x_rows, mu, lv, lv_const, x, w, d_mu, d_lv);
}

}  // extern "C"
