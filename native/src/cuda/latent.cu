// CUDA kernels of the fused latent operations. Each calls the per-element functions of hvae4j/latent.h, the
// same ones the CPU loops call. Forward kernels give each row one warp (lanes stride over the columns, reading
// consecutive addresses) and reduce the per-row KL, log q and log p in double with shuffles, as the CPU sums in
// double; backward kernels are elementwise. Noise is regenerated from (seed, offset, element), never stored.
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/latent.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

constexpr int kRowsPerBlock = 8;  // warps per block in the row kernels

__device__ __forceinline__ float at_or(const float* p, int64_t i, float fallback) { return p ? p[i] : fallback; }

// The Philox offset of a call: its own offset plus, when given, a value in device memory (a captured training step
// reads the step's share of the offset there, so that each replay of the graph draws new noise).
__device__ __forceinline__ uint64_t noise_offset(uint64_t offset, const uint64_t* offset_add) {
  return offset_add ? offset + *offset_add : offset;
}

__device__ __forceinline__ void store_row(float* p, int64_t r, double v) {
  if (p) p[r] = (float)sat(v);
}

unsigned row_grid(int64_t rows) {
  int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  const int64_t cap = 65535LL * 32;
  return (unsigned)(blocks < 1 ? 1 : (blocks > cap ? cap : blocks));
}

#define HVAE4J_ROW_LOOP(r, rows)                                                                      \
  for (int64_t r = (int64_t)blockIdx.x * kRowsPerBlock + (threadIdx.x >> 5); r < (rows);              \
       r += (int64_t)gridDim.x * kRowsPerBlock)

// A latent op's forward pass: one warp per row writes z per element and reduces the row's KL, log q and log p in
// double. Element is a functor computing element i (the Gaussian or Bernoulli formulas of latent.h).
template <typename Element>
__global__ void latent_rows_kernel(int64_t rows, int64_t cols, Element element, float* __restrict__ z, float* kl,
                                   float* logq, float* logp) {
  const int lane = threadIdx.x & 31;
  HVAE4J_ROW_LOOP(r, rows) {
    double skl = 0, slq = 0, slp = 0;
    for (int64_t c = lane; c < cols; c += 32) {
      int64_t i = r * cols + c;
      LatentForward<float> o = element(i);
      z[i] = o.z;
      skl += o.kl;
      slq += o.logq;
      slp += o.logp;
    }
    skl = warp_sum(skl);
    slq = warp_sum(slq);
    slp = warp_sum(slp);
    if (lane == 0) {
      store_row(kl, r, skl);
      store_row(logq, r, slq);
      store_row(logp, r, slp);
    }
  }
}

struct GaussianElement {
  int flags;
  const float *q_mu, *q_lv, *p_mu, *p_lv;
  uint64_t seed, offset;
  const uint64_t* offset_add;

  __device__ LatentForward<float> operator()(int64_t i) const {
    const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
    const float eps = normal_at<float>(seed, noise_offset(offset, offset_add), (uint64_t)i);
    return gaussian_forward_element<float>(flags, q_mu[i], q_lv[i], standard ? 0.0f : p_mu[i],
                                           standard ? 0.0f : p_lv[i], eps);
  }
};

struct BernoulliElement {
  int estimator;
  float tau;
  const float *q_logits, *p_logits;
  float p_logit;
  uint64_t seed, offset;
  const uint64_t* offset_add;

  __device__ LatentForward<float> operator()(int64_t i) const {
    return bernoulli_forward_element<float>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit),
                                            uniform_at<float>(seed, noise_offset(offset, offset_add), (uint64_t)i));
  }
};

__global__ void gaussian_backward_kernel(int64_t rows, int64_t cols, int flags, const float* __restrict__ q_mu,
                                         const float* __restrict__ q_lv, const float* __restrict__ p_mu,
                                         const float* __restrict__ p_lv, uint64_t seed, uint64_t offset0,
                                         const uint64_t* __restrict__ offset_add, const float* __restrict__ dz, const float* __restrict__ w_kl,
                                         const float* __restrict__ w_logq, const float* __restrict__ w_logp,
                                         float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  const uint64_t offset = noise_offset(offset0, offset_add);
  HVAE4J_GRID_STRIDE(i, rows * cols) {
    int64_t r = i / cols;
    float eps = normal_at<float>(seed, offset, (uint64_t)i);
    GaussianGrads<float> d = gaussian_backward_element<float>(
        flags, q_mu[i], q_lv[i], standard ? 0.0f : p_mu[i], standard ? 0.0f : p_lv[i], eps, at_or(dz, i, 0.0f),
        at_or(w_kl, r, 0.0f), at_or(w_logq, r, 0.0f), at_or(w_logp, r, 0.0f));
    if (d_q_mu) {  // each output pair is optional (both pointers given or both null)
      d_q_mu[i] = d.q_mu;
      d_q_lv[i] = d.q_lv;
    }
    if (!standard && d_p_mu) {
      d_p_mu[i] = d.p_mu;
      d_p_lv[i] = d.p_lv;
    }
  }
}

