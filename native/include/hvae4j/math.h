// Every scalar formula of hvae4j, once, as inline functions that the CPU implementation and the CUDA kernels
// both call. Templates over float and double: the double instantiation is the CPU reference path the gradient
// tests use.
#pragma once
#include "defs.h"
#include <math.h>

namespace hvae4j {

// Unqualified calls resolve to the float or double overload: libstdc++ on the host, CUDA's math library in
// device code.
using ::exp;
using ::log;
using ::log1p;
using ::expm1;
using ::tanh;
using ::sqrt;
using ::cos;
using ::fabs;
using ::pow;

template <typename T> HVAE4J_HD T hmax(T a, T b) { return a > b ? a : b; }
template <typename T> HVAE4J_HD T hmin(T a, T b) { return a < b ? a : b; }

// log(1 + exp(x)) without overflow for large x or loss of precision for very negative x.
template <typename T>
HVAE4J_HD T softplus(T x) {
  return hmax(x, T(0)) + log1p(exp(-fabs(x)));
}

// log(sigmoid(x)) = -softplus(-x), stable for |x| up to the float range.
template <typename T>
HVAE4J_HD T log_sigmoid(T x) {
  return -softplus(-x);
}

// sigmoid(x) that never evaluates exp of a large positive number: 1 / (1 + e) for x >= 0, e / (1 + e) below,
// with e = exp(-|x|). One exp and a select, no branch: the CPU's vector loops if-convert it.
template <typename T>
HVAE4J_HD T sigmoid(T x) {
  T e = exp(-fabs(x));
  T num = x >= T(0) ? T(1) : e;
  return num / (T(1) + e);
}

// ---- saturation ---------------------------------------------------------------------------------------------
// Log-variances in [-80, 80] and logits in [-100, 100] must give finite results in float32. A term such as
// exp(lv_q - lv_p) reaches e^160, beyond float's range: exponentials saturate at e^69 (about 1e30) and products
// at +-1e30, so every value stays finite (and a row sum of up to ~1e8 such terms too) and no inf - inf can
// make a NaN. Inside that range the formulas are exact.
template <typename T> HVAE4J_HD T sat_limit() { return T(1e30); }

template <typename T>
HVAE4J_HD T sat(T x) {
  return hmin(hmax(x, -sat_limit<T>()), sat_limit<T>());
}

template <typename T>
HVAE4J_HD T exp_sat(T x) {
  return exp(hmin(x, T(69)));
}

template <typename T> HVAE4J_HD T log_2pi() { return T(1.8378770664093454835606594728112); }

// ---- Gaussian ---------------------------------------------------------------------------------------------
// Parameters are the mean mu and the log-variance lv = log sigma^2, per element.

// z = mu + sigma * eps
template <typename T>
HVAE4J_HD T gaussian_sample(T mu, T lv, T eps) {
  return sat(mu + exp_sat(T(0.5) * lv) * eps);
}

// log N(z; mu, sigma^2) for z = mu + sigma * eps, written through eps so it stays exact when sigma is tiny.
template <typename T>
HVAE4J_HD T gaussian_log_prob_eps(T lv, T eps) {
  return T(-0.5) * (log_2pi<T>() + lv + eps * eps);
}

// (z - mu)^2 / sigma^2, saturated.
template <typename T>
HVAE4J_HD T gaussian_sq_std(T z, T mu, T lv) {
  T d = z - mu;
  return sat(d * d * exp_sat(-lv));
}

// log N(z; mu, sigma^2)
template <typename T>
HVAE4J_HD T gaussian_log_prob(T z, T mu, T lv) {
  return T(-0.5) * (log_2pi<T>() + lv + gaussian_sq_std(z, mu, lv));
}

// KL( N(mu_q, sigma_q^2) || N(mu_p, sigma_p^2) ) = 0.5 (lv_p - lv_q + (sigma_q^2 + (mu_q - mu_p)^2) / sigma_p^2 - 1)
template <typename T>
HVAE4J_HD T gaussian_kl(T mu_q, T lv_q, T mu_p, T lv_p) {
  return T(0.5) * (lv_p - lv_q + sat(exp_sat(lv_q - lv_p) + gaussian_sq_std(mu_q, mu_p, lv_p)) - T(1));
}

// ---- Bernoulli on logits -------------------------------------------------------------------------------------
// log Bern(x; sigmoid(l)) = x log sigmoid(l) + (1 - x) log sigmoid(-l) = x l + log sigmoid(-l), for x in [0, 1].
template <typename T>
HVAE4J_HD T bernoulli_log_prob(T x, T l) {
  return x * l + log_sigmoid(-l);
}

// KL( Bern(sigmoid(lq)) || Bern(sigmoid(lp)) )
template <typename T>
HVAE4J_HD T bernoulli_kl(T lq, T lp) {
  T q = sigmoid(lq), nq = sigmoid(-lq);
  return q * (log_sigmoid(lq) - log_sigmoid(lp)) + nq * (log_sigmoid(-lq) - log_sigmoid(-lp));
}

// d KL / d lq = sigmoid'(lq) (lq - lp), with sigmoid' = sigmoid(l) sigmoid(-l) (no 1 - q cancellation).
template <typename T>
HVAE4J_HD T bernoulli_kl_grad_lq(T lq, T lp) {
  return sigmoid(lq) * sigmoid(-lq) * (lq - lp);
}

// d KL / d lp = sigmoid(lp) - sigmoid(lq)
template <typename T>
HVAE4J_HD T bernoulli_kl_grad_lp(T lq, T lp) {
  return sigmoid(lp) - sigmoid(lq);
}

// logit(u) = log u - log(1 - u): a standard logistic variate from u in (0, 1).
template <typename T>
HVAE4J_HD T logistic_from_uniform(T u) {
  return log(u) - log1p(-u);
}

}  // namespace hvae4j
