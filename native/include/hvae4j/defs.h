// Portability macros shared by every header that both backends compile.
#pragma once

#if defined(__CUDACC__)
#define HVAE4J_HD __host__ __device__ __forceinline__
#else
#define HVAE4J_HD inline
#endif

// For the noise generator and the latent element formulas, forced on the host too: the CPU's vector loops vectorize
// them only when they are inlined, and GCC's size limits otherwise leave calls in the loops of the larger kernels.
#if !defined(__CUDACC__) && defined(__GNUC__)
#define HVAE4J_HD_INLINE inline __attribute__((always_inline))
#else
#define HVAE4J_HD_INLINE HVAE4J_HD
#endif

#include <stdint.h>
