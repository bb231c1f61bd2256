// CPU loop of the noise family: dynamic binarization, the same draws as the Bernoulli likelihood's in-kernel
// targets (noise_chunks.h).
#include "common.h"
#include "hvae4j/hvae4j_cpu.h"
#include "noise_chunks.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

extern "C" HVAE4J_CPU_CLONES int hvae4j_cpu_binarize(const float* x, int64_t n, uint64_t seed, uint64_t offset,
                                                     const uint64_t* offset_add, float* y) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (x && y)));
  const uint64_t o = noise_offset(offset, offset_add);
  for (int64_t e0 = 0; e0 < n; e0 += kNoiseChunk) {
    const int m = (int)(n - e0 < kNoiseChunk ? n - e0 : kNoiseChunk);
    binary_targets_chunk(seed, o, e0, m, x + e0, y + e0);
  }
  return HVAE4J_OK;
}
