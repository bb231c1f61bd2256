// What every CPU source shares: the boundary checks (no exception and no bad argument crosses into C callers), the
// small helpers of the loops, and the offset of a noise stream.
#pragma once
#include <new>
#include <stdint.h>

#include "hvae4j/math.h"
#include "hvae4j/status.h"

#define HVAE4J_REQUIRE(cond)             \
  do {                                   \
    if (!(cond)) return HVAE4J_EINVAL;   \
  } while (0)

#define HVAE4J_INLINE inline __attribute__((always_inline))

// A lambda that the vector loops inline (so that they vectorize).
#define HVAE4J_ELEMENT_FN(...) [&](__VA_ARGS__) __attribute__((always_inline))

namespace hvae4j {
namespace cpu {

template <typename T>
inline T at_or(const T* p, int64_t i, T fallback) {
  return p ? p[i] : fallback;
}

// Stores a per-row sum (accumulated in double), saturated; nothing for a null output.
template <typename T>
inline void store(T* p, int64_t i, double v) {
  if (p) p[i] = (T)sat(v);
}

inline bool dims_ok(int64_t rows, int64_t cols) { return rows >= 0 && cols >= 0; }

// The offset a noise stream uses: its own plus the 64-bit word at offset_add (host memory here) where given.
inline uint64_t noise_offset(uint64_t offset, const uint64_t* offset_add) {
  return offset_add ? offset + *offset_add : offset;
}

}  // namespace cpu
}  // namespace hvae4j