__global__ void bernoulli_backward_kernel(int64_t rows, int64_t cols, int estimator, float tau,
                                          const float* __restrict__ q_logits, const float* __restrict__ p_logits,
                                          float p_logit, uint64_t seed, uint64_t offset0,
                                          const uint64_t* __restrict__ offset_add, const float* __restrict__ dz,
                                          const float* __restrict__ w_kl, const float* __restrict__ w_logq,
                                          const float* __restrict__ w_logp, const float* __restrict__ signal,
                                          float* d_q_logits, float* d_p_logits) {
  const uint64_t offset = noise_offset(offset0, offset_add);
  HVAE4J_GRID_STRIDE(i, rows * cols) {
    int64_t r = i / cols;
    float u = uniform_at<float>(seed, offset, (uint64_t)i);
    float dq, dp;
    bernoulli_backward_element<float>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit), u,
                                      at_or(dz, i, 0.0f), at_or(w_kl, r, 0.0f), at_or(w_logq, r, 0.0f),
                                      at_or(w_logp, r, 0.0f), at_or(signal, r, 0.0f), &dq, &dp);
    if (d_q_logits) d_q_logits[i] = dq;  // each gradient is optional
    if (p_logits && d_p_logits) d_p_logits[i] = dp;
  }
}

__global__ void bernoulli_likelihood_forward_kernel(int64_t rows, int64_t cols, int64_t x_rows,
                                                    const float* __restrict__ logits, const float* __restrict__ x,
                                                    int binarize, uint64_t seed, uint64_t offset0,
                                                    const uint64_t* __restrict__ offset_add, float* logp) {
  const int lane = threadIdx.x & 31;
  const uint64_t offset = noise_offset(offset0, offset_add);
  HVAE4J_ROW_LOOP(r, rows) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = lane; c < cols; c += 32) {
      float t = likelihood_target<float>(x[xr + c], binarize != 0, seed, offset, (uint64_t)(xr + c));
      s += bernoulli_log_prob(t, logits[r * cols + c]);
    }
    s = warp_sum(s);
    if (lane == 0) store_row(logp, r, s);
  }
}

__global__ void bernoulli_likelihood_backward_kernel(int64_t rows, int64_t cols, int64_t x_rows,
                                                     const float* __restrict__ logits, const float* __restrict__ x,
                                                     int binarize, uint64_t seed, uint64_t offset0,
                                                     const uint64_t* __restrict__ offset_add,
                                                     const float* __restrict__ w, float* d_logits) {
  const uint64_t offset = noise_offset(offset0, offset_add);
  HVAE4J_GRID_STRIDE(i, rows * cols) {
    int64_t r = i / cols, c = i - r * cols;
    int64_t xi = (r % x_rows) * cols + c;
    float t = likelihood_target<float>(x[xi], binarize != 0, seed, offset, (uint64_t)xi);
    d_logits[i] = at_or(w, r, 0.0f) * (t - sigmoid(logits[i]));
  }
}

__global__ void gaussian_likelihood_forward_kernel(int64_t rows, int64_t cols, int64_t x_rows,
                                                   const float* __restrict__ mu, const float* __restrict__ lv,
                                                   float lv_const, const float* __restrict__ x, float* logp) {
  const int lane = threadIdx.x & 31;
  HVAE4J_ROW_LOOP(r, rows) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = lane; c < cols; c += 32) {
      int64_t i = r * cols + c;
      s += gaussian_log_prob(x[xr + c], mu[i], at_or(lv, i, lv_const));
    }
    s = warp_sum(s);
    if (lane == 0) store_row(logp, r, s);
  }
}

