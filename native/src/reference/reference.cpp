// The test-only library (hvae4j_reference.h): the plain loops of src/cpu/loops.h in double precision, the reference
// the gradient and numerics tests hold the float kernels to, and the self-check of the CPU's vectorized noise.
#include "../cpu/common.h"
#include "../cpu/loops.h"
#include "../cpu/noise_chunks.h"
#include "hvae4j/hvae4j_reference.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

extern "C" {

int hvae4j_cpu_activation_forward_f64(int act, double alpha, const double* x, double* y, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y)));
  activation_forward_loop<double>(act, alpha, x, y, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_backward_f64(int act, double alpha, const double* x, const double* y, const double* dy,
                                       double* dx, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y && dy && dx)));
  activation_backward_loop<double>(act, alpha, x, y, dy, dx, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_gaussian_forward_f64(int64_t rows, int64_t cols, int flags, const double* q_mu, const double* q_lv,
                                    const double* p_mu, const double* p_lv, uint64_t seed, uint64_t offset,
                                    const uint64_t* offset_add, double* z, double* kl, double* logq, double* logp) {
  return gaussian_forward_loop<double>(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed,
                                       noise_offset(offset, offset_add), z, kl, logq, logp);
}

int hvae4j_cpu_gaussian_backward_f64(int64_t rows, int64_t cols, int flags, const double* q_mu, const double* q_lv,
                                     const double* p_mu, const double* p_lv, uint64_t seed, uint64_t offset,
                                     const uint64_t* offset_add, const double* dz, const double* w_kl,
                                     const double* w_logq, const double* w_logp, double* d_q_mu, double* d_q_lv,
                                     double* d_p_mu, double* d_p_lv) {
  return gaussian_backward_loop<double>(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed,
                                        noise_offset(offset, offset_add), dz, w_kl, w_logq, w_logp, d_q_mu, d_q_lv,
                                        d_p_mu, d_p_lv);
}

int hvae4j_cpu_bernoulli_forward_f64(int64_t rows, int64_t cols, int estimator, double tau, const double* q_logits,
                                     const double* p_logits, double p_logit, uint64_t seed, uint64_t offset,
                                     const uint64_t* offset_add, double* z, double* kl, double* logq, double* logp) {
  return bernoulli_forward_loop<double>(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed,
                                        noise_offset(offset, offset_add), z, kl, logq, logp);
}

int hvae4j_cpu_bernoulli_backward_f64(int64_t rows, int64_t cols, int estimator, double tau, const double* q_logits,
                                      const double* p_logits, double p_logit, uint64_t seed, uint64_t offset,
                                      const uint64_t* offset_add, const double* dz, const double* w_kl,
                                      const double* w_logq, const double* w_logp, const double* signal,
                                      double* d_q_logits, double* d_p_logits) {
  return bernoulli_backward_loop<double>(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed,
                                         noise_offset(offset, offset_add), dz, w_kl, w_logq, w_logp, signal,
                                         d_q_logits, d_p_logits);
}

int hvae4j_cpu_bernoulli_likelihood_forward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* logits,
                                                const double* x, int binarize, uint64_t seed, uint64_t offset,
                                                const uint64_t* offset_add, double* logp) {
  return bernoulli_likelihood_forward_loop<double>(rows, cols, x_rows, logits, x, binarize, seed,
                                                   noise_offset(offset, offset_add), logp);
}

int hvae4j_cpu_bernoulli_likelihood_backward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* logits,
                                                 const double* x, int binarize, uint64_t seed, uint64_t offset,
                                                 const uint64_t* offset_add, const double* w, double* d_logits) {
  return bernoulli_likelihood_backward_loop<double>(rows, cols, x_rows, logits, x, binarize, seed,
                                                    noise_offset(offset, offset_add), w, d_logits);
}

int hvae4j_cpu_gaussian_likelihood_forward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* mu,
                                               const double* lv, double lv_const, const double* x, double* logp) {
  return gaussian_likelihood_forward_loop<double>(rows, cols, x_rows, mu, lv, lv_const, x, logp);
}

int hvae4j_cpu_gaussian_likelihood_backward_f64(int64_t rows, int64_t cols, int64_t x_rows, const double* mu,
                                                const double* lv, double lv_const, const double* x, const double* w,
                                                double* d_mu, double* d_lv) {
  return gaussian_likelihood_backward_loop<double>(rows, cols, x_rows, mu, lv, lv_const, x, w, d_mu, d_lv);
}

int hvae4j_cpu_iwae_f64(int64_t k, int64_t batch, const double* logw, double* bound, double* wnorm, double* wsq) {
  return iwae_loop<double>(k, batch, logw, bound, wnorm, wsq);
}

int hvae4j_cpu_philox_check(uint64_t seed, uint64_t offset, uint64_t b0, int nb, int64_t* mismatches) {
  HVAE4J_REQUIRE(nb > 0 && nb <= 1024 && mismatches);
  uint32_t fast[4 * (1024 + 8)], ref[4 * 1024];
  philox_words(seed, offset, b0, nb, fast);
  philox_words_scalar(seed, offset, b0, nb, ref);
  int64_t differ = 0;
  for (int i = 0; i < 4 * nb; ++i) differ += fast[i] != ref[i];
  *mismatches = differ;
  return HVAE4J_OK;
}

}  // extern "C"
