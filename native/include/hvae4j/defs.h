// Portability macros shared by every header that both backends compile.
#pragma once

#if defined(__CUDACC__)
#define HVAE4J_HD __host__ __device__ __forceinline__
#else
#define HVAE4J_HD inline
#endif

#include <stdint.h>
