// The fused operations of a stochastic layer, per element: forward values and backward gradients of
// Gaussian and Bernoulli latents and of the decoder likelihoods. The CPU loops (src/cpu/latent.cpp) and the CUDA
// kernels (src/cuda/latent.cu) both call these, so the two backends compute the same function.
#pragma once
#include "defs.h"
#include "math.h"
#include "random.h"
#include "adam_state.h"

namespace hvae4j {

// Flags of the Gaussian latent.
enum GaussianFlags : int {
  GAUSSIAN_PRIOR_STANDARD = 1,     // p(z) = N(0, I): the prior tensors are ignored (and may be null)
  GAUSSIAN_POSTERIOR_RESIDUAL = 2, // the posterior inputs are (d_mu, d_lv): mu_q = mu_p + d_mu, lv_q = lv_p + d_lv
  GAUSSIAN_LOGQ_PATH_ONLY = 4,     // backward: log q(z) gradients flow through z only (STL / DReG), not through
                                   // the density's parameters
  GAUSSIAN_FLAGS_ALL = 7
};

// Gradient estimators of the Bernoulli latent.
enum BernoulliEstimator : int {
  BERNOULLI_ST_IDENTITY = 0,  // hard z forward; dz/dl := 1
  BERNOULLI_ST_SIGMOID = 1,   // hard z forward; dz/dl := sigmoid'(l)
  BERNOULLI_CONCRETE = 2,     // relaxed z = sigmoid((l - logit u) / tau) forward and backward
  BERNOULLI_ST_GUMBEL = 3,    // hard z forward; dz/dl := d/dl sigmoid((l - logit u) / tau)
  BERNOULLI_REINFORCE = 4,    // hard z forward; dl = signal * (z - sigmoid(l)), no path through z
  BERNOULLI_ESTIMATOR_COUNT = 5
};

// What a latent layer's forward pass computes for one element: the sample and its terms of the per-row KL(q||p),
// log q(z) and log p(z).
template <typename T>
struct LatentForward {
  T z, kl, logq, logp;
};

template <typename T>
struct GaussianGrads {
  T q_mu, q_lv, p_mu, p_lv;
};

// a_mu, a_lv: the posterior inputs (mean and log-variance, or residuals). mp, lvp: the prior (ignored for the
// standard normal). eps: the element's standard normal noise.
template <typename T>
HVAE4J_HD_INLINE LatentForward<T> gaussian_forward_element(int flags, T a_mu, T a_lv, T mp, T lvp, T eps) {
  if (flags & GAUSSIAN_PRIOR_STANDARD) {
    mp = T(0);
    lvp = T(0);
  }
  const bool residual = (flags & GAUSSIAN_POSTERIOR_RESIDUAL) != 0;
  T mq = residual ? mp + a_mu : a_mu;
  T lvq = residual ? lvp + a_lv : a_lv;
  LatentForward<T> o;
  o.z = gaussian_sample(mq, lvq, eps);
  o.logq = gaussian_log_prob_eps(lvq, eps);
  o.logp = gaussian_log_prob(o.z, mp, lvp);
  // With residuals the variance ratio is exp(d_lv) exactly, not exp((lvp + d_lv) - lvp) after rounding.
  o.kl = residual ? T(0.5) * (-a_lv + sat(exp_sat(a_lv) + gaussian_sq_std(a_mu, T(0), lvp)) - T(1))
                  : gaussian_kl(mq, lvq, mp, lvp);
  return o;
}

// A Bernoulli estimator code and its temperature (checked on the host by both backends): the relaxed estimators need
// a finite tau > 0.
template <typename T>
inline bool estimator_ok(int e, T tau) {
  return e >= 0 && e < BERNOULLI_ESTIMATOR_COUNT &&
         ((e != BERNOULLI_CONCRETE && e != BERNOULLI_ST_GUMBEL) || (tau > 0 && isfinite(tau)));
}

// The Gaussian backward's pointers (checked on the host by both backends): inputs present; each output pair
// (d_q_*, and d_p_* with a learned prior) either both given or both null (that gradient is not wanted: the bottom-up
// pass takes dp before dz is known, dq after).
template <typename T>
inline bool gaussian_backward_args_ok(int64_t n, bool standard, const T* q_mu, const T* q_lv, const T* p_mu,
                                      const T* p_lv, const T* d_q_mu, const T* d_q_lv, const T* d_p_mu,
                                      const T* d_p_lv) {
  if (n == 0) return true;
  const bool pair_q = (d_q_mu == nullptr) == (d_q_lv == nullptr);
  const bool pair_p = standard || (d_p_mu == nullptr) == (d_p_lv == nullptr);
  return q_mu && q_lv && (standard || (p_mu && p_lv)) && pair_q && pair_p;
}

// Gradients of  sum_elements( gz * z ) + wk * KL + wq * log q(z) + wp * log p(z)  with respect to the posterior
// and prior inputs, for the reparameterized z = mu_q + sigma_q * eps.
template <typename T>
HVAE4J_HD_INLINE GaussianGrads<T> gaussian_backward_element(int flags, T a_mu, T a_lv, T mp, T lvp, T eps, T gz,
                                                            T wk, T wq, T wp) {
  const bool standard = (flags & GAUSSIAN_PRIOR_STANDARD) != 0;
  if (standard) {
    mp = T(0);
    lvp = T(0);
  }
  const bool residual = (flags & GAUSSIAN_POSTERIOR_RESIDUAL) != 0;
  const bool path_only = (flags & GAUSSIAN_LOGQ_PATH_ONLY) != 0;
  T mq = residual ? mp + a_mu : a_mu;
  T lvq = residual ? lvp + a_lv : a_lv;
  T s = exp_sat(T(0.5) * lvq);
  T z = gaussian_sample(mq, lvq, eps);
  T inv_vp = exp_sat(-lvp);
  T ratio = residual ? exp_sat(a_lv) : exp_sat(lvq - lvp);  // sigma_q^2 / sigma_p^2
  T zd = sat((z - mp) * inv_vp);    // (z - mu_p) / sigma_p^2
  T md = sat((mq - mp) * inv_vp);   // (mu_q - mu_p) / sigma_p^2

  // dL/dz along every path that goes through z.
  T g = gz - wp * zd;
  if (path_only) g -= wq * sat(eps / s);  // d log q / dz = -(z - mu_q) / sigma_q^2 = -eps / sigma_q
  g = sat(g);

  GaussianGrads<T> d;
  d.q_mu = sat(g + wk * md);
  d.q_lv = sat(g * T(0.5) * s * eps + wk * T(0.5) * (ratio - T(1)) - (path_only ? T(0) : T(0.5) * wq));
  if (standard) {
    d.p_mu = T(0);
    d.p_lv = T(0);
  } else {
    d.p_mu = sat(wp * zd - wk * md);
    d.p_lv = sat(wp * T(0.5) * (gaussian_sq_std(z, mp, lvp) - T(1)) +
                 wk * T(0.5) * (T(1) - ratio - gaussian_sq_std(mq, mp, lvp)));
    if (residual) {
      d.p_mu = sat(d.p_mu + d.q_mu);
      d.p_lv = sat(d.p_lv + d.q_lv);
    }
  }
  return d;
}

// The sample of a Bernoulli latent with posterior logit lq and uniform u: hard 0/1 (u < sigmoid(lq)), or for the
// Concrete estimator the relaxed sigmoid((lq - logit u) / tau), which tends to the hard sample as tau -> 0.
template <typename T>
HVAE4J_HD_INLINE T bernoulli_sample(int estimator, T tau, T lq, T u) {
  if (estimator == BERNOULLI_CONCRETE) return sigmoid((lq - logistic_from_uniform(u)) / tau);
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
    case BERNOULLI_ST_IDENTITY: dz_dl = T(1); break;
    case BERNOULLI_ST_SIGMOID: dz_dl = q * sigmoid(-lq); break;
    case BERNOULLI_CONCRETE:
    case BERNOULLI_ST_GUMBEL: {
      T a = (lq - logistic_from_uniform(u)) / tau;
      dz_dl = sigmoid(a) * sigmoid(-a) / tau;
      break;
    }
    default: dz_dl = T(0); break;  // REINFORCE: no pathwise gradient
  }
  T score = z - q;
  T dl = g * dz_dl + wq * score + wk * bernoulli_kl_grad_lq(lq, lp);
  if (estimator == BERNOULLI_REINFORCE) dl += signal * score;
  *d_lq = sat(dl);
  *d_lp = sat(wp * (z - sigmoid(lp)) + wk * bernoulli_kl_grad_lp(lq, lp));
}

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

