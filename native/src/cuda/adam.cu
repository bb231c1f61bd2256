// CUDA kernels of the fused Adam(W) step (formulas: hvae4j/adam.h): the ordinary update and the device-resident
// step of a captured graph (adam_prepare, then adam_device reading lr, c1, c2, scale and skip from the state).
#include <cuda_runtime.h>
#include <math.h>

#include "hvae4j/adam.h"
#include "hvae4j/hvae4j_cuda.h"
#include "launch.cuh"

using namespace hvae4j;
using namespace hvae4j::cuda;

namespace {

// The clipping factor is read on the device, so a training step needs no host round trip for it.
__global__ void adam_kernel(int64_t n, float* param, const float* __restrict__ grad, float* m, float* v, float lr,
                            float beta1, float beta2, float eps, float weight_decay, float c1, float c2,
                            const float* grad_scale) {
  const float s = grad_scale ? grad_scale[0] : 1.0f;
  HVAE4J_GRID_STRIDE(i, n)
  adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
}

__global__ void adam_prepare_kernel(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                                    hvae4j_adam_state* state) {
  adam_prepare(*norm_sq, loss, clip, beta1, beta2, state);
}

__global__ void adam_device_kernel(int64_t n, float* param, const float* __restrict__ grad, float* m, float* v,
                                   float beta1, float beta2, float eps, float weight_decay,
                                   const hvae4j_adam_state* __restrict__ state) {
  if (state->skip) return;
  const float s = state->scale, lr = state->lr, c1 = state->c1, c2 = state->c2;
  HVAE4J_GRID_STRIDE(i, n)
  adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
}

}  // namespace

extern "C" {

int hvae4j_cuda_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1,
                     float beta2, float eps, float weight_decay, float c1, float c2, const float* grad_scale,
                     void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && c1 > 0 && c2 > 0);
  if (n == 0) return HVAE4J_OK;
  adam_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, param, grad, m, v, lr, beta1, beta2, eps,
                                                               weight_decay, c1, c2, grad_scale);
  return status_of_launch();
}

int hvae4j_cuda_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                             hvae4j_adam_state* state, void* stream) {
  HVAE4J_CUDA_REQUIRE(norm_sq && state && clip > 0);
  adam_prepare_kernel<<<1, 1, 0, as_stream(stream)>>>(norm_sq, loss, clip, beta1, beta2, state);
  return status_of_launch();
}

int hvae4j_cuda_adam_device(int64_t n, float* param, const float* grad, float* m, float* v, float beta1, float beta2,
                            float eps, float weight_decay, const hvae4j_adam_state* state, void* stream) {
  HVAE4J_CUDA_REQUIRE(n >= 0 && state);
  if (n == 0) return HVAE4J_OK;
  adam_device_kernel<<<grid_for(n), kThreads, 0, as_stream(stream)>>>(n, param, grad, m, v, beta1, beta2, eps,
                                                                      weight_decay, state);
  return status_of_launch();
}

}  // extern "C"
