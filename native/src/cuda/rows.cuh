// What the row kernels of the latent layers and likelihoods share: one warp per row, lanes striding over the
// columns (consecutive addresses), per-row sums reduced in double with shuffles, as the CPU sums in double.
#pragma once
#include <cuda_runtime.h>

#include "hvae4j/gaussian.h"
#include "launch.cuh"

namespace hvae4j {
namespace cuda {

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

inline unsigned row_grid(int64_t rows) {
  int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  const int64_t cap = 65535LL * 32;
  return (unsigned)(blocks < 1 ? 1 : (blocks > cap ? cap : blocks));
}

#define HVAE4J_ROW_LOOP(r, rows)                                                                      \
  for (int64_t r = (int64_t)blockIdx.x * kRowsPerBlock + (threadIdx.x >> 5); r < (rows);              \
       r += (int64_t)gridDim.x * kRowsPerBlock)

// A latent op's forward pass: one warp per row writes z per element and reduces the row's KL, log q and log p in
// double. Element is a functor computing element i (the Gaussian or Bernoulli formulas of gaussian.h, bernoulli.h).
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

}  // namespace cuda
}  // namespace hvae4j
