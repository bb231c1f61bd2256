// CPU implementation of the core C API: memory, elementwise operations, activations and reductions.
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "hvae4j/activation.h"
#include "hvae4j/hvae4j_cpu.h"
#include "simd_math.h"

using namespace hvae4j;

namespace {

template <typename T>
void activation_forward_n(int act, T alpha, const T* x, T* y, int64_t n);

// Float: the two activations of the benchmark models through libmvec's vector tanhf / expf.
template <>
HVAE4J_CPU_CLONES void activation_forward_n<float>(int act, float alpha, const float* x, float* y, int64_t n) {
  switch (act) {
    case ACT_TANH:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = tanhf(x[i]);
      return;
    case ACT_SIGMOID:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = simd::sigmoid(x[i]);
      return;
    case ACT_RELU:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
      return;
    case ACT_IDENTITY:
      if (x != y) memmove(y, x, sizeof(float) * n);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = activation_forward<float>(act, alpha, x[i]);
  }
}

template <typename T>
void activation_forward_n(int act, T alpha, const T* x, T* y, int64_t n) {
  // One switch per call, not per element: the compiler vectorizes the simple cases.
  switch (act) {
    case ACT_RELU:
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] > T(0) ? x[i] : T(0);
      return;
    case ACT_IDENTITY:
      if (x != y) memmove(y, x, sizeof(T) * n);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) y[i] = activation_forward<T>(act, alpha, x[i]);
  }
}

template <typename T>
void activation_backward_n(int act, T alpha, const T* x, const T* y, const T* dy, T* dx, int64_t n) {
  switch (act) {
    case ACT_TANH:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * (T(1) - y[i] * y[i]);
      return;
    default:
      for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * activation_derivative<T>(act, alpha, x[i], y[i]);
  }
}

bool valid_act(int act) { return act >= 0 && act < ACT_COUNT; }

}  // namespace

extern "C" {

int hvae4j_cpu_malloc(int64_t bytes, int64_t* address) {
  HVAE4J_REQUIRE(bytes >= 0 && address != nullptr);
  size_t size = (size_t)((bytes + 63) / 64 * 64);
  if (size == 0) size = 64;
  void* p = aligned_alloc(64, size);
  if (p == nullptr) return HVAE4J_ENOMEM;
  *address = (int64_t)(intptr_t)p;
  return HVAE4J_OK;
}

int hvae4j_cpu_free(int64_t address) {
  free((void*)(intptr_t)address);
  return HVAE4J_OK;
}

int hvae4j_cpu_fill(float* y, float value, int64_t n) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || y));
  for (int64_t i = 0; i < n; ++i) y[i] = value;
  return HVAE4J_OK;
}

int hvae4j_cpu_axpby(float alpha, const float* x, float beta, float* y, int64_t n) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (x && y)));
  if (beta == 0.0f) {
    for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i];
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = alpha * x[i] + beta * y[i];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_mul(const float* x, const float* z, float* y, int64_t n) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (x && z && y)));
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * z[i];
  return HVAE4J_OK;
}

int hvae4j_cpu_bias_add(float* y, const float* b, int64_t rows, int64_t cols) {
  HVAE4J_REQUIRE(rows >= 0 && cols >= 0 && (rows * cols == 0 || (y && b)));
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += b[c];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_forward(int act, float alpha, const float* x, float* y, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y)));
  activation_forward_n<float>(act, alpha, x, y, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                   float* dx, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y && dy && dx)));
  activation_backward_n<float>(act, alpha, x, y, dy, dx, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_forward_f64(int act, double alpha, const double* x, double* y, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y)));
  activation_forward_n<double>(act, alpha, x, y, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_backward_f64(int act, double alpha, const double* x, const double* y,
                                       const double* dy, double* dx, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y && dy && dx)));
  activation_backward_n<double>(act, alpha, x, y, dy, dx, n);
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int hvae4j_cpu_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta,
                                           float* out) {
  HVAE4J_REQUIRE(rows >= 0 && cols >= 0 && (cols == 0 || out) && (rows * cols == 0 || x));
  // Scale out by beta, then add alpha times the rows, four at a time: the inner loops run along contiguous memory
  // and vectorize, out is read and written once per four rows, and no scratch buffer is needed on this per-step
  // path (bias gradients).
  for (int64_t c = 0; c < cols; ++c) out[c] = beta == 0.0f ? 0.0f : beta * out[c];
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* a = x + r * cols;
    const float *b = a + cols, *c2 = b + cols, *d = c2 + cols;
    for (int64_t c = 0; c < cols; ++c) out[c] += alpha * ((a[c] + b[c]) + (c2[c] + d[c]));
  }
  for (; r < rows; ++r) {
    const float* row = x + r * cols;
    for (int64_t c = 0; c < cols; ++c) out[c] += alpha * row[c];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out) {
  HVAE4J_REQUIRE(rows >= 0 && cols >= 0 && (rows == 0 || out) && (rows * cols == 0 || x));
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * cols;
    float s = 0.0f;
    for (int64_t c = 0; c < cols; ++c) s += row[c];
    out[r] = alpha * s + (beta == 0.0f ? 0.0f : beta * out[r]);
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_sum_squares(const float* x, int64_t n, int accumulate, float* out) {
  HVAE4J_REQUIRE(n >= 0 && out && (n == 0 || x));
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += (double)x[i] * (double)x[i];
  out[0] = (float)(accumulate ? (double)out[0] + s : s);
  return HVAE4J_OK;
}

}  // extern "C"
