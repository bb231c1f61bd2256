/* The C API of libhvae4j (CPU backend). Every function returns a status (status.h); pointers are host
 * addresses passed from Java as 64-bit integers. Matrices are row-major float32 unless a name ends in _f64,
 * which marks the double-precision reference path the tests use. */
#pragma once
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Memory: 64-byte aligned allocations. */
int hvae4j_cpu_malloc(int64_t bytes, int64_t* address);
int hvae4j_cpu_free(int64_t address);

/* y = value. */
int hvae4j_cpu_fill(float* y, float value, int64_t n);
/* y = alpha * x + beta * y (beta == 0 ignores what y held, NaN included). */
int hvae4j_cpu_axpby(float alpha, const float* x, float beta, float* y, int64_t n);
/* y = x * z elementwise. */
int hvae4j_cpu_mul(const float* x, const float* z, float* y, int64_t n);

/* y[r, c] += b[c] for a rows x cols matrix y (in place). */
int hvae4j_cpu_bias_add(float* y, const float* b, int64_t rows, int64_t cols);

/* y = f(x) and dx = dy * f'(x) (dx may alias dy). act: see activation.h; alpha: leaky slope or ELU scale. */
int hvae4j_cpu_activation_forward(int act, float alpha, const float* x, float* y, int64_t n);
int hvae4j_cpu_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                   float* dx, int64_t n);
int hvae4j_cpu_activation_forward_f64(int act, double alpha, const double* x, double* y, int64_t n);
int hvae4j_cpu_activation_backward_f64(int act, double alpha, const double* x, const double* y,
                                       const double* dy, double* dx, int64_t n);

/* out[c] = alpha * sum_r x[r, c] + beta * out[c]  (a column vector of length cols: bias gradients). */
int hvae4j_cpu_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out);
/* out[r] = alpha * sum_c x[r, c] + beta * out[r]. */
int hvae4j_cpu_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out);
/* out[0] = sum x^2 (+ out[0] when accumulate != 0), accumulated in double: global gradient norms. */
int hvae4j_cpu_sum_squares(const float* x, int64_t n, int accumulate, float* out);

#ifdef __cplusplus
}
#endif
