// The plain loops over the element formulas of the shared headers, templates over the precision: instantiated in
// double they are the reference path of the gradient tests (the test-only library, src/reference), and in float
// they serve the operations that have no faster loop of their own. Per-row sums accumulate in double. Noise is
// walked with a NoiseCursor; `offset` is the stream's whole offset (offset_add already added).
#pragma once
#include <string.h>

#include "common.h"
#include "hvae4j/activation.h"
#include "hvae4j/bernoulli.h"
#include "hvae4j/gaussian.h"
#include "hvae4j/importance.h"
#include "hvae4j/likelihood.h"
#include "hvae4j/random.h"

namespace hvae4j {
namespace cpu {

// A latent op's forward pass over rows: writes z per element and the row sums of KL, log q and log p, accumulated
// in double. element(i) computes element i (in order, so it may walk a NoiseCursor).
template <typename T, typename Element>
void latent_rows(int64_t rows, int64_t cols, T* z, T* kl, T* logq, T* logp, Element element) {
  for (int64_t r = 0; r < rows; ++r) {
    double skl = 0, slq = 0, slp = 0;
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      LatentForward<T> o = element(i);
      z[i] = o.z;
      skl += o.kl;
      slq += o.logq;
      slp += o.logp;
    }
    store(kl, r, skl);
    store(logq, r, slq);
    store(logp, r, slp);
  }
}

template <typename T>
int gaussian_forward_loop(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv, const T* p_mu,
                          const T* p_lv, uint64_t seed, uint64_t offset, T* z, T* kl, T* logq, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(rows * cols == 0 || (q_mu && q_lv && z && (standard || (p_mu && p_lv))));
  NoiseCursor noise(seed, offset);
  latent_rows<T>(rows, cols, z, kl, logq, logp, [&](int64_t i) {
    return gaussian_forward_element<T>(flags, q_mu[i], q_lv[i], standard ? T(0) : p_mu[i],
                                       standard ? T(0) : p_lv[i], noise.normal<T>((uint64_t)i));
  });
  return HVAE4J_OK;
}

template <typename T>
int gaussian_backward_loop(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv, const T* p_mu,
                           const T* p_lv, uint64_t seed, uint64_t offset, const T* dz, const T* w_kl, const T* w_logq,
                           const T* w_logp, T* d_q_mu, T* d_q_lv, T* d_p_mu, T* d_p_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv, d_p_mu,
                                           d_p_lv));
  const bool want_q = d_q_mu != nullptr, want_p = !standard && d_p_mu != nullptr;
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    T wk = at_or(w_kl, r, T(0)), wq = at_or(w_logq, r, T(0)), wp = at_or(w_logp, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T eps = noise.normal<T>((uint64_t)i);
      GaussianGrads<T> d = gaussian_backward_element<T>(flags, q_mu[i], q_lv[i], standard ? T(0) : p_mu[i],
                                                        standard ? T(0) : p_lv[i], eps, at_or(dz, i, T(0)), wk,
                                                        wq, wp);
      if (want_q) {
        d_q_mu[i] = d.q_mu;
        d_q_lv[i] = d.q_lv;
      }
      if (want_p) {
        d_p_mu[i] = d.p_mu;
        d_p_lv[i] = d.p_lv;
      }
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_forward_loop(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits, const T* p_logits,
                           T p_logit, uint64_t seed, uint64_t offset, T* z, T* kl, T* logq, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || (q_logits && z));
  NoiseCursor noise(seed, offset);
  latent_rows<T>(rows, cols, z, kl, logq, logp, [&](int64_t i) {
    return bernoulli_forward_element<T>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit),
                                        noise.uniform<T>((uint64_t)i));
  });
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_backward_loop(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits, const T* p_logits,
                            T p_logit, uint64_t seed, uint64_t offset, const T* dz, const T* w_kl, const T* w_logq,
                            const T* w_logp, const T* signal, T* d_q_logits, T* d_p_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || q_logits);
  HVAE4J_REQUIRE(estimator != HVAE4J_BERNOULLI_REINFORCE || rows == 0 || signal);
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    T wk = at_or(w_kl, r, T(0)), wq = at_or(w_logq, r, T(0)), wp = at_or(w_logp, r, T(0));
    T sig = at_or(signal, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T u = noise.uniform<T>((uint64_t)i);
      T dq, dp;
      bernoulli_backward_element<T>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit), u,
                                    at_or(dz, i, T(0)), wk, wq, wp, sig, &dq, &dp);
      if (d_q_logits) d_q_logits[i] = dq;
      if (p_logits && d_p_logits) d_p_logits[i] = dp;
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_likelihood_forward_loop(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                      int binarize, uint64_t seed, uint64_t offset, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && logp));
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      T t = likelihood_target<T>(x[xr + c], binarize != 0, noise, (uint64_t)(xr + c));
      s += bernoulli_log_prob(t, logits[r * cols + c]);
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_likelihood_backward_loop(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                       int binarize, uint64_t seed, uint64_t offset, const T* w, T* d_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && d_logits));
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    T wr = at_or(w, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      T t = likelihood_target<T>(x[xr + c], binarize != 0, noise, (uint64_t)(xr + c));
      d_logits[r * cols + c] = bernoulli_logit_grad(wr, t, sigmoid(logits[r * cols + c]));
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int gaussian_likelihood_forward_loop(int64_t rows, int64_t cols, int64_t x_rows, const T* mu, const T* lv,
                                     T lv_const, const T* x, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (mu && x && logp));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      s += gaussian_log_prob(x[xr + c], mu[i], at_or(lv, i, lv_const));
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

template <typename T>
int gaussian_likelihood_backward_loop(int64_t rows, int64_t cols, int64_t x_rows, const T* mu, const T* lv,
                                      T lv_const, const T* x, const T* w, T* d_mu, T* d_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (mu && x && d_mu && (!lv || d_lv)));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    T wr = at_or(w, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T dm, dl;
      gaussian_likelihood_grads(x[xr + c], mu[i], at_or(lv, i, lv_const), wr, &dm, &dl);
      d_mu[i] = dm;
      if (lv) d_lv[i] = dl;
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int iwae_loop(int64_t k, int64_t batch, const T* logw, T* bound, T* wnorm, T* wsq) {
  HVAE4J_REQUIRE(k > 0 && batch >= 0);
  HVAE4J_REQUIRE(batch == 0 || logw);
  for (int64_t b = 0; b < batch; ++b) iwae_example(k, batch, b, logw, bound, wnorm, wsq);
  return HVAE4J_OK;
}

inline bool valid_act(int act) { return act >= 0 && act < HVAE4J_ACT_COUNT; }

template <typename T>
void activation_forward_loop(int act, T alpha, const T* x, T* y, int64_t n) {
  // One switch per call, not per element: the compiler vectorizes the simple cases.
  switch (act) {
    case HVAE4J_ACT_RELU:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
      return;
    case HVAE4J_ACT_IDENTITY:
      if (x != y) memmove(y, x, sizeof(T) * n);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = activation_forward<T>(act, alpha, x[i]);
  }
}

template <typename T>
void activation_backward_loop(int act, T alpha, const T* x, const T* y, const T* dy, T* dx, int64_t n) {
  switch (act) {
    case HVAE4J_ACT_TANH:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * activation_derivative<T>(act, alpha, x[i], y[i]);
  }
}

}  // namespace cpu
}  // namespace hvae4j
