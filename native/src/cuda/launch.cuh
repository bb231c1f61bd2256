// Launch helpers shared by every .cu file: grid sizing and turning the launch status into the C API's code.
#pragma once
#include <cuda_runtime.h>
#include "hvae4j/status.h"

namespace hvae4j {
namespace cuda {

constexpr int kThreads = 256;

inline unsigned grid_for(int64_t n, int threads = kThreads) {
  int64_t blocks = (n + threads - 1) / threads;
  // Grid-stride loops cover the rest; 65535 * 16 blocks keeps every SM busy on the largest GPUs.
  const int64_t cap = 65535LL * 16;
  if (blocks > cap) blocks = cap;
  if (blocks < 1) blocks = 1;
  return (unsigned)blocks;
}

inline int status_of_launch() {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? HVAE4J_OK : HVAE4J_CUDA_ERROR_BASE + (int)e;
}

inline cudaStream_t as_stream(void* s) { return (cudaStream_t)s; }

#define HVAE4J_CUDA_REQUIRE(cond) \
  do {                            \
    if (!(cond)) return HVAE4J_EINVAL; \
  } while (0)

#define HVAE4J_GRID_STRIDE(i, n) \
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// Sum over a warp with shuffles; every lane gets the total.
template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

// Sum over a block of blockDim.x threads (a multiple of 32, at most 1024); thread 0 gets the total.
template <typename T>
__device__ T block_sum(T v) {
  __shared__ T partial[32];
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  int warps = (blockDim.x + 31) >> 5;
  v = threadIdx.x < warps ? partial[threadIdx.x] : T(0);
  if (warp == 0) v = warp_sum(v);
  __syncthreads();  // partial may be reused by a following call in the same kernel
  return v;
}

}  // namespace cuda
}  // namespace hvae4j
