// CPU loops of the fused Adam(W) step (formulas: hvae4j/adam.h): the ordinary step with host-computed bias
// corrections, and the device-resident one that reads them, the learning rate and the skip decision from the
// hvae4j_adam_state (so the step a CUDA graph replays runs, and is tested, on the CPU too).
#include "common.h"
#include "hvae4j/adam.h"
#include "hvae4j/hvae4j_cpu.h"
#include "simd_math.h"

using namespace hvae4j;

extern "C" {

HVAE4J_CPU_CLONES int hvae4j_cpu_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr,
                                      float beta1, float beta2, float eps, float weight_decay, float c1, float c2,
                                      const float* grad_scale) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (param && grad && m && v)) && c1 > 0 && c2 > 0);
  const float s = grad_scale ? grad_scale[0] : 1.0f;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
  return HVAE4J_OK;
}

int hvae4j_cpu_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                            hvae4j_adam_state* state) {
  HVAE4J_REQUIRE(norm_sq && state && clip > 0);
  adam_prepare(*norm_sq, loss, clip, beta1, beta2, state);
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int hvae4j_cpu_adam_device(int64_t n, float* param, const float* grad, float* m, float* v,
                                             float beta1, float beta2, float eps, float weight_decay,
                                             const hvae4j_adam_state* state) {
  HVAE4J_REQUIRE(n >= 0 && state && (n == 0 || (param && grad && m && v)));
  if (state->skip) return HVAE4J_OK;
  HVAE4J_REQUIRE(state->c1 > 0 && state->c2 > 0);
  const float s = state->scale, lr = state->lr, c1 = state->c1, c2 = state->c2;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
  return HVAE4J_OK;
}

}  // extern "C"
