// CUDA kernels of the Gaussian latent layer (formulas: hvae4j/gaussian.h): the forward pass one warp per row
// (rows.cuh), the backward pass elementwise, and the Ladder merge. Noise is regenerated from (seed, offset, element).
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/gaussian.h"
#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/random.h"
#include "launch.cuh"
#include "rows.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

struct GaussianElement {
  int flags;
  const float *q_mu, *q_lv, *p_mu, *p_lv;
  uint64_t seed, offset;
  const uint64_t* offset_add;

  __device__ LatentForward<float> operator()(int64_t i) const {
    const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
    const float eps = normal_at<float>(seed, noise_offset(offset, offset_add), (uint64_t)i);
    return gaussian_forward_element<float>(flags, q_mu[i], q_lv[i], standard ? 0.0f : p_mu[i],
                                           standard ? 0.0f : p_lv[i], eps);
  }
};

__global__ void gaussian_backward_kernel(int64_t rows, int64_t cols, int flags, const float* __restrict__ q_mu,
                                         const float* __restrict__ q_lv, const float* __restrict__ p_mu,
                                         const float* __restrict__ p_lv, uint64_t seed, uint64_t offset0,
                                         const uint64_t* __restrict__ offset_add, const float* __restrict__ dz, const float* __restrict__ w_kl,
                                         const float* __restrict__ w_logq, const float* __restrict__ w_logp,
                                         float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
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

}  // namespace

extern "C" {

int hvae4j_cuda_gaussian_forward(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                                 const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                 const uint64_t* offset_add, float* z, float* kl, float* logq, float* logp,
                                 void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
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
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && (flags & ~HVAE4J_GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_CUDA_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv,
                                                d_p_mu, d_p_lv));
  if (rows * cols == 0) return HVAE4J_OK;
  gaussian_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, offset_add, dz, w_kl, w_logq, w_logp, d_q_mu,
      d_q_lv, d_p_mu, d_p_lv);
  return status_of_launch();
}

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

}  // extern "C"
