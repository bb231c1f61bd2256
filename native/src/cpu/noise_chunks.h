// The CPU's noise, a chunk of elements at a time: Philox blocks eight at a time with AVX2 (the scalar generator of
// random.h elsewhere), Box-Muller on both words of each pair, uniforms and binary targets, in vector loops. The same
// values as random.h's normal_at and uniform_at, element by element (hvae4j_cpu_philox_check tests the words).
#pragma once
#include <math.h>
#include <string.h>

#include "common.h"
#include "hvae4j/random.h"
#include "simd_math.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace hvae4j {
namespace cpu {

// Philox blocks, Box-Muller, and the element formulas; row sums (in double) and per-row weights are walked over
// the chunk's row segments. Values equal the scalar path's up to libmvec's last-ulp differences.

constexpr int kNoiseChunk = 512;

// Philox words of the blocks [b0, b0 + nb) of the stream (seed, offset), in order: w[4 j + k] is word k of block
// b0 + j, the words of philox_at. With AVX2, eight blocks per vector step (the compiler's own vectorization of
// philox_at widens the 32-bit products to 64-bit lanes and ran 2.8 times slower); w then holds whole groups of eight
// blocks, so it must have room for 4 * round_up(nb, 8) words.
#if defined(__x86_64__) && defined(__GNUC__)
inline __attribute__((target("avx2"))) void philox_words_avx2(uint64_t seed, uint64_t offset, uint64_t b0, int nb,
                                                         uint32_t* w) {
  const __m256i m0 = _mm256_set1_epi32((int)0xD2511F53u), m1 = _mm256_set1_epi32((int)0xCD9E8D57u);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
  const uint32_t lo0 = (uint32_t)b0, hi0 = (uint32_t)(b0 >> 32);
  const __m256i lo0_biased = _mm256_xor_si256(_mm256_set1_epi32((int)lo0), sign);
  for (int j = 0; j < nb; j += 8) {
    // The 64-bit block index b0 + j + lane as (low word c0, high word c1): the high word carries where the low
    // word wrapped below lo0 (an unsigned compare, done on sign-flipped values).
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(lo0 + (uint32_t)j)), lane);
    __m256i wrapped = _mm256_cmpgt_epi32(lo0_biased, _mm256_xor_si256(c0, sign));
    __m256i c1 = _mm256_sub_epi32(_mm256_set1_epi32((int)hi0), wrapped);
    __m256i c2 = _mm256_set1_epi32((int)(uint32_t)offset), c3 = _mm256_set1_epi32((int)(uint32_t)(offset >> 32));
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      // 32 x 32 -> 64-bit products of the even lanes, then of the odd lanes shifted down; high and low halves
      // blended back into eight lanes.
      __m256i e0 = _mm256_mul_epu32(c0, m0), o0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0);
      __m256i e1 = _mm256_mul_epu32(c2, m1), o1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1);
      __m256i hi_0 = _mm256_blend_epi32(_mm256_srli_epi64(e0, 32), o0, 0xAA);
      __m256i lo_0 = _mm256_blend_epi32(e0, _mm256_slli_epi64(o0, 32), 0xAA);
      __m256i hi_1 = _mm256_blend_epi32(_mm256_srli_epi64(e1, 32), o1, 0xAA);
      __m256i lo_1 = _mm256_blend_epi32(e1, _mm256_slli_epi64(o1, 32), 0xAA);
      c0 = _mm256_xor_si256(_mm256_xor_si256(hi_1, c1), _mm256_set1_epi32((int)k0));
      c2 = _mm256_xor_si256(_mm256_xor_si256(hi_0, c3), _mm256_set1_epi32((int)k1));
      c1 = lo_1;
      c3 = lo_0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    // Transpose the four word vectors (lane = block) into blocks of four consecutive words.
    __m256i t0 = _mm256_unpacklo_epi32(c0, c1), t1 = _mm256_unpackhi_epi32(c0, c1);
    __m256i t2 = _mm256_unpacklo_epi32(c2, c3), t3 = _mm256_unpackhi_epi32(c2, c3);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);  // blocks 0|4, 1|5
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);  // blocks 2|6, 3|7
    __m256i* out = (__m256i*)(w + 4 * j);
    _mm256_storeu_si256(out, _mm256_permute2x128_si256(u0, u1, 0x20));
    _mm256_storeu_si256(out + 1, _mm256_permute2x128_si256(u2, u3, 0x20));
    _mm256_storeu_si256(out + 2, _mm256_permute2x128_si256(u0, u1, 0x31));
    _mm256_storeu_si256(out + 3, _mm256_permute2x128_si256(u2, u3, 0x31));
  }
}
#endif

