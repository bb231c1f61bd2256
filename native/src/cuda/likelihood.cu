// CUDA kernels of the decoder likelihoods (formulas: hvae4j/likelihood.h): log p(x|z) one warp per row (rows.cuh),
// gradients elementwise.
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/likelihood.h"
#include "launch.cuh"
#include "rows.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

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
    d_logits[i] = bernoulli_logit_grad(at_or(w, r, 0.0f), t, sigmoid(logits[i]));
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
    float dm, dl;
    gaussian_likelihood_grads(xv, mu[i], v, at_or(w, r, 0.0f), &dm, &dl);
    d_mu[i] = dm;
    if (lv) d_lv[i] = dl;
  }
}

}  // namespace

extern "C" {

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

}  // extern "C"