__global__ void gaussian_likelihood_backward_kernel(int64_t rows, int64_t cols, int64_t x_rows,
                                                    const float* __restrict__ mu, const float* __restrict__ lv,
                                                    float lv_const, const float* __restrict__ x,
                                                    const float* __restrict__ w, float* d_mu, float* d_lv) {
  HVAE4J_GRID_STRIDE(i, rows * cols) {
    int64_t r = i / cols, c = i - r * cols;
    float xv = x[(r % x_rows) * cols + c];
    float v = at_or(lv, i, lv_const);
    float wr = at_or(w, r, 0.0f);
    d_mu[i] = sat(wr * (xv - mu[i]) * exp_sat(-v));
    if (lv) d_lv[i] = sat(wr * 0.5f * (gaussian_sq_std(xv, mu[i], v) - 1.0f));
  }
}

// One thread per example; reads logw[s * batch + b], so neighbouring threads read neighbouring addresses.
__global__ void iwae_kernel(int64_t k, int64_t batch, const float* __restrict__ logw, float* bound, float* wnorm,
                            float* wsq) {
  HVAE4J_GRID_STRIDE(b, batch) {
    double m = -INFINITY;
    for (int64_t s = 0; s < k; ++s) m = fmax(m, (double)logw[s * batch + b]);
    if (!isfinite(m)) m = 0;
    double sum = 0;
    for (int64_t s = 0; s < k; ++s) sum += exp((double)logw[s * batch + b] - m);
    double lse = m + log(sum);
    if (bound) bound[b] = (float)sat(lse - log((double)k));
    if (wnorm || wsq) {
      for (int64_t s = 0; s < k; ++s) {
        double wn = exp((double)logw[s * batch + b] - lse);
        if (wnorm) wnorm[s * batch + b] = (float)wn;
        if (wsq) wsq[s * batch + b] = (float)(wn * wn);
      }
    }
  }
}

__global__ void repeat_rows_kernel(const float* __restrict__ x, int64_t n, int64_t times, float* __restrict__ y) {
  HVAE4J_GRID_STRIDE(i, n * times) y[i] = x[i % n];
}

__global__ void sum_repeats_kernel(const float* __restrict__ x, int64_t n, int64_t times, float beta, float* y) {
  HVAE4J_GRID_STRIDE(i, n) {
    float s = beta == 0.0f ? 0.0f : beta * y[i];
    for (int64_t t = 0; t < times; ++t) s += x[t * n + i];
    y[i] = s;
  }
}

bool target_rows_ok(int64_t rows, int64_t x_rows) { return x_rows > 0 ? rows % x_rows == 0 : rows == 0; }

}  // namespace

extern "C" {

int hvae4j_cuda_gaussian_forward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                                 const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                 const uint64_t* offset_add, float* z, float* kl, float* logq, float* logp,
                                 void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (q_mu && q_lv && z && (standard || (p_mu && p_lv))));
  if (rows == 0) return HVAE4J_OK;
  GaussianElement element{flags, q_mu, q_lv, p_mu, p_lv, seed, offset, offset_add};
  latent_rows_kernel<<<row_grid(rows), 32 * kRowsPerBlock, 0, as_stream(stream)>>>(rows, cols, element, z, kl,
                                                                                   logq, logp);
  return status_of_launch();
}

int hvae4j_cuda_gaussian_backward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                                  const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                  const uint64_t* offset_add, const float* dz, const float* w_kl,
                                  const float* w_logq, const float* w_logp, float* d_q_mu, float* d_q_lv,
                                  float* d_p_mu, float* d_p_lv, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_CUDA_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv,
                                                d_p_mu, d_p_lv));
  if (rows * cols == 0) return HVAE4J_OK;
  gaussian_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, offset_add, dz, w_kl, w_logq, w_logp, d_q_mu,
      d_q_lv, d_p_mu, d_p_lv);
  return status_of_launch();
}

int hvae4j_cuda_bernoulli_forward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                                  const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                  const uint64_t* offset_add, float* z, float* kl, float* logq, float* logp,
                                  void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && estimator_ok(estimator, tau));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (q_logits && z));
  if (rows == 0) return HVAE4J_OK;
  BernoulliElement element{estimator, tau, q_logits, p_logits, p_logit, seed, offset, offset_add};
  latent_rows_kernel<<<row_grid(rows), 32 * kRowsPerBlock, 0, as_stream(stream)>>>(rows, cols, element, z, kl,
                                                                                   logq, logp);
  return status_of_launch();
}

