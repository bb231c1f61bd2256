// CUDA kernel of the importance weights (formula: hvae4j/importance.h).
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/importance.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

// One thread per example; reads logw[s * batch + b], so neighbouring threads read neighbouring addresses.
__global__ void iwae_kernel(int64_t k, int64_t batch, const float* __restrict__ logw, float* bound, float* wnorm,
                            float* wsq) {
  HVAE4J_GRID_STRIDE(b, batch) iwae_example(k, batch, b, logw, bound, wnorm, wsq);
}

}  // namespace

extern "C" {

int hvae4j_cuda_iwae(int64_t k, int64_t batch, const float* logw, float* bound, float* wnorm, float* wsq,
                     void* stream) {
  HVAE4J_CUDA_REQUIRE(k > 0 && batch >= 0 && (batch == 0 || logw));
  if (batch == 0) return HVAE4J_OK;
  iwae_kernel<<<grid_for(batch, 128), 128, 0, as_stream(stream)>>>(k, batch, logw, bound, wnorm, wsq);
  return status_of_launch();
}

}  // extern "C"
