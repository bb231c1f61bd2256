// CPU loops of the dense family: elementwise algebra, activations, reductions and the repeats of a batch over its
// importance samples (activation formulas: hvae4j/activation.h).
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "hvae4j/activation.h"
#include "hvae4j/hvae4j_cpu.h"
#include "loops.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

namespace {

// Float: the two activations of the benchmark models through libmvec's vector tanhf / expf; the others as the
// plain loops (loops.h) compute them.
HVAE4J_CPU_CLONES void activation_forward_float(int act, float alpha, const float* x, float* y, int64_t n) {
  switch (act) {
    case HVAE4J_ACT_TANH:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = tanhf(x[i]);
      return;
    case HVAE4J_ACT_SIGMOID:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = simd::sigmoid(x[i]);
      return;
    case HVAE4J_ACT_SILU:
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] * simd::sigmoid(x[i]);
      return;
    default:
      activation_forward_loop<float>(act, alpha, x, y, n);
  }
}

// SiLU's derivative s (1 + x (1 - s)) through the vector sigmoid (the convolutional cells' Swish); the others as the
// plain loops compute them.
HVAE4J_CPU_CLONES void activation_backward_float(int act, float alpha, const float* x, const float* y,
                                                 const float* dy, float* dx, int64_t n) {
  if (act == HVAE4J_ACT_SILU) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      const float s = simd::sigmoid(x[i]);
      dx[i] = dy[i] * (s * (1.0f + x[i] * (1.0f - s)));
    }
    return;
  }
  activation_backward_loop<float>(act, alpha, x, y, dy, dx, n);
}

}  // namespace

extern "C" {

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
  activation_forward_float(act, alpha, x, y, n);
  return HVAE4J_OK;
}

int hvae4j_cpu_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                   float* dx, int64_t n) {
  HVAE4J_REQUIRE(valid_act(act) && n >= 0 && (n == 0 || (x && y && dy && dx)));
  activation_backward_float(act, alpha, x, y, dy, dx, n);
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

HVAE4J_CPU_CLONES int hvae4j_cpu_repeat_rows(const float* x, int64_t rows, int64_t cols, int64_t times, float* y) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && times >= 0 && (rows * cols * times == 0 || (x && y)));
  const int64_t n = rows * cols;
  if (n >= 1024) {
    for (int64_t s = 0; s < times; ++s) memcpy(y + s * n, x, (size_t)n * sizeof(float));
    return HVAE4J_OK;
  }
  // Short blocks (a bias row repeated down a layer's output, once per row of the batch): a copy loop, where a
  // library call per block cost about as much as the copy itself.
  for (int64_t s = 0; s < times; ++s) {
    float* ys = y + s * n;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) ys[i] = x[i];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_sum_repeats(const float* x, int64_t rows, int64_t cols, int64_t times, float beta, float* y) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && times >= 0 && (rows * cols == 0 || (x && y) || times == 0));
  const int64_t n = rows * cols;
  for (int64_t i = 0; i < n; ++i) y[i] = beta == 0.0f ? 0.0f : beta * y[i];
  for (int64_t s = 0; s < times; ++s) {
    const float* xs = x + s * n;
    for (int64_t i = 0; i < n; ++i) y[i] += xs[i];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_u64_update(uint64_t* x, uint64_t value, int add) {
  HVAE4J_REQUIRE(x);
  *x = add ? *x + value : value;
  return HVAE4J_OK;
}

}  // extern "C"
