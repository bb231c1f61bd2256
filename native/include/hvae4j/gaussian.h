// The Gaussian latent layer's formulas, per element: the forward sample with its KL, log q and log p terms, the
// backward gradients, and the Ladder VAE's precision-weighted merge. The CPU loops (src/cpu/gaussian.cpp), the CUDA
// kernels (src/cuda/gaussian.cu) and the double-precision reference (src/cpu/loops.h) all call these.
#pragma once
#include "codes.h"
#include "defs.h"
#include "math.h"

namespace hvae4j {

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
  if (flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD) {
    mp = T(0);
    lvp = T(0);
  }
  const bool residual = (flags & HVAE4J_GAUSSIAN_POSTERIOR_RESIDUAL) != 0;
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
  const bool standard = (flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD) != 0;
  if (standard) {
    mp = T(0);
    lvp = T(0);
  }
  const bool residual = (flags & HVAE4J_GAUSSIAN_POSTERIOR_RESIDUAL) != 0;
  const bool path_only = (flags & HVAE4J_GAUSSIAN_LOGQ_PATH_ONLY) != 0;
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

}  // namespace hvae4j