int hvae4j_cuda_bernoulli_backward(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                                   const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                   const uint64_t* offset_add, const float* dz, const float* w_kl,
                                   const float* w_logq, const float* w_logp, const float* signal, float* d_q_logits,
                                   float* d_p_logits, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && estimator_ok(estimator, tau));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || q_logits);
  HVAE4J_CUDA_REQUIRE(estimator != BERNOULLI_REINFORCE || rows == 0 || signal);
  if (rows * cols == 0) return HVAE4J_OK;
  bernoulli_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, offset_add, dz, w_kl, w_logq, w_logp,
      signal, d_q_logits, d_p_logits);
  return status_of_launch();
}

int hvae4j_cuda_bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
                                             const float* x, int binarize, uint64_t seed, uint64_t offset,
                                             const uint64_t* offset_add, float* logp, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && target_rows_ok(rows, x_rows));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (logits && x && logp));
  if (rows == 0) return HVAE4J_OK;
  bernoulli_likelihood_forward_kernel<<<row_grid(rows), 32 * kRowsPerBlock, 0, as_stream(stream)>>>(
      rows, cols, x_rows, logits, x, binarize, seed, offset, offset_add, logp);
  return status_of_launch();
}

int hvae4j_cuda_bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* logits,
                                              const float* x, int binarize, uint64_t seed, uint64_t offset,
                                              const uint64_t* offset_add, const float* w, float* d_logits,
                                              void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && target_rows_ok(rows, x_rows));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (logits && x && d_logits));
  if (rows * cols == 0) return HVAE4J_OK;
  bernoulli_likelihood_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, x_rows, logits, x, binarize, seed, offset, offset_add, w, d_logits);
  return status_of_launch();
}

int hvae4j_cuda_gaussian_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
                                            const float* lv, float lv_const, const float* x, float* logp,
                                            void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && target_rows_ok(rows, x_rows));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (mu && x && logp));
  if (rows == 0) return HVAE4J_OK;
  gaussian_likelihood_forward_kernel<<<row_grid(rows), 32 * kRowsPerBlock, 0, as_stream(stream)>>>(
      rows, cols, x_rows, mu, lv, lv_const, x, logp);
  return status_of_launch();
}

int hvae4j_cuda_gaussian_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const float* mu,
                                             const float* lv, float lv_const, const float* x, const float* w,
                                             float* d_mu, float* d_lv, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && target_rows_ok(rows, x_rows));
  HVAE4J_CUDA_REQUIRE(rows * cols == 0 || (mu && x && d_mu && (!lv || d_lv)));
  if (rows * cols == 0) return HVAE4J_OK;
  gaussian_likelihood_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, x_rows, mu, lv, lv_const, x, w, d_mu, d_lv);
  return status_of_launch();
}

int hvae4j_cuda_iwae(int64_t k, int64_t batch, const float* logw, float* bound, float* wnorm, float* wsq,
                     void* stream) {
  HVAE4J_CUDA_REQUIRE(k > 0 && batch >= 0 && (batch == 0 || logw));
  if (batch == 0) return HVAE4J_OK;
  iwae_kernel<<<grid_for(batch, 128), 128, 0, as_stream(stream)>>>(k, batch, logw, bound, wnorm, wsq);
  return status_of_launch();
}

int hvae4j_cuda_repeat_rows(const float* x, int64_t rows, int64_t cols, int64_t times, float* y, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && times >= 0);
  if (rows * cols * times == 0) return HVAE4J_OK;
  repeat_rows_kernel<<<grid_for(rows * cols * times), kThreads, 0, as_stream(stream)>>>(x, rows * cols, times, y);
  return status_of_launch();
}

int hvae4j_cuda_sum_repeats(const float* x, int64_t rows, int64_t cols, int64_t times, float beta, float* y,
                            void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && times >= 0);
  if (rows * cols == 0) return HVAE4J_OK;
  sum_repeats_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(x, rows * cols, times, beta, y);
  return status_of_launch();
}

}  // extern "C"

