// CUDA kernel of the noise family: dynamic binarization, the draws of the Bernoulli likelihood's in-kernel targets.
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/likelihood.h"
#include "launch.cuh"
#include "rows.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

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
