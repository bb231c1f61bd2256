// CUDA kernels of the objective family (formulas: hvae4j/objective.h): per-row weights broadcast from device
// scalars, row means, the ELBO's statistics, REINFORCE's signals and the running sums of a run's steps; nothing is
// read on the host, so a training step captured as a CUDA graph replays them.
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/hvae4j_cuda.h"
#include "hvae4j/objective.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

__global__ void fill_divided_kernel(float* y, int64_t n, const float* __restrict__ s, double divisor) {
  const float v = (float)((double)s[0] / divisor);
  HVAE4J_GRID_STRIDE(i, n) y[i] = v;
}

// One block per row, the sum in double.
__global__ void row_means_kernel(int64_t cols, const float* __restrict__ x, float* out) {
  const float* row = x + (int64_t)blockIdx.x * cols;
  double s = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) s += row[c];
  s = block_sum(s);
  if (threadIdx.x == 0) out[blockIdx.x] = (float)(s / (double)cols);
}

__global__ void elbo_objective_kernel(int layers, const float* recon, const float* kl, const float* beta,
                                      double free_bits, float* layer_beta, float* objective, float* loss) {
  elbo_objective_compute(layers, *recon, kl, *beta, free_bits, layer_beta, objective, loss);
}

// One block: the batch mean of the per-row values, then every row's signal and the new baseline.
__global__ void reinforce_signal_kernel(int64_t rows, int layers, double batch, const float* __restrict__ logpx,
                                        const float* __restrict__ terms, const float* __restrict__ layer_beta,
                                        double* baseline, float* signal) {
  __shared__ double mean;
  double s = 0;
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) s += reinforce_value(r, rows, layers, logpx, terms, layer_beta);
  s = block_sum(s);
  if (threadIdx.x == 0) mean = s / (double)rows;
  __syncthreads();
  const double b = reinforce_baseline(*baseline, mean);
  for (int64_t r = threadIdx.x; r < rows; r += blockDim.x)
    signal[r] = reinforce_signal_of(reinforce_value(r, rows, layers, logpx, terms, layer_beta), b, batch);
  __syncthreads();  // every thread has read *baseline
  if (threadIdx.x == 0) *baseline = reinforce_baseline_update(*baseline, mean);
}

__global__ void statistics_accumulate_kernel(int n, const float* values, const hvae4j_adam_state* state,
                                             double* sums) {
  statistics_accumulate_step(n, values, state, sums);
}

}  // namespace

extern "C" {

int hvae4j_cuda_fill_divided(float* y, int64_t n, const float* s, double divisor, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && s && divisor != 0);
  if (n == 0) return HVAE4J_OK;
  fill_divided_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(y, n, s, divisor);
  return status_of_launch();
}

int hvae4j_cuda_row_means(int64_t rows, int64_t cols, const float* x, float* out, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows >= 0 && cols > 0 && rows < 2147483647LL);
  if (rows == 0) return HVAE4J_OK;
  row_means_kernel<<<(unsigned)rows, 256, 0, as_stream(stream)>>>(cols, x, out);
  return status_of_launch();
}

int hvae4j_cuda_elbo_objective(int layers, const float* recon, const float* kl, const float* beta, double free_bits,
                               float* layer_beta, float* objective, float* loss, void* stream) {
  HVAE4J_CUDA_REQUIRE(layers >= 0 && recon && beta && objective && loss && (layers == 0 || (kl && layer_beta)) &&
                      free_bits >= 0);
  elbo_objective_kernel<<<1, 1, 0, as_stream(stream)>>>(layers, recon, kl, beta, free_bits, layer_beta, objective,
                                                        loss);
  return status_of_launch();
}

int hvae4j_cuda_reinforce_signal(int64_t rows, int layers, double batch, const float* logpx, const float* terms,
                                 const float* layer_beta, double* baseline, float* signal, void* stream) {
  HVAE4J_CUDA_REQUIRE(rows > 0 && layers >= 0 && batch > 0 && logpx && baseline && signal &&
                      (layers == 0 || (terms && layer_beta)));
  reinforce_signal_kernel<<<1, 256, 0, as_stream(stream)>>>(rows, layers, batch, logpx, terms, layer_beta, baseline,
                                                            signal);
  return status_of_launch();
}

int hvae4j_cuda_statistics_accumulate(int n, const float* values, const hvae4j_adam_state* state, double* sums,
                                      void* stream) {
  HVAE4J_CUDA_REQUIRE(n > HVAE4J_STEP_LOSS && values && state && sums);
  statistics_accumulate_kernel<<<1, 1, 0, as_stream(stream)>>>(n, values, state, sums);
  return status_of_launch();
}

}  // extern "C"