// Precision-weighted merge of two Gaussians (Ladder VAE, Sonderby et al. 2016): the posterior of a top-down layer
// combines the bottom-up estimate (mu_hat, lv_hat) with the prior (mu_p, lv_p):
//   1/sigma_q^2 = 1/sigma_hat^2 + 1/sigma_p^2,  mu_q = w mu_hat + (1 - w) mu_p,  w = sigmoid(lv_p - lv_hat).
template <typename T>
HVAE4J_HD void precision_merge_element(T mh, T lvh, T mp, T lvp, T* mq, T* lvq) {
  T w = sigmoid(lvp - lvh);
  *mq = w * mh + (T(1) - w) * mp;
  // -log(exp(-lvh) + exp(-lvp)) computed without overflow
  *lvq = hmin(lvh, lvp) - log1p(exp(-fabs(lvh - lvp)));
}

// Gradients of the merge given dL/dmu_q and dL/dlv_q.
template <typename T>
HVAE4J_HD void precision_merge_backward_element(T mh, T lvh, T mp, T lvp, T dmq, T dlvq, T* dmh, T* dlvh, T* dmp,
                                                T* dlvp) {
  T w = sigmoid(lvp - lvh);
  T nw = sigmoid(lvh - lvp);  // 1 - w without cancellation
  T dw = w * nw * (mh - mp) * dmq;  // dL/d(lv_p - lv_h) through mu_q
  *dmh = w * dmq;
  *dmp = nw * dmq;
  *dlvh = w * dlvq - dw;
  *dlvp = nw * dlvq + dw;
}

