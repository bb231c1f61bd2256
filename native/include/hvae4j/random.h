// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011). The stream is keyed by (seed, offset) and indexed by element, so the CPU and every CUDA thread
// produce the same numbers for the same element without shared state, and backward passes regenerate the
// noise of the forward pass instead of storing it.
#pragma once
#include "defs.h"
#include "math.h"

namespace hvae4j {

struct Philox4 {
  uint32_t v[4];
};

HVAE4J_HD_INLINE uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

// Ten rounds of Philox4x32 on counter (c0..c3) with key (k0, k1).
HVAE4J_HD_INLINE Philox4 philox4x32_10(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u, W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo32(M0, c0, &hi0);
    uint32_t lo1 = mulhilo32(M1, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0;
    uint32_t n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += W0;
    k1 += W1;
  }
  Philox4 r;
  r.v[0] = c0;
  r.v[1] = c1;
  r.v[2] = c2;
  r.v[3] = c3;
  return r;
}

// The four words for element `index` of the stream (seed, offset).
HVAE4J_HD_INLINE Philox4 philox_at(uint64_t seed, uint64_t offset, uint64_t index) {
  return philox4x32_10((uint32_t)index, (uint32_t)(index >> 32), (uint32_t)offset, (uint32_t)(offset >> 32),
                       (uint32_t)seed, (uint32_t)(seed >> 32));
}

// A uniform in the open interval (0, 1) from 24 random bits: (k + 0.5) / 2^24, exact in float, so both
// backends and both precisions see the same value.
template <typename T>
HVAE4J_HD_INLINE T uniform_from_bits(uint32_t bits) {
  return (T((bits >> 8)) + T(0.5)) * T(5.9604644775390625e-08);
}

// Each Philox block of four 32-bit words serves four uniforms (element i uses word i mod 4 of block i / 4) or four
// normals (element i: Box-Muller on the word pair 2 floor((i mod 4) / 2), +1 of block i / 4, the pair's first normal
// for even i and its second for odd i): a quarter of a generator call per element, with the same values on every
// backend.

// Uniform u in (0, 1) for element `index`.
template <typename T>
HVAE4J_HD T uniform_at(uint64_t seed, uint64_t offset, uint64_t index) {
  return uniform_from_bits<T>(philox_at(seed, offset, index >> 2).v[index & 3]);
}

// Box-Muller on the words (a, b): radius sqrt(-2 log u1) and angle 2 pi u2 give two independent standard normals,
// r cos(angle) (first) and r sin(angle) (second). The second is written r cos(angle - pi/2) so that a vector loop
// computing both calls one vectorizable function: GCC merges sin and cos of one argument into a scalar sincos.
template <typename T>
HVAE4J_HD_INLINE T box_muller_radius(uint32_t a) {
  return sqrt(T(-2) * log(uniform_from_bits<T>(a)));
}

template <typename T>
HVAE4J_HD_INLINE T box_muller_angle(uint32_t b, bool second) {
  const T angle = T(6.283185307179586476925286766559) * uniform_from_bits<T>(b);
  return second ? angle - T(1.5707963267948966192313216916398) : angle;
}

template <typename T>
HVAE4J_HD_INLINE T box_muller(uint32_t a, uint32_t b, bool second) {
  return box_muller_radius<T>(a) * cos(box_muller_angle<T>(b, second));
}

// Standard normal epsilon for element `index` (Box-Muller on a word pair of the element's block).
template <typename T>
HVAE4J_HD T normal_at(uint64_t seed, uint64_t offset, uint64_t index) {
  Philox4 r = philox_at(seed, offset, index >> 2);
  const int w = (int)(index & 2);
  return box_muller<T>(r.v[w], r.v[w + 1], (index & 1) != 0);
}

// Sequential access for loops that walk elements in order (the CPU backend): the same values as uniform_at and
// normal_at, computing each Philox block once. Uniforms and normals both take element i from block i / 4, so one
// cached block serves either.
struct NoiseCursor {
  uint64_t seed, offset;
  uint64_t cached = ~0ull;
  Philox4 words;

  HVAE4J_HD NoiseCursor(uint64_t s, uint64_t o) : seed(s), offset(o) {}

  HVAE4J_HD const Philox4& block_of(uint64_t index) {
    const uint64_t b = index >> 2;
    if (b != cached) {
      words = philox_at(seed, offset, b);
      cached = b;
    }
    return words;
  }

  template <typename T>
  HVAE4J_HD T uniform(uint64_t index) {
    return uniform_from_bits<T>(block_of(index).v[index & 3]);
  }

  template <typename T>
  HVAE4J_HD T normal(uint64_t index) {
    const Philox4& r = block_of(index);
    const int w = (int)(index & 2);
    return box_muller<T>(r.v[w], r.v[w + 1], (index & 1) != 0);
  }
};

// The hard Bernoulli decision u < sigmoid(l), made in double precision on both backends so that float rounding
// differences between CUDA's and the C library's exp cannot flip a sample.
HVAE4J_HD bool bernoulli_decision(double u, double logit) {
  return u < sigmoid<double>(logit);
}

}  // namespace hvae4j
