// CUDA kernels of the dense family: elementwise algebra, activations, reductions and the repeats of a batch over its
// importance samples (activation formulas: hvae4j/activation.h, the same the CPU backend calls).
#include <cuda_runtime.h>

#include "hvae4j/activation.h"
#include "hvae4j/hvae4j_cuda.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

__global__ void fill_kernel(float* y, float v, int64_t n) {
  HVAE4J_GRID_STRIDE(i, n) y[i] = v;
}

__global__ void axpby_kernel(float alpha, const float* __restrict__ x, float beta, float* y, int64_t n) {
  if (beta == 0.0f) {
    HVAE4J_GRID_STRIDE(i, n) y[i] = alpha * x[i];
  } else {
    HVAE4J_GRID_STRIDE(i, n) y[i] = alpha * x[i] + beta * y[i];
  }
}

__global__ void mul_kernel(const float* __restrict__ x, const float* __restrict__ z, float* __restrict__ y,
                           int64_t n) {
  HVAE4J_GRID_STRIDE(i, n) y[i] = x[i] * z[i];
}

__global__ void bias_add_kernel(float* y, const float* __restrict__ b, int64_t rows, int64_t cols) {
  HVAE4J_GRID_STRIDE(i, rows * cols) y[i] += b[i % cols];
}

__global__ void activation_forward_kernel(int act, float alpha, const float* __restrict__ x, float* y,
                                          int64_t n) {
  HVAE4J_GRID_STRIDE(i, n) y[i] = activation_forward<float>(act, alpha, x[i]);
}

__global__ void activation_backward_kernel(int act, float alpha, const float* __restrict__ x,
                                           const float* __restrict__ y, const float* dy, float* dx,
                                           int64_t n) {
  HVAE4J_GRID_STRIDE(i, n) dx[i] = dy[i] * activation_derivative<float>(act, alpha, x[i], y[i]);
}

// Column sums: one thread per column walks down the rows, so neighbouring threads read neighbouring
// addresses (coalesced). Blocks along y split the rows; partial sums meet with atomics only when split.
__global__ void sum_rows_kernel(const float* __restrict__ x, int64_t rows, int64_t cols, float alpha,
                                float* out, int64_t rows_per_block) {
  int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (c >= cols) return;
  int64_t r0 = (int64_t)blockIdx.y * rows_per_block;
  int64_t r1 = r0 + rows_per_block < rows ? r0 + rows_per_block : rows;
  float s = 0.0f;
  for (int64_t r = r0; r < r1; ++r) s += x[r * cols + c];
  if (gridDim.y == 1) {
    out[c] += alpha * s;  // out was pre-scaled by beta
  } else {
    atomicAdd(out + c, alpha * s);
  }
}

__global__ void scale_kernel(float* y, float beta, int64_t n) {
  HVAE4J_GRID_STRIDE(i, n) y[i] = beta == 0.0f ? 0.0f : beta * y[i];
}

// Row sums: one block per row.
__global__ void sum_cols_kernel(const float* __restrict__ x, int64_t cols, float alpha, float beta, float* out) {
  int64_t r = blockIdx.x;
  const float* row = x + r * cols;
  float s = 0.0f;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += row[c];
  s = block_sum(s);
  if (threadIdx.x == 0) out[r] = alpha * s + (beta == 0.0f ? 0.0f : beta * out[r]);
}

__global__ void sum_squares_kernel(const float* __restrict__ x, int64_t n, float* out) {
  float s = 0.0f;
  HVAE4J_GRID_STRIDE(i, n) s += x[i] * x[i];
  s = block_sum(s);
  if (threadIdx.x == 0) atomicAdd(out, s);
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

__global__ void u64_update_kernel(uint64_t* x, uint64_t value, int add) { *x = add ? *x + value : value; }

bool valid_act(int act) { return act >= 0 && act < HVAE4J_ACT_COUNT; }

}  // namespace

extern "C" {

int hvae4j_cuda_fill(float* y, float value, int64_t n, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  fill_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(y, value, n);
  return status_of_launch();
}

int hvae4j_cuda_axpby(float alpha, const float* x, float beta, float* y, int64_t n, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  axpby_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(alpha, x, beta, y, n);
  return status_of_launch();
}

int hvae4j_cuda_mul(const float* x, const float* z, float* y, int64_t n, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  if (n == 0) return HVAE4J_OK;
  mul_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(x, z, y, n);
  return status_of_launch();
}

int hvae4j_cuda_bias_add(float* y, const float* b, int64_t rows, int64_t cols, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0);
  if (rows * cols == 0) return HVAE4J_OK;
  bias_add_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(y, b, rows, cols);
  return status_of_launch();
}

int hvae4j_cuda_activation_forward(int act, float alpha, const float* x, float* y, int64_t n, void* stream) {
  HVAE4J_CUDA_REQUIRE(valid_act(act) && n >= 0);
  if (n == 0) return HVAE4J_OK;
  activation_forward_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(act, alpha, x, y, n);
  return status_of_launch();
}

int hvae4j_cuda_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                    float* dx, int64_t n, void* stream) {
  HVAE4J_CUDA_REQUIRE(valid_act(act) && n >= 0);
  if (n == 0) return HVAE4J_OK;
  activation_backward_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(act, alpha, x, y, dy, dx, n);
  return status_of_launch();
}

int hvae4j_cuda_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0);
  if (cols == 0) return HVAE4J_OK;
  cudaStream_t s = as_stream(stream);
  scale_kernel<<<grid_for(cols), kThreads, 0, s>>>(out, beta, cols);
  if (rows == 0) return status_of_launch();
  // Enough blocks to fill the GPU even when cols is small (bias gradients of narrow layers).
  int64_t col_blocks = (cols + 127) / 128;
  int64_t row_splits = 1;
  while (col_blocks * row_splits < 1024 && rows / (row_splits * 2) >= 32) row_splits *= 2;
  int64_t rows_per_block = (rows + row_splits - 1) / row_splits;
  dim3 grid((unsigned)col_blocks, (unsigned)row_splits);
  sum_rows_kernel<<<grid, 128, 0, s>>>(x, rows, cols, alpha, out, rows_per_block);
  return status_of_launch();
}

int hvae4j_cuda_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && rows < 2147483647LL);
  if (rows == 0) return HVAE4J_OK;
  int threads = cols >= 256 ? 256 : (cols >= 128 ? 128 : (cols > 32 ? 64 : 32));
  sum_cols_kernel<<<(unsigned)rows, threads, 0, as_stream(stream)>>>(x, cols, alpha, beta, out);
  return status_of_launch();
}

int hvae4j_cuda_sum_squares(const float* x, int64_t n, int accumulate, float* out, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0);
  cudaStream_t s = as_stream(stream);
  if (!accumulate) fill_kernel<<<1, 32, 0, s>>>(out, 0.0f, 1);
  if (n > 0) sum_squares_kernel<<<grid_for(n, 256) < 1024 ? grid_for(n, 256) : 1024, 256, 0, s>>>(x, n, out);
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

int hvae4j_cuda_u64_update(uint64_t* x, uint64_t value, int add, void* stream) {
  HVAE4J_CUDA_REQUIRE(x);
  u64_update_kernel<<<1, 1, 0, as_stream(stream)>>>(x, value, add);
  return status_of_launch();
}

}  // extern "C"
