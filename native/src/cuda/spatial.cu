// CUDA kernels of the spatial family: nearest upsampling, per-row scales and dot products, weight normalization and
// batch normalization (formulas: hvae4j/spatial.h). Per-row and per-channel sums run in double, one block per row
// or channel, as the CPU sums in double.
#include <cuda_runtime.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/spatial.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

constexpr int kReduceThreads = 256;

__global__ void upsample_kernel(const float* __restrict__ x, int64_t planes, int64_t h, int64_t w, int factor,
                                float* __restrict__ y) {
  const int64_t oh = h * factor, ow = w * factor, n = planes * oh * ow;
  HVAE4J_GRID_STRIDE(i, n) {
    const int64_t j = i % ow, rest = i / ow, r = rest % oh, p = rest / oh;
    y[i] = x[(p * h + r / factor) * w + j / factor];
  }
}

__global__ void upsample_backward_kernel(const float* __restrict__ dy, int64_t planes, int64_t h, int64_t w,
                                         int factor, float* __restrict__ dx) {
  const int64_t ow = w * factor, n = planes * h * w;
  HVAE4J_GRID_STRIDE(i, n) {
    const int64_t j = i % w, rest = i / w, r = rest % h, p = rest / h;
    const float* block = dy + (p * h * factor + r * factor) * ow + j * factor;
    float s = 0;
    for (int a = 0; a < factor; ++a) {
      for (int b = 0; b < factor; ++b) s += block[a * ow + b];
    }
    dx[i] = s;
  }
}

__global__ void scale_rows_kernel(const float* x, const float* __restrict__ s, int64_t rows, int64_t cols, float* y) {
  HVAE4J_GRID_STRIDE(i, rows * cols) y[i] = s[i / cols] * x[i];
}

// sum_c a[r, c] b[r, c] in double over the block's threads (the total in thread 0, as block_sum leaves it).
__device__ double block_row_dot(const float* __restrict__ a, const float* __restrict__ b, int64_t r, int64_t cols) {
  double s = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += (double)a[r * cols + c] * b[r * cols + c];
  return block_sum(s);
}

__global__ void row_dot_kernel(const float* __restrict__ x, const float* __restrict__ z, int64_t cols, float beta,
                               float* out) {
  const int64_t r = blockIdx.x;
  const double s = block_row_dot(x, z, r, cols);
  if (threadIdx.x == 0) out[r] = (float)(s + (beta == 0.0f ? 0.0 : (double)beta * out[r]));
}

__global__ void weight_norm_kernel(const float* __restrict__ v, const float* __restrict__ g, int64_t cols,
                                   float* __restrict__ w, float* __restrict__ norm) {
  __shared__ float k;
  const int64_t r = blockIdx.x;
  const double ss = block_row_dot(v, v, r, cols);
  if (threadIdx.x == 0) {
    const float n = weight_norm_of<float>(ss);
    norm[r] = n;
    k = g[r] / n;
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) w[r * cols + c] = k * v[r * cols + c];
}

__global__ void weight_norm_backward_kernel(const float* __restrict__ v, const float* __restrict__ g,
                                            const float* __restrict__ norm, const float* __restrict__ dw, int64_t cols,
                                            float beta, float* __restrict__ dv, float* __restrict__ dg) {
  __shared__ float dgr;
  const int64_t r = blockIdx.x;
  const double s = block_row_dot(dw, v, r, cols);
  if (threadIdx.x == 0) {
    dgr = (float)(s / norm[r]);
    dg[r] = beta == 0.0f ? dgr : dgr + beta * dg[r];
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const int64_t i = r * cols + c;
    const float d = weight_norm_dv<float>(g[r], norm[r], dgr, dw[i], v[i]);
    dv[i] = beta == 0.0f ? d : d + beta * dv[i];
  }
}

