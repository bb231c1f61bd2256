// The Bernoulli latent layer's formulas, per element: the hard (or relaxed) sample with its KL, log q and log p terms,
// and the logit gradients of each estimator (codes.h: hvae4j_bernoulli_estimator). Called by src/cpu/bernoulli.cpp,
// src/cuda/bernoulli.cu and the double-precision reference (src/cpu/loops.h).
#pragma once
#include "codes.h"
#include "defs.h"
#include "gaussian.h"
#include "math.h"
#include "random.h"

namespace hvae4j {

// A Bernoulli estimator code and its temperature (checked on the host by both backends): the relaxed estimators need
// a finite tau > 0.
template <typename T>
inline bool estimator_ok(int e, T tau) {
  return e >= 0 && e < HVAE4J_BERNOULLI_ESTIMATOR_COUNT &&
         ((e != HVAE4J_BERNOULLI_CONCRETE && e != HVAE4J_BERNOULLI_ST_GUMBEL) || (tau > 0 && isfinite(tau)));
}

// The sample of a Bernoulli latent with posterior logit lq and uniform u: hard 0/1 (u < sigmoid(lq)), or for the
// Concrete estimator the relaxed sigmoid((lq - logit u) / tau), which tends to the hard sample as tau -> 0.
template <typename T>
HVAE4J_HD_INLINE T bernoulli_sample(int estimator, T tau, T lq, T u) {
  if (estimator == HVAE4J_BERNOULLI_CONCRETE) return sigmoid((lq - logistic_from_uniform(u)) / tau);
  return bernoulli_decision((double)u, (double)lq) ? T(1) : T(0);
}

template <typename T>
HVAE4J_HD_INLINE LatentForward<T> bernoulli_forward_element(int estimator, T tau, T lq, T lp, T u) {
  LatentForward<T> o;
  o.z = bernoulli_sample(estimator, tau, lq, u);
  o.logq = bernoulli_log_prob(o.z, lq);
  o.logp = bernoulli_log_prob(o.z, lp);
  o.kl = bernoulli_kl(lq, lp);
  return o;
}

// Gradients (d lq, d lp) of  gz * z + wk * KL + wq * log q(z) + wp * log p(z)  [+ signal * log q(z) for
// REINFORCE], with dz/dlq given by the estimator.
template <typename T>
HVAE4J_HD_INLINE void bernoulli_backward_element(int estimator, T tau, T lq, T lp, T u, T gz, T wk, T wq, T wp, T signal,
                                          T* d_lq, T* d_lp) {
  T z = bernoulli_sample(estimator, tau, lq, u);
  T q = sigmoid(lq);
  // log q(z) = z lq + log sigmoid(-lq): d/dz = lq (the path through z), d/dlq = z - q (the score).
  T g = gz + wq * lq + wp * lp;
  T dz_dl;
  switch (estimator) {
    case HVAE4J_BERNOULLI_ST_IDENTITY: dz_dl = T(1); break;
    case HVAE4J_BERNOULLI_ST_SIGMOID: dz_dl = q * sigmoid(-lq); break;
    case HVAE4J_BERNOULLI_CONCRETE:
    case HVAE4J_BERNOULLI_ST_GUMBEL: {
      T a = (lq - logistic_from_uniform(u)) / tau;
      dz_dl = sigmoid(a) * sigmoid(-a) / tau;
      break;
    }
    default: dz_dl = T(0); break;  // REINFORCE: no pathwise gradient
  }
  T score = z - q;
  T dl = g * dz_dl + wq * score + wk * bernoulli_kl_grad_lq(lq, lp);
  if (estimator == HVAE4J_BERNOULLI_REINFORCE) dl += signal * score;
  *d_lq = sat(dl);
  *d_lp = sat(wp * (z - sigmoid(lp)) + wk * bernoulli_kl_grad_lp(lq, lp));
}

}  // namespace hvae4j