// The per-step part of a device-resident Adam step: from the sum of squared gradients and the loss (null: not
// checked), the skip decision, the step counter, the bias corrections and the clipping scale, computed as the host
// computes them for an ordinary step (nn.Adam.step): norm = sqrt in double rounded to float, c = 1 - beta^t in
// double rounded to float.
HVAE4J_HD void adam_prepare(float norm_sq, const float* loss, float clip, float beta1, float beta2,
                            hvae4j_adam_state* s) {
  const float norm = (float)sqrt((double)norm_sq);
  const bool ok = isfinite(norm) && (loss == nullptr || isfinite(*loss));
  s->norm = norm;
  s->skip = ok ? 0 : 1;
  if (!ok) {
    s->scale = 0.0f;
    return;
  }
  s->t += 1;
  s->c1 = (float)(1.0 - pow((double)beta1, (double)s->t));
  s->c2 = (float)(1.0 - pow((double)beta2, (double)s->t));
  s->scale = (isinf(clip) || norm <= clip) ? 1.0f : clip / norm;
}

// One Adam step (Kingma and Ba) with decoupled weight decay (AdamW, Loshchilov and Hutter) on one element.
// g is the raw gradient times grad_scale (the global-norm clipping factor); c1 = 1 - beta1^t, c2 = 1 - beta2^t.
template <typename T>
HVAE4J_HD void adam_element(T* p, T g, T* m, T* v, T lr, T beta1, T beta2, T eps, T weight_decay, T c1, T c2) {
  *m = beta1 * *m + (T(1) - beta1) * g;
  *v = beta2 * *v + (T(1) - beta2) * g * g;
  T mhat = *m / c1;
  T vhat = *v / c2;
  *p -= lr * (mhat / (sqrt(vhat) + eps) + weight_decay * *p);
}

}  // namespace hvae4j
