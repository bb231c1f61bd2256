/* The C API of libhvae4j_cuda (CUDA backend): the same operations as hvae4j_cpu.h on device pointers, each
 * enqueued on the given cudaStream_t (passed as void* so this header needs no CUDA headers). Functions return
 * HVAE4J_OK or HVAE4J_CUDA_ERROR_BASE + cudaError_t of the launch; they never synchronize. */
#pragma once
#include <stdint.h>
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the CUDA runtime this library was compiled against (CUDART_VERSION). */
int hvae4j_cuda_compiled_runtime_version(void);

int hvae4j_cuda_fill(float* y, float value, int64_t n, void* stream);
int hvae4j_cuda_axpby(float alpha, const float* x, float beta, float* y, int64_t n, void* stream);
int hvae4j_cuda_mul(const float* x, const float* z, float* y, int64_t n, void* stream);
int hvae4j_cuda_bias_add(float* y, const float* b, int64_t rows, int64_t cols, void* stream);
int hvae4j_cuda_activation_forward(int act, float alpha, const float* x, float* y, int64_t n, void* stream);
int hvae4j_cuda_activation_backward(int act, float alpha, const float* x, const float* y, const float* dy,
                                    float* dx, int64_t n, void* stream);
int hvae4j_cuda_sum_rows(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream);
int hvae4j_cuda_sum_cols(const float* x, int64_t rows, int64_t cols, float alpha, float beta, float* out,
                         void* stream);
int hvae4j_cuda_sum_squares(const float* x, int64_t n, int accumulate, float* out, void* stream);

#ifdef __cplusplus
}
#endif