inline void philox_words_scalar(uint64_t seed, uint64_t offset, uint64_t b0, int nb, uint32_t* w) {
  for (int j = 0; j < nb; ++j) {
    Philox4 r = philox_at(seed, offset, b0 + (uint64_t)j);
    for (int k = 0; k < 4; ++k) w[4 * j + k] = r.v[k];
  }
}

inline __attribute__((noinline)) void philox_words(uint64_t seed, uint64_t offset, uint64_t b0, int nb, uint32_t* w) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  if (avx2) {
    philox_words_avx2(seed, offset, b0, nb, w);
    return;
  }
#endif
  philox_words_scalar(seed, offset, b0, nb, w);
}

// Room for the Philox words of a chunk's blocks: n <= kNoiseChunk elements from any start span at most
// kNoiseChunk / 4 + 1 blocks, rounded up to whole groups of eight for philox_words.
constexpr int kNoiseWords = 4 * ((kNoiseChunk / 4 + 1 + 7) / 8 * 8);

// The Philox words of the blocks that hold elements [i0, i0 + n) (n <= kNoiseChunk), from the block of i0 on: w[0] is
// word 0 of block i0 / 4, so element i sits at w[i - 4 floor(i0 / 4)]. Returns the number of blocks.
HVAE4J_INLINE int chunk_words(uint64_t seed, uint64_t offset, int64_t i0, int n, uint32_t* w) {
  const uint64_t b0 = (uint64_t)i0 >> 2;
  const int nb = (int)((((uint64_t)(i0 + n - 1)) >> 2) - b0 + 1);
  philox_words(seed, offset, b0, nb, w);
  return nb;
}

// Standard normals of elements [i0, i0 + n) of the stream (seed, offset), n <= kNoiseChunk, as NoiseCursor::normal
// gives them: both normals of each word pair in one vector loop (see box_muller), then the chunk's window.
HVAE4J_INLINE void normals_chunk(uint64_t seed, uint64_t offset, int64_t i0, int n, float* eps) {
  uint32_t w[kNoiseWords];
  float t[kNoiseWords];
  const int pairs = 2 * chunk_words(seed, offset, i0, n, w);
#pragma omp simd
  for (int p = 0; p < pairs; ++p) {
    const float r = box_muller_radius<float>(w[2 * p]);
    t[2 * p] = r * cosf(box_muller_angle<float>(w[2 * p + 1], false));
    t[2 * p + 1] = r * cosf(box_muller_angle<float>(w[2 * p + 1], true));
  }
  memcpy(eps, t + (i0 & 3), sizeof(float) * n);
}

// Uniforms of elements [i0, i0 + n) of the stream (seed, offset), n <= kNoiseChunk: element i uses word i mod 4 of
// block i / 4, as NoiseCursor::uniform does.
HVAE4J_INLINE void uniforms_chunk(uint64_t seed, uint64_t offset, int64_t i0, int n, float* u) {
  uint32_t w[kNoiseWords];
  chunk_words(seed, offset, i0, n, w);
  const int s = (int)(i0 & 3);
#pragma omp simd
  for (int j = 0; j < n; ++j) u[j] = uniform_from_bits<float>(w[s + j]);
}

// Binary targets x~ = [u < x] of elements [i0, i0 + n) (n <= kNoiseChunk), the draws of likelihood_target.
HVAE4J_INLINE void binary_targets_chunk(uint64_t seed, uint64_t offset, int64_t i0, int n, const float* x, float* t) {
  float u[kNoiseChunk];
  uniforms_chunk(seed, offset, i0, n, u);
#pragma omp simd
  for (int j = 0; j < n; ++j) t[j] = u[j] < x[j] ? 1.0f : 0.0f;
}

}  // namespace cpu
}  // namespace hvae4j
