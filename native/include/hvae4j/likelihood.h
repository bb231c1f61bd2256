// The decoder likelihoods' formulas, per element: the target (the grey level, or its dynamic binarization), the
// log-density terms and their gradients. Called by src/cpu/likelihood.cpp, src/cuda/likelihood.cu and the
// double-precision reference (src/cpu/loops.h).
#pragma once
#include "defs.h"
#include "math.h"
#include "random.h"

namespace hvae4j {

// Decoder target: the grey level x, or with dynamic binarization a 0/1 draw with P(1) = x from the element's
// uniform (the same draw in forward and backward, and for every importance sample of one example).
template <typename T>
HVAE4J_HD T likelihood_target(T x, bool binarize, uint64_t seed, uint64_t offset, uint64_t x_index) {
  if (!binarize) return x;
  return uniform_at<T>(seed, offset, x_index) < x ? T(1) : T(0);
}

// The same target through a sequential cursor (CPU loops).
template <typename T>
HVAE4J_HD T likelihood_target(T x, bool binarize, NoiseCursor& noise, uint64_t x_index) {
  if (!binarize) return x;
  return noise.uniform<T>(x_index) < x ? T(1) : T(0);
}

// The binary target of a uniform u: [u < x], the draw of likelihood_target.
template <typename T>
HVAE4J_HD_INLINE T binary_target(T u, T x) {
  return u < x ? T(1) : T(0);
}

// log Bern(t; sigmoid(l)) = t l + log sigmoid(-l), given log sigmoid(-l) (the CPU's vector loops compute it with
// their own vectorized function; bernoulli_log_prob of math.h is this with the scalar one).
template <typename T>
HVAE4J_HD_INLINE T bernoulli_log_prob_from(T t, T l, T log_sigmoid_neg_l) {
  return t * l + log_sigmoid_neg_l;
}

// w d/dl log Bern(t; sigmoid(l)) = w (t - sigmoid(l)), given s = sigmoid(l).
template <typename T>
HVAE4J_HD_INLINE T bernoulli_logit_grad(T w, T t, T s) {
  return w * (t - s);
}

// w d/dmu and w d/dlv of log N(x; mu, exp(lv)).
template <typename T>
HVAE4J_HD_INLINE void gaussian_likelihood_grads(T x, T mu, T lv, T w, T* d_mu, T* d_lv) {
  *d_mu = sat(w * (x - mu) * exp_sat(-lv));
  *d_lv = sat(w * T(0.5) * (gaussian_sq_std(x, mu, lv) - T(1)));
}

// Rows of the targets: rows must be a multiple of x_rows (k importance samples share one copy of the batch).
inline bool target_rows_ok(int64_t rows, int64_t x_rows) { return x_rows > 0 ? rows % x_rows == 0 : rows == 0; }

}  // namespace hvae4j
