// Vector variants of the C library's float functions (glibc's libmvec, 2.35+): declared "simd" here so that GCC
// vectorizes the hot float loops of the CPU backend with them under -fopenmp-simd, without -ffast-math (which
// would let the compiler assume no NaN or infinity, and break the saturation the formulas rely on). libmvec
// dispatches at run time to the widest vector unit the processor has. The double-precision reference path keeps
// the scalar formulas of hvae4j/math.h.
#pragma once
#include <math.h>

extern "C" {
#pragma omp declare simd notinbranch
float tanhf(float) noexcept;
#pragma omp declare simd notinbranch
float expf(float) noexcept;
#pragma omp declare simd notinbranch
float logf(float) noexcept;
#pragma omp declare simd notinbranch
float cosf(float) noexcept;
#pragma omp declare simd notinbranch
float log1pf(float) noexcept;
#pragma omp declare simd notinbranch
double exp(double) noexcept;
}

// The hot float loops are compiled twice: for x86-64-v3 (AVX2 + FMA, where libmvec's 8-wide variants serve the
// vector math) and for the baseline (SSE2, 4-wide); the loader picks one on the processor it runs on.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HVAE4J_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define HVAE4J_CPU_CLONES
#endif

namespace hvae4j {
namespace simd {

// sigmoid(x) = 1 / (1 + e^-x): exact limits 0 and 1 (e^-x overflows to inf or underflows to 0), no NaN.
#pragma omp declare simd notinbranch
inline float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(1 + e) for e in [0, 1]: logf(1 + e), or its series e - e^2/2 where 1 + e would round e away (GCC does not
// vectorize log1pf). Both are computed and blended arithmetically (both are finite, so the product with the 0/1
// mask is exact): a conditional would let GCC sink the logf call into a branch, and a loop with a call under a
// branch does not vectorize.
#pragma omp declare simd notinbranch
inline float log1p_unit(float e) {
  float series = e * (1.0f - 0.5f * e);
  float direct = logf(1.0f + e);
  float small = e < 1e-3f ? 1.0f : 0.0f;
  return small * series + (1.0f - small) * direct;
}

// log sigmoid(x) = min(x, 0) - log(1 + e^-|x|), the stable form of hvae4j::log_sigmoid (min as a select: fminf
// is a library call where the loop does not vectorize; for x NaN both give 0).
#pragma omp declare simd notinbranch
inline float log_sigmoid(float x) { return (x < 0.0f ? x : 0.0f) - log1p_unit(expf(-fabsf(x))); }

}  // namespace simd
}  // namespace hvae4j