// One block per channel: the elements of channel c are hw consecutive values in each of the n images.
template <typename F>
__device__ double channel_block_sum(int64_t n, int64_t channels, int64_t hw, int64_t c, F f) {
  double s = 0;
  for (int64_t k = threadIdx.x; k < n * hw; k += blockDim.x) {
    const int64_t im = k / hw, i = (im * channels + c) * hw + k % hw;
    s += f(i);
  }
  return block_sum(s);
}

__global__ void channel_moments_kernel(const float* __restrict__ x, int64_t n, int64_t channels, int64_t hw,
                                       float* __restrict__ mean, float* __restrict__ var) {
  __shared__ double m;
  const int64_t c = blockIdx.x;
  const double count = (double)(n * hw);
  double s = channel_block_sum(n, channels, hw, c, [&](int64_t i) { return (double)x[i]; });
  if (threadIdx.x == 0) m = s / count;
  __syncthreads();
  const double mc = m;
  double v = channel_block_sum(n, channels, hw, c, [&](int64_t i) {
    const double d = x[i] - mc;
    return d * d;
  });
  if (threadIdx.x == 0) {
    mean[c] = (float)mc;
    var[c] = (float)(v / count);
  }
}

__global__ void batch_norm_kernel(const float* x, int64_t n, int64_t channels, int64_t hw,
                                  const float* __restrict__ mean, const float* __restrict__ var, float eps,
                                  const float* __restrict__ gamma, const float* __restrict__ beta, float* y) {
  HVAE4J_GRID_STRIDE(i, n * channels * hw) {
    const int64_t c = (i / hw) % channels;
    const float k = gamma[c] * inv_std<float>(var[c], eps);
    y[i] = k * x[i] + (beta[c] - k * mean[c]);
  }
}

__global__ void batch_norm_backward_kernel(const float* __restrict__ x, const float* dy, int64_t n, int64_t channels,
                                           int64_t hw, const float* __restrict__ mean, const float* __restrict__ var,
                                           float eps, const float* __restrict__ gamma, int batch_stats,
                                           int accumulate, float* dx, float* __restrict__ dgamma,
                                           float* __restrict__ dbeta) {
  __shared__ float mdy, mdyx;
  const int64_t c = blockIdx.x;
  const float istd = inv_std<float>(var[c], eps), m = mean[c];
  const double count = (double)(n * hw);
  double sdy = channel_block_sum(n, channels, hw, c, [&](int64_t i) { return (double)dy[i]; });
  double sdyx = channel_block_sum(n, channels, hw, c, [&](int64_t i) { return (double)dy[i] * ((x[i] - m) * istd); });
  if (threadIdx.x == 0) {
    dbeta[c] = (float)(sdy + (accumulate ? dbeta[c] : 0.0));
    dgamma[c] = (float)(sdyx + (accumulate ? dgamma[c] : 0.0));
    mdy = (float)(sdy / count);
    mdyx = (float)(sdyx / count);
  }
  __syncthreads();
  if (dx == nullptr) return;
  for (int64_t k = threadIdx.x; k < n * hw; k += blockDim.x) {
    const int64_t im = k / hw, i = (im * channels + c) * hw + k % hw;
    const float xhat = (x[i] - m) * istd;
    dx[i] = batch_norm_dx<float>(gamma[c], istd, dy[i], xhat, mdy, mdyx, batch_stats != 0);
  }
}

bool fits_grid(int64_t blocks) { return blocks < 2147483647LL; }

}  // namespace