namespace {

__global__ void precision_merge_kernel(int64_t n, const float* mh, const float* lvh, const float* mp,
                                       const float* lvp, float* mq, float* lvq) {
  HVAE4J_GRID_STRIDE(i, n) precision_merge_element<float>(mh[i], lvh[i], mp[i], lvp[i], mq + i, lvq + i);
}

__global__ void precision_merge_backward_kernel(int64_t n, const float* mh, const float* lvh, const float* mp,
                                                const float* lvp, const float* dmq, const float* dlvq, float* dmh,
                                                float* dlvh, float* dmp, float* dlvp) {
  HVAE4J_GRID_STRIDE(i, n)
  precision_merge_backward_element<float>(mh[i], lvh[i], mp[i], lvp[i], dmq[i], dlvq[i], dmh + i, dlvh + i,
                                          dmp + i, dlvp + i);
}

// The clipping factor is read on the device, so a training step needs no host round trip for it.
__global__ void adam_kernel(int64_t n, float* param, const float* __restrict__ grad, float* m, float* v, float lr,
                            float beta1, float beta2, float eps, float weight_decay, float c1, float c2,
                            const float* grad_scale) {
  const float s = grad_scale ? grad_scale[0] : 1.0f;
  HVAE4J_GRID_STRIDE(i, n)
  adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
}

}  // namespace

extern "C" {

int hvae4j_cuda_precision_merge(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp,
                                float* mq, float* lvq, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  precision_merge_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, mh, lvh, mp, lvp, mq, lvq);
  return status_of_launch();
}

int hvae4j_cuda_precision_merge_backward(int64_t n, const float* mh, const float* lvh, const float* mp,
                                         const float* lvp, const float* dmq, const float* dlvq, float* dmh,
                                         float* dlvh, float* dmp, float* dlvp, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  precision_merge_backward_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, mh, lvh, mp, lvp, dmq, dlvq,
                                                                                    dmh, dlvh, dmp, dlvp);
  return status_of_launch();
}

int hvae4j_cuda_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1,
                     float beta2, float eps, float weight_decay, float c1, float c2, const float* grad_scale,
                     void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && c1 > 0 && c2 > 0);
  if (n == 0) return HVAE4J_OK;
  adam_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, param, grad, m, v, lr, beta1, beta2, eps,
                                                               weight_decay, c1, c2, grad_scale);
  return status_of_launch();
}

}  // extern "C"

namespace {

__global__ void u64_update_kernel(uint64_t* x, uint64_t value, int add) { *x = add ? *x + value : value; }

__global__ void adam_prepare_kernel(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                                    hvae4j_adam_state* state) {
  adam_prepare(*norm_sq, loss, clip, beta1, beta2, state);
}

__global__ void adam_device_kernel(int64_t n, float* param, const float* __restrict__ grad, float* m, float* v,
                                   float beta1, float beta2, float eps, float weight_decay,
                                   const hvae4j_adam_state* __restrict__ state) {
  if (state->skip) return;
  const float s = state->scale, lr = state->lr, c1 = state->c1, c2 = state->c2;
  HVAE4J_GRID_STRIDE(i, n)
  adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
}

}  // namespace

extern "C" {

int hvae4j_cuda_u64_update(uint64_t* x, uint64_t value, int add, void* stream) {
  HVAE4J_CUDA_REQUIRE(x);
  u64_update_kernel<<<1, 1, 0, as_stream(stream)>>>(x, value, add);
  return status_of_launch();
}

int hvae4j_cuda_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                             hvae4j_adam_state* state, void* stream) {
  HVAE4J_CUDA_REQUIRE(norm_sq && state && clip > 0);
  adam_prepare_kernel<<<1, 1, 0, as_stream(stream)>>>(norm_sq, loss, clip, beta1, beta2, state);
  return status_of_launch();
}

int hvae4j_cuda_adam_device(int64_t n, float* param, const float* grad, float* m, float* v, float beta1, float beta2,
                            float eps, float weight_decay, const hvae4j_adam_state* state, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && state);
  if (n == 0) return HVAE4J_OK;
  adam_device_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, param, grad, m, v, beta1, beta2, eps,
                                                                      weight_decay, state);
  return status_of_launch();
}

}  // extern "C"

namespace {

__global__ void binarize_kernel(const float* __restrict__ x, int64_t n, uint64_t seed, uint64_t offset0,
                                const uint64_t* __restrict__ offset_add, float* __restrict__ y) {
  const uint64_t offset = noise_offset(offset0, offset_add);
  HVAE4J_GRID_STRIDE(i, n) y[i] = likelihood_target<float>(x[i], true, seed, offset, (uint64_t)i);
}

}  // namespace

extern "C" int hvae4j_cuda_binarize(const float* x, int64_t n, uint64_t seed, uint64_t offset,
                                    const uint64_t* offset_add, float* y, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  binarize_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(x, n, seed, offset, offset_add, y);
  return status_of_launch();
}
