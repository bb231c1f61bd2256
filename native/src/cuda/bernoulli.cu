// CUDA kernels of the Bernoulli latent layer (formulas: hvae4j/bernoulli.h): forward one warp per row (rows.cuh),
// backward elementwise.
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/bernoulli.h"
#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/random.h"
#include "launch.cuh"
#include "rows.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

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

}  // namespace

extern "C" {

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
  HVAE4J_CUDA_REQUIRE(estimator != HVAE4J_BERNOULLI_REINFORCE || rows == 0 || signal);
  if (rows * cols == 0) return HVAE4J_OK;
  bernoulli_backward_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(
      rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, offset_add, dz, w_kl, w_logq, w_logp,
      signal, d_q_logits, d_p_logits);
  return status_of_launch();
}

}  // extern "C"