extern "C" {

int hvae4j_cuda_upsample_nearest(const float* x, int64_t planes, int64_t h, int64_t w, int factor, float* y,
                                 void* stream) {
  HVAE4J_CUDA_REQUIRE(planes >= 0 && h >= 0 && w >= 0 && factor >= 1);
  const int64_t n = planes * h * w * factor * factor;
  if (n == 0) return HVAE4J_OK;
  upsample_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(x, planes, h, w, factor, y);
  return status_of_launch();
}

int hvae4j_cuda_upsample_nearest_backward(const float* dy, int64_t planes, int64_t h, int64_t w, int factor,
                                          float* dx, void* stream) {
  HVAE4J_CUDA_REQUIRE(planes >= 0 && h >= 0 && w >= 0 && factor >= 1);
  const int64_t n = planes * h * w;
  if (n == 0) return HVAE4J_OK;
  upsample_backward_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(dy, planes, h, w, factor, dx);
  return status_of_launch();
}

int hvae4j_cuda_scale_rows(const float* x, const float* s, int64_t rows, int64_t cols, float* y, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0);
  if (rows * cols == 0) return HVAE4J_OK;
  scale_rows_kernel<<<grid_for(rows * cols), kThreads, 0, as_stream(stream)>>>(x, s, rows, cols, y);
  return status_of_launch();
}

int hvae4j_cuda_row_dot(const float* x, const float* z, int64_t rows, int64_t cols, float beta, float* out,
                        void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && fits_grid(rows));
  if (rows == 0) return HVAE4J_OK;
  row_dot_kernel<<<(unsigned)rows, kReduceThreads, 0, as_stream(stream)>>>(x, z, cols, beta, out);
  return status_of_launch();
}

int hvae4j_cuda_weight_norm(const float* v, const float* g, int64_t rows, int64_t cols, float* w, float* norm,
                            void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && fits_grid(rows));
  if (rows == 0) return HVAE4J_OK;
  weight_norm_kernel<<<(unsigned)rows, kReduceThreads, 0, as_stream(stream)>>>(v, g, cols, w, norm);
  return status_of_launch();
}

int hvae4j_cuda_weight_norm_backward(const float* v, const float* g, const float* norm, const float* dw, int64_t rows,
                                     int64_t cols, float beta, float* dv, float* dg, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols >= 0 && fits_grid(rows));
  if (rows == 0) return HVAE4J_OK;
  weight_norm_backward_kernel<<<(unsigned)rows, kReduceThreads, 0, as_stream(stream)>>>(v, g, norm, dw, cols, beta,
                                                                                        dv, dg);
  return status_of_launch();
}

int hvae4j_cuda_channel_moments(const float* x, int64_t n, int64_t channels, int64_t hw, float* mean, float* var,
                                void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && channels >= 0 && hw >= 0 && n * hw > 0 && fits_grid(channels));
  if (channels == 0) return HVAE4J_OK;
  channel_moments_kernel<<<(unsigned)channels, kReduceThreads, 0, as_stream(stream)>>>(x, n, channels, hw, mean, var);
  return status_of_launch();
}

int hvae4j_cuda_batch_norm(const float* x, int64_t n, int64_t channels, int64_t hw, const float* mean,
                           const float* var, float eps, const float* gamma, const float* beta, float* y,
                           void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && channels >= 0 && hw >= 0 && eps >= 0);
  const int64_t total = n * channels * hw;
  if (total == 0) return HVAE4J_OK;
  batch_norm_kernel<<<grid_for(total), kThreads, 0, as_stream(stream)>>>(x, n, channels, hw, mean, var, eps, gamma,
                                                                        beta, y);
  return status_of_launch();
}

int hvae4j_cuda_batch_norm_backward(const float* x, const float* dy, int64_t n, int64_t channels, int64_t hw,
                                    const float* mean, const float* var, float eps, const float* gamma,
                                    int batch_stats, int accumulate, float* dx, float* dgamma, float* dbeta,
                                    void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && channels >= 0 && hw >= 0 && n * hw > 0 && eps >= 0 && fits_grid(channels));
  if (channels == 0) return HVAE4J_OK;
  batch_norm_backward_kernel<<<(unsigned)channels, kReduceThreads, 0, as_stream(stream)>>>(
      x, dy, n, channels, hw, mean, var, eps, gamma, batch_stats, accumulate, dx, dgamma, dbeta);
  return status_of_launch();
}

}  // extern "C"
