// CPU implementation of the fused latent operations: loops over rows and columns calling the per-element
// functions of hvae4j/latent.h, with per-row sums accumulated in double. Templates over float (the training
// path) and double (the reference path of the gradient tests).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "hvae4j/hvae4j_cpu.h"
#include "hvae4j/latent.h"
#include "simd_math.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

using namespace hvae4j;

namespace {

template <typename T>
inline T at_or(const T* p, int64_t i, T fallback) {
  return p ? p[i] : fallback;
}

template <typename T>
inline void store(T* p, int64_t i, double v) {
  if (p) p[i] = (T)sat(v);
}

bool dims_ok(int64_t rows, int64_t cols) { return rows >= 0 && cols >= 0; }

// A latent op's forward pass over rows: writes z per element and the row sums of KL, log q and log p, accumulated
// in double. element(i) computes element i (in order, so it may walk a NoiseCursor).
template <typename T, typename Element>
void latent_rows(int64_t rows, int64_t cols, T* z, T* kl, T* logq, T* logp, Element element) {
  for (int64_t r = 0; r < rows; ++r) {
    double skl = 0, slq = 0, slp = 0;
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      LatentForward<T> o = element(i);
      z[i] = o.z;
      skl += o.kl;
      slq += o.logq;
      slp += o.logp;
    }
    store(kl, r, skl);
    store(logq, r, slq);
    store(logp, r, slp);
  }
}

template <typename T>
int gaussian_forward(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv, const T* p_mu,
                     const T* p_lv, uint64_t seed, uint64_t offset, T* z, T* kl, T* logq, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(rows * cols == 0 || (q_mu && q_lv && z && (standard || (p_mu && p_lv))));
  NoiseCursor noise(seed, offset);
  latent_rows<T>(rows, cols, z, kl, logq, logp, [&](int64_t i) {
    return gaussian_forward_element<T>(flags, q_mu[i], q_lv[i], standard ? T(0) : p_mu[i],
                                       standard ? T(0) : p_lv[i], noise.normal<T>((uint64_t)i));
  });
  return HVAE4J_OK;
}

template <typename T>
int gaussian_backward(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv, const T* p_mu,
                      const T* p_lv, uint64_t seed, uint64_t offset, const T* dz, const T* w_kl, const T* w_logq,
                      const T* w_logp, T* d_q_mu, T* d_q_lv, T* d_p_mu, T* d_p_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv, d_p_mu,
                                           d_p_lv));
  const bool want_q = d_q_mu != nullptr, want_p = !standard && d_p_mu != nullptr;
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    T wk = at_or(w_kl, r, T(0)), wq = at_or(w_logq, r, T(0)), wp = at_or(w_logp, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T eps = noise.normal<T>((uint64_t)i);
      GaussianGrads<T> d = gaussian_backward_element<T>(flags, q_mu[i], q_lv[i], standard ? T(0) : p_mu[i],
                                                        standard ? T(0) : p_lv[i], eps, at_or(dz, i, T(0)), wk,
                                                        wq, wp);
      if (want_q) {
        d_q_mu[i] = d.q_mu;
        d_q_lv[i] = d.q_lv;
      }
      if (want_p) {
        d_p_mu[i] = d.p_mu;
        d_p_lv[i] = d.p_lv;
      }
    }
  }
  return HVAE4J_OK;
}

// ---- float Gaussian latent: chunked and vectorized -----------------------------------------------------------
// The same per-element formulas as the generic templates above, in three vector loops per chunk of elements: the
// Philox blocks, Box-Muller, and the element formulas; row sums (in double) and per-row weights are walked over
// the chunk's row segments. Values equal the scalar path's up to libmvec's last-ulp differences.

constexpr int kGaussChunk = 512;

#define HVAE4J_INLINE inline __attribute__((always_inline))

// Philox words of the blocks [b0, b0 + nb) of the stream (seed, offset), in order: w[4 j + k] is word k of block
// b0 + j, the words of philox_at. With AVX2, eight blocks per vector step (the compiler's own vectorization of
// philox_at widens the 32-bit products to 64-bit lanes and ran 2.8 times slower); w then holds whole groups of eight
// blocks, so it must have room for 4 * round_up(nb, 8) words.
#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) void philox_words_avx2(uint64_t seed, uint64_t offset, uint64_t b0, int nb,
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

void philox_words_scalar(uint64_t seed, uint64_t offset, uint64_t b0, int nb, uint32_t* w) {
  for (int j = 0; j < nb; ++j) {
    Philox4 r = philox_at(seed, offset, b0 + (uint64_t)j);
    for (int k = 0; k < 4; ++k) w[4 * j + k] = r.v[k];
  }
}

__attribute__((noinline)) void philox_words(uint64_t seed, uint64_t offset, uint64_t b0, int nb, uint32_t* w) {
#if defined(__x86_64__) && defined(__GNUC__)
  static const bool avx2 = (__builtin_cpu_init(), __builtin_cpu_supports("avx2"));
  if (avx2) {
    philox_words_avx2(seed, offset, b0, nb, w);
    return;
  }
#endif
  philox_words_scalar(seed, offset, b0, nb, w);
}

// Room for the Philox words of a chunk's blocks: n <= kGaussChunk elements from any start span at most
// kGaussChunk / 4 + 1 blocks, rounded up to whole groups of eight for philox_words.
constexpr int kNoiseWords = 4 * ((kGaussChunk / 4 + 1 + 7) / 8 * 8);

// The Philox words of the blocks that hold elements [i0, i0 + n) (n <= kGaussChunk), from the block of i0 on: w[0] is
// word 0 of block i0 / 4, so element i sits at w[i - 4 floor(i0 / 4)]. Returns the number of blocks.
HVAE4J_INLINE int chunk_words(uint64_t seed, uint64_t offset, int64_t i0, int n, uint32_t* w) {
  const uint64_t b0 = (uint64_t)i0 >> 2;
  const int nb = (int)((((uint64_t)(i0 + n - 1)) >> 2) - b0 + 1);
  philox_words(seed, offset, b0, nb, w);
  return nb;
}

// Standard normals of elements [i0, i0 + n) of the stream (seed, offset), n <= kGaussChunk, as NoiseCursor::normal
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

// Uniforms of elements [i0, i0 + n) of the stream (seed, offset), n <= kGaussChunk: element i uses word i mod 4 of
// block i / 4, as NoiseCursor::uniform does.
HVAE4J_INLINE void uniforms_chunk(uint64_t seed, uint64_t offset, int64_t i0, int n, float* u) {
  uint32_t w[kNoiseWords];
  chunk_words(seed, offset, i0, n, w);
  const int s = (int)(i0 & 3);
#pragma omp simd
  for (int j = 0; j < n; ++j) u[j] = uniform_from_bits<float>(w[s + j]);
}

// Binary targets x~ = [u < x] of elements [i0, i0 + n) (n <= kGaussChunk), the draws of likelihood_target.
HVAE4J_INLINE void binary_targets_chunk(uint64_t seed, uint64_t offset, int64_t i0, int n, const float* x, float* t) {
  float u[kGaussChunk];
  uniforms_chunk(seed, offset, i0, n, u);
#pragma omp simd
  for (int j = 0; j < n; ++j) t[j] = u[j] < x[j] ? 1.0f : 0.0f;
}

// Calls seg(row, from, to) for each run [from, to) of chunk positions that lie in one row, for the chunk of n
// elements starting at flat element e0 of a matrix with `cols` columns; `last` tells whether the run ends its row.
template <typename Seg>
HVAE4J_INLINE void row_segments(int64_t cols, int64_t e0, int n, Seg seg) {
  int j = 0;
  while (j < n) {
    const int64_t row = (e0 + j) / cols;
    const int64_t row_end = (row + 1) * cols - e0;
    const int end = row_end < n ? (int)row_end : n;
    seg(row, j, end, row_end <= n);
    j = end;
  }
}

// Row sums (in double) of the three per-element terms of a latent op's forward pass, carried over consecutive
// chunks and stored when a row ends.
struct RowSums {
  double k = 0, q = 0, p = 0;

  HVAE4J_INLINE void add(int64_t cols, int64_t e0, int n, const float* tk, const float* tq, const float* tp,
                         float* kl, float* logq, float* logp) {
    row_segments(cols, e0, n, [&](int64_t row, int from, int to, bool last) {
      double a = 0, b = 0, c = 0;
#pragma omp simd reduction(+ : a, b, c)
      for (int j = from; j < to; ++j) {
        a += tk[j];
        b += tq[j];
        c += tp[j];
      }
      k += a;
      q += b;
      p += c;
      if (last) {
        store(kl, row, k);
        store(logq, row, q);
        store(logp, row, p);
        k = q = p = 0;
      }
    });
  }
};

// Per-element copies, for a chunk, of up to four per-row weights (a null weight reads 0; a null output is skipped).
HVAE4J_INLINE void spread_rows(int64_t cols, int64_t e0, int n, const float* const (&w)[4], float* const (&out)[4]) {
  row_segments(cols, e0, n, [&](int64_t row, int from, int to, bool) {
    for (int k = 0; k < 4; ++k) {
      if (!out[k]) continue;
      const float v = at_or(w[k], row, 0.0f);
      for (int j = from; j < to; ++j) out[k][j] = v;
    }
  });
}

// The per-row outputs of a latent op over zero columns: every sum is 0.
int zero_row_sums(int64_t rows, float* kl, float* logq, float* logp) {
  for (int64_t r = 0; r < rows; ++r) {
    store(kl, r, 0.0);
    store(logq, r, 0.0);
    store(logp, r, 0.0);
  }
  return HVAE4J_OK;
}

// An optional per-element input read chunk by chunk: at(e0) points at element e0 of the input itself (no copy), or,
// where the input is null, into a chunk filled once with the value that stands for it.
struct ChunkInput {
  const float* src;
  float fill[kGaussChunk];

  ChunkInput(const float* s, float value) : src(s) {
    if (!s) {
      for (int j = 0; j < kGaussChunk; ++j) fill[j] = value;
    }
  }

  HVAE4J_INLINE const float* at(int64_t e0) const { return src ? src + e0 : fill; }
};

// A latent op's forward pass in chunks of elements: prepare(e0, n) draws the chunk's noise; then, per element i of
// the chunk, sample(i, j) gives z alone (when no per-row output is asked for: the compiler drops the KL and density
// formulas from that loop) or element(i, j) z and its three terms, whose row sums are carried across chunks.
// i is the element's index in the matrix, j its index in the chunk.
template <typename Prepare, typename Sample, typename Element>
HVAE4J_INLINE void latent_forward_chunks(int64_t rows, int64_t cols, float* z, float* kl, float* logq, float* logp,
                                         Prepare prepare, Sample sample, Element element) {
  const bool z_only = !kl && !logq && !logp;
  float tk[kGaussChunk], tq[kGaussChunk], tp[kGaussChunk];
  const int64_t total = rows * cols;
  RowSums sums;
  for (int64_t e0 = 0; e0 < total; e0 += kGaussChunk) {
    const int n = (int)(total - e0 < kGaussChunk ? total - e0 : kGaussChunk);
    prepare(e0, n);
    float* zo = z + e0;
    if (z_only) {
#pragma omp simd
      for (int j = 0; j < n; ++j) zo[j] = sample(e0 + j, j);
      continue;
    }
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      LatentForward<float> o = element(e0 + j, j);
      zo[j] = o.z;
      tk[j] = o.kl;
      tq[j] = o.logq;
      tp[j] = o.logp;
    }
    sums.add(cols, e0, n, tk, tq, tp, kl, logq, logp);
  }
}

#define HVAE4J_ELEMENT_FN(...) [&](__VA_ARGS__) __attribute__((always_inline))

template <int F>
HVAE4J_INLINE void gaussian_forward_f(int64_t rows, int64_t cols, const float* q_mu, const float* q_lv,
                                      const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, float* z,
                                      float* kl, float* logq, float* logp) {
  constexpr bool standard = (F & GAUSSIAN_PRIOR_STANDARD) != 0;
  float eps[kGaussChunk];
  auto element = HVAE4J_ELEMENT_FN(int64_t i, int j) {
    return gaussian_forward_element<float>(F, q_mu[i], q_lv[i], standard ? 0.0f : p_mu[i],
                                           standard ? 0.0f : p_lv[i], eps[j]);
  };
  latent_forward_chunks(
      rows, cols, z, kl, logq, logp, HVAE4J_ELEMENT_FN(int64_t e0, int n) { normals_chunk(seed, offset, e0, n, eps); },
      HVAE4J_ELEMENT_FN(int64_t i, int j) { return element(i, j).z; }, element);
}

// WQ / WP: whether d_q_* / d_p_* are written (the unwanted pair's arithmetic is left out at compile time).
template <int F, bool WQ, bool WP>
HVAE4J_INLINE void gaussian_backward_f(int64_t rows, int64_t cols, const float* q_mu, const float* q_lv,
                                       const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset,
                                       const float* dz, const float* w_kl, const float* w_logq, const float* w_logp,
                                       float* d_q_mu, float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  constexpr bool standard = (F & GAUSSIAN_PRIOR_STANDARD) != 0;
  float eps[kGaussChunk], wk[kGaussChunk], wq[kGaussChunk], wp[kGaussChunk];
  const ChunkInput dz_in(dz, 0.0f);
  const int64_t total = rows * cols;
  for (int64_t e0 = 0; e0 < total; e0 += kGaussChunk) {
    const int n = (int)(total - e0 < kGaussChunk ? total - e0 : kGaussChunk);
    normals_chunk(seed, offset, e0, n, eps);
    const float* gz = dz_in.at(e0);
    spread_rows(cols, e0, n, {w_kl, w_logq, w_logp, nullptr}, {wk, wq, wp, nullptr});
    const float *am = q_mu + e0, *al = q_lv + e0;
    const float* pm = standard ? nullptr : p_mu + e0;
    const float* pl = standard ? nullptr : p_lv + e0;
    float* dqm = WQ ? d_q_mu + e0 : nullptr;
    float* dql = WQ ? d_q_lv + e0 : nullptr;
    float* dpm = WP ? d_p_mu + e0 : nullptr;
    float* dpl = WP ? d_p_lv + e0 : nullptr;
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      GaussianGrads<float> d = gaussian_backward_element<float>(F, am[j], al[j], standard ? 0.0f : pm[j],
                                                                standard ? 0.0f : pl[j], eps[j], gz[j], wk[j],
                                                                wq[j], wp[j]);
      if (WQ) {
        dqm[j] = d.q_mu;
        dql[j] = d.q_lv;
      }
      if (WP) {
        dpm[j] = d.p_mu;
        dpl[j] = d.p_lv;
      }
    }
  }
}

// Calls CALL(K, WQ, WP) with the compile-time output set of the run-time (want_q, want_p) of a backward kernel;
// nothing when neither is wanted. P is what WP is when p is wanted (false where p cannot be, e.g. the standard prior).
#define HVAE4J_CALL_WANTED(CALL, K, P)       \
  if (want_q && want_p) CALL(K, true, P);    \
  else if (want_q) CALL(K, true, false);     \
  else if (want_p) CALL(K, false, P);

#define HVAE4J_GAUSSIAN_FLAG_CASES(CALL) \
  case 0: CALL(0); break;                \
  case 1: CALL(1); break;                \
  case 2: CALL(2); break;                \
  case 3: CALL(3); break;                \
  case 4: CALL(4); break;                \
  case 5: CALL(5); break;                \
  case 6: CALL(6); break;                \
  case 7: CALL(7); break;

HVAE4J_CPU_CLONES void gaussian_forward_float(int64_t rows, int64_t cols, int flags, const float* q_mu,
                                              const float* q_lv, const float* p_mu, const float* p_lv,
                                              uint64_t seed, uint64_t offset, float* z, float* kl, float* logq,
                                              float* logp) {
#define HVAE4J_CALL(F) \
  gaussian_forward_f<F>(rows, cols, q_mu, q_lv, p_mu, p_lv, seed, offset, z, kl, logq, logp)
  switch (flags) { HVAE4J_GAUSSIAN_FLAG_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
}

HVAE4J_CPU_CLONES void gaussian_backward_float(int64_t rows, int64_t cols, int flags, const float* q_mu,
                                               const float* q_lv, const float* p_mu, const float* p_lv,
                                               uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
                                               const float* w_logq, const float* w_logp, float* d_q_mu,
                                               float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  const bool want_q = d_q_mu != nullptr, want_p = !(flags & GAUSSIAN_PRIOR_STANDARD) && d_p_mu != nullptr;
#define HVAE4J_CALL_WANTS(F, WQ, WP)                                                                         \
  gaussian_backward_f<F, WQ, WP>(rows, cols, q_mu, q_lv, p_mu, p_lv, seed, offset, dz, w_kl, w_logq, w_logp, \
                                 d_q_mu, d_q_lv, d_p_mu, d_p_lv)
#define HVAE4J_CALL(F) HVAE4J_CALL_WANTED(HVAE4J_CALL_WANTS, F, !((F) & GAUSSIAN_PRIOR_STANDARD))
  switch (flags) { HVAE4J_GAUSSIAN_FLAG_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
#undef HVAE4J_CALL_WANTS
}

template <>
int gaussian_forward<float>(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                            const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, float* z, float* kl,
                            float* logq, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(rows * cols == 0 || (q_mu && q_lv && z && (standard || (p_mu && p_lv))));
  if (cols == 0) return zero_row_sums(rows, kl, logq, logp);
  gaussian_forward_float(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, z, kl, logq, logp);
  return HVAE4J_OK;
}

template <>
int gaussian_backward<float>(int64_t rows, int64_t cols, int flags, const float* q_mu, const float* q_lv,
                             const float* p_mu, const float* p_lv, uint64_t seed, uint64_t offset, const float* dz,
                             const float* w_kl, const float* w_logq, const float* w_logp, float* d_q_mu,
                             float* d_q_lv, float* d_p_mu, float* d_p_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (flags & ~GAUSSIAN_FLAGS_ALL) == 0);
  const bool standard = flags & GAUSSIAN_PRIOR_STANDARD;
  HVAE4J_REQUIRE(gaussian_backward_args_ok(rows * cols, standard, q_mu, q_lv, p_mu, p_lv, d_q_mu, d_q_lv, d_p_mu,
                                           d_p_lv));
  if (rows * cols == 0) return HVAE4J_OK;
  gaussian_backward_float(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, dz, w_kl, w_logq, w_logp, d_q_mu,
                          d_q_lv, d_p_mu, d_p_lv);
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_forward(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits, const T* p_logits,
                      T p_logit, uint64_t seed, uint64_t offset, T* z, T* kl, T* logq, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || (q_logits && z));
  NoiseCursor noise(seed, offset);
  latent_rows<T>(rows, cols, z, kl, logq, logp, [&](int64_t i) {
    return bernoulli_forward_element<T>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit),
                                        noise.uniform<T>((uint64_t)i));
  });
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_backward(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits, const T* p_logits,
                       T p_logit, uint64_t seed, uint64_t offset, const T* dz, const T* w_kl, const T* w_logq,
                       const T* w_logp, const T* signal, T* d_q_logits, T* d_p_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || q_logits);
  HVAE4J_REQUIRE(estimator != BERNOULLI_REINFORCE || rows == 0 || signal);
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    T wk = at_or(w_kl, r, T(0)), wq = at_or(w_logq, r, T(0)), wp = at_or(w_logp, r, T(0));
    T sig = at_or(signal, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T u = noise.uniform<T>((uint64_t)i);
      T dq, dp;
      bernoulli_backward_element<T>(estimator, tau, q_logits[i], at_or(p_logits, i, p_logit), u,
                                    at_or(dz, i, T(0)), wk, wq, wp, sig, &dq, &dp);
      if (d_q_logits) d_q_logits[i] = dq;
      if (p_logits && d_p_logits) d_p_logits[i] = dp;
    }
  }
  return HVAE4J_OK;
}

// ---- float Bernoulli latent: chunked and vectorized, like the Gaussian one above --------------------------------

template <int E>
HVAE4J_INLINE void bernoulli_forward_f(int64_t rows, int64_t cols, float tau, const float* q_logits,
                                       const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, float* z,
                                       float* kl, float* logq, float* logp) {
  float u[kGaussChunk];
  const ChunkInput lp_in(p_logits, p_logit);
  const float* lp = nullptr;
  latent_forward_chunks(
      rows, cols, z, kl, logq, logp,
      HVAE4J_ELEMENT_FN(int64_t e0, int n) {
        uniforms_chunk(seed, offset, e0, n, u);
        lp = lp_in.at(e0);
      },
      HVAE4J_ELEMENT_FN(int64_t i, int j) { return bernoulli_sample<float>(E, tau, q_logits[i], u[j]); },
      HVAE4J_ELEMENT_FN(int64_t i, int j) {
        return bernoulli_forward_element<float>(E, tau, q_logits[i], lp[j], u[j]);
      });
}

// WQ / WP: whether d_q_logits / d_p_logits are written (the unwanted one's arithmetic is left out).
template <int E, bool WQ, bool WP>
HVAE4J_INLINE void bernoulli_backward_f(int64_t rows, int64_t cols, float tau, const float* q_logits,
                                        const float* p_logits, float p_logit, uint64_t seed, uint64_t offset,
                                        const float* dz, const float* w_kl, const float* w_logq, const float* w_logp,
                                        const float* signal, float* d_q_logits, float* d_p_logits) {
  float u[kGaussChunk], wk[kGaussChunk], wq[kGaussChunk], wp[kGaussChunk], sg[kGaussChunk];
  const ChunkInput lp_in(p_logits, p_logit), dz_in(dz, 0.0f);
  const int64_t total = rows * cols;
  for (int64_t e0 = 0; e0 < total; e0 += kGaussChunk) {
    const int n = (int)(total - e0 < kGaussChunk ? total - e0 : kGaussChunk);
    uniforms_chunk(seed, offset, e0, n, u);
    const float* lp = lp_in.at(e0);
    const float* gz = dz_in.at(e0);
    spread_rows(cols, e0, n, {w_kl, w_logq, w_logp, signal}, {wk, wq, wp, sg});
    const float* lq = q_logits + e0;
    float* dq = WQ ? d_q_logits + e0 : nullptr;
    float* dp = WP ? d_p_logits + e0 : nullptr;
#pragma omp simd
    for (int j = 0; j < n; ++j) {
      float a, b;
      bernoulli_backward_element<float>(E, tau, lq[j], lp[j], u[j], gz[j], wk[j], wq[j], wp[j], sg[j], &a, &b);
      if (WQ) dq[j] = a;
      if (WP) dp[j] = b;
    }
  }
}

#define HVAE4J_ESTIMATOR_CASES(CALL) \
  case 0: CALL(0); break;            \
  case 1: CALL(1); break;            \
  case 2: CALL(2); break;            \
  case 3: CALL(3); break;            \
  case 4: CALL(4); break;

HVAE4J_CPU_CLONES void bernoulli_forward_float(int64_t rows, int64_t cols, int estimator, float tau,
                                               const float* q_logits, const float* p_logits, float p_logit,
                                               uint64_t seed, uint64_t offset, float* z, float* kl, float* logq,
                                               float* logp) {
#define HVAE4J_CALL(E) \
  bernoulli_forward_f<E>(rows, cols, tau, q_logits, p_logits, p_logit, seed, offset, z, kl, logq, logp)
  switch (estimator) { HVAE4J_ESTIMATOR_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
}

HVAE4J_CPU_CLONES void bernoulli_backward_float(int64_t rows, int64_t cols, int estimator, float tau,
                                                const float* q_logits, const float* p_logits, float p_logit,
                                                uint64_t seed, uint64_t offset, const float* dz, const float* w_kl,
                                                const float* w_logq, const float* w_logp, const float* signal,
                                                float* d_q_logits, float* d_p_logits) {
  const bool want_q = d_q_logits != nullptr, want_p = p_logits != nullptr && d_p_logits != nullptr;
#define HVAE4J_CALL_WANTS(E, WQ, WP)                                                                   \
  bernoulli_backward_f<E, WQ, WP>(rows, cols, tau, q_logits, p_logits, p_logit, seed, offset, dz, w_kl, \
                                  w_logq, w_logp, signal, d_q_logits, d_p_logits)
#define HVAE4J_CALL(E) HVAE4J_CALL_WANTED(HVAE4J_CALL_WANTS, E, true)
  switch (estimator) { HVAE4J_ESTIMATOR_CASES(HVAE4J_CALL) }
#undef HVAE4J_CALL
#undef HVAE4J_CALL_WANTS
}

template <>
int bernoulli_forward<float>(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                             const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, float* z,
                             float* kl, float* logq, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || (q_logits && z));
  if (cols == 0) return zero_row_sums(rows, kl, logq, logp);
  bernoulli_forward_float(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, z, kl, logq, logp);
  return HVAE4J_OK;
}

template <>
int bernoulli_backward<float>(int64_t rows, int64_t cols, int estimator, float tau, const float* q_logits,
                              const float* p_logits, float p_logit, uint64_t seed, uint64_t offset, const float* dz,
                              const float* w_kl, const float* w_logq, const float* w_logp, const float* signal,
                              float* d_q_logits, float* d_p_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && estimator_ok(estimator, tau));
  HVAE4J_REQUIRE(rows * cols == 0 || q_logits);
  HVAE4J_REQUIRE(estimator != BERNOULLI_REINFORCE || rows == 0 || signal);
  if (rows * cols == 0) return HVAE4J_OK;
  bernoulli_backward_float(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, dz, w_kl, w_logq,
                           w_logp, signal, d_q_logits, d_p_logits);
  return HVAE4J_OK;
}

bool target_rows_ok(int64_t rows, int64_t x_rows) {
  return x_rows > 0 ? rows % x_rows == 0 : rows == 0;
}

// Float: targets for a chunk of a row first (drawn from the chunk's Philox blocks, or x itself where it is already
// binary), then the chunk's log-likelihood or gradient in a loop that vectorizes with libmvec. Same values as the
// generic template up to a few ulps.
constexpr int kChunk = 256;

// The targets of elements [i, i + n) of x (n <= kChunk): 0/1 draws written to t when binarizing, else x itself.
HVAE4J_INLINE const float* targets_chunk(int binarize, uint64_t seed, uint64_t offset, const float* x, int64_t i,
                                         int n, float* t) {
  if (!binarize) return x + i;
  binary_targets_chunk(seed, offset, i, n, x + i, t);
  return t;
}

template <typename T>
int bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                 int binarize, uint64_t seed, uint64_t offset, T* logp);

template <>
HVAE4J_CPU_CLONES int bernoulli_likelihood_forward<float>(int64_t rows, int64_t cols, int64_t x_rows,
                                                          const float* logits, const float* x, int binarize,
                                                          uint64_t seed, uint64_t offset, float* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && logp));
  float t[kChunk];
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    const float* l = logits + r * cols;
    double s = 0;
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      const int n = (int)(cols - c0 < kChunk ? cols - c0 : kChunk);
      const float* tc = targets_chunk(binarize, seed, offset, x, xr + c0, n, t);
      float part = 0;
#pragma omp simd reduction(+ : part)
      for (int j = 0; j < n; ++j) part += tc[j] * l[c0 + j] + simd::log_sigmoid(-l[c0 + j]);
      s += part;
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                 int binarize, uint64_t seed, uint64_t offset, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && logp));
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      T t = likelihood_target<T>(x[xr + c], binarize != 0, noise, (uint64_t)(xr + c));
      s += bernoulli_log_prob(t, logits[r * cols + c]);
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                  int binarize, uint64_t seed, uint64_t offset, const T* w, T* d_logits);

template <>
HVAE4J_CPU_CLONES int bernoulli_likelihood_backward<float>(int64_t rows, int64_t cols, int64_t x_rows,
                                                           const float* logits, const float* x, int binarize,
                                                           uint64_t seed, uint64_t offset, const float* w,
                                                           float* d_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && d_logits));
  float t[kChunk];
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    const float* l = logits + r * cols;
    float* d = d_logits + r * cols;
    const float wr = at_or(w, r, 0.0f);
    for (int64_t c0 = 0; c0 < cols; c0 += kChunk) {
      const int n = (int)(cols - c0 < kChunk ? cols - c0 : kChunk);
      const float* tc = targets_chunk(binarize, seed, offset, x, xr + c0, n, t);
#pragma omp simd
      for (int j = 0; j < n; ++j) d[c0 + j] = wr * (tc[j] - simd::sigmoid(l[c0 + j]));
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int bernoulli_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, const T* x,
                                  int binarize, uint64_t seed, uint64_t offset, const T* w, T* d_logits) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (logits && x && d_logits));
  NoiseCursor noise(seed, offset);
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    T wr = at_or(w, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      T t = likelihood_target<T>(x[xr + c], binarize != 0, noise, (uint64_t)(xr + c));
      d_logits[r * cols + c] = wr * (t - sigmoid(logits[r * cols + c]));
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int gaussian_likelihood_forward(int64_t rows, int64_t cols, int64_t x_rows, const T* mu, const T* lv, T lv_const,
                                const T* x, T* logp) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (mu && x && logp));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      s += gaussian_log_prob(x[xr + c], mu[i], at_or(lv, i, lv_const));
    }
    store(logp, r, s);
  }
  return HVAE4J_OK;
}

template <typename T>
int gaussian_likelihood_backward(int64_t rows, int64_t cols, int64_t x_rows, const T* mu, const T* lv,
                                 T lv_const, const T* x, const T* w, T* d_mu, T* d_lv) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && target_rows_ok(rows, x_rows));
  HVAE4J_REQUIRE(rows * cols == 0 || (mu && x && d_mu && (!lv || d_lv)));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t xr = (r % x_rows) * cols;
    T wr = at_or(w, r, T(0));
    for (int64_t c = 0; c < cols; ++c) {
      int64_t i = r * cols + c;
      T v = at_or(lv, i, lv_const);
      d_mu[i] = sat(wr * (x[xr + c] - mu[i]) * exp_sat(-v));
      if (lv) d_lv[i] = sat(wr * T(0.5) * (gaussian_sq_std(x[xr + c], mu[i], v) - T(1)));
    }
  }
  return HVAE4J_OK;
}

template <typename T>
int iwae(int64_t k, int64_t batch, const T* logw, T* bound, T* wnorm, T* wsq) {
  HVAE4J_REQUIRE(k > 0 && batch >= 0);
  HVAE4J_REQUIRE(batch == 0 || logw);
  for (int64_t b = 0; b < batch; ++b) {
    double m = -INFINITY;
    for (int64_t s = 0; s < k; ++s) m = fmax(m, (double)logw[s * batch + b]);
    if (!isfinite(m)) m = 0;  // every weight is -inf (or NaN): avoid inf - inf below
    double sum = 0;
    for (int64_t s = 0; s < k; ++s) sum += exp((double)logw[s * batch + b] - m);
    double lse = m + log(sum);
    store(bound, b, lse - log((double)k));
    for (int64_t s = 0; s < k; ++s) {
      double wn = exp((double)logw[s * batch + b] - lse);
      store(wnorm, s * batch + b, wn);
      store(wsq, s * batch + b, wn * wn);
    }
  }
  return HVAE4J_OK;
}

}  // namespace

extern "C" {

#define HVAE4J_BOTH_PRECISIONS(X) X(float, ) X(double, _f64)

#define HVAE4J_DEFINE(T, SUF)                                                                                   \
  int hvae4j_cpu_gaussian_forward##SUF(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv,     \
                                       const T* p_mu, const T* p_lv, uint64_t seed, uint64_t offset, T* z,     \
                                       T* kl, T* logq, T* logp) {                                              \
    return gaussian_forward<T>(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, z, kl, logq, logp);     \
  }                                                                                                             \
  int hvae4j_cpu_gaussian_backward##SUF(int64_t rows, int64_t cols, int flags, const T* q_mu, const T* q_lv,    \
                                        const T* p_mu, const T* p_lv, uint64_t seed, uint64_t offset,          \
                                        const T* dz, const T* w_kl, const T* w_logq, const T* w_logp,          \
                                        T* d_q_mu, T* d_q_lv, T* d_p_mu, T* d_p_lv) {                          \
    return gaussian_backward<T>(rows, cols, flags, q_mu, q_lv, p_mu, p_lv, seed, offset, dz, w_kl, w_logq,      \
                                w_logp, d_q_mu, d_q_lv, d_p_mu, d_p_lv);                                        \
  }                                                                                                             \
  int hvae4j_cpu_bernoulli_forward##SUF(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits,    \
                                        const T* p_logits, T p_logit, uint64_t seed, uint64_t offset, T* z,    \
                                        T* kl, T* logq, T* logp) {                                             \
    return bernoulli_forward<T>(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, z, kl,   \
                                logq, logp);                                                                    \
  }                                                                                                             \
  int hvae4j_cpu_bernoulli_backward##SUF(int64_t rows, int64_t cols, int estimator, T tau, const T* q_logits,   \
                                         const T* p_logits, T p_logit, uint64_t seed, uint64_t offset,         \
                                         const T* dz, const T* w_kl, const T* w_logq, const T* w_logp,         \
                                         const T* signal, T* d_q_logits, T* d_p_logits) {                      \
    return bernoulli_backward<T>(rows, cols, estimator, tau, q_logits, p_logits, p_logit, seed, offset, dz,     \
                                 w_kl, w_logq, w_logp, signal, d_q_logits, d_p_logits);                         \
  }                                                                                                             \
  int hvae4j_cpu_bernoulli_likelihood_forward##SUF(int64_t rows, int64_t cols, int64_t x_rows, const T* logits, \
                                                   const T* x, int binarize, uint64_t seed, uint64_t offset,   \
                                                   T* logp) {                                                  \
    return bernoulli_likelihood_forward<T>(rows, cols, x_rows, logits, x, binarize, seed, offset, logp);        \
  }                                                                                                             \
  int hvae4j_cpu_bernoulli_likelihood_backward##SUF(int64_t rows, int64_t cols, int64_t x_rows,                 \
                                                    const T* logits, const T* x, int binarize, uint64_t seed,  \
                                                    uint64_t offset, const T* w, T* d_logits) {                \
    return bernoulli_likelihood_backward<T>(rows, cols, x_rows, logits, x, binarize, seed, offset, w,           \
                                            d_logits);                                                          \
  }                                                                                                             \
  int hvae4j_cpu_gaussian_likelihood_forward##SUF(int64_t rows, int64_t cols, int64_t x_rows, const T* mu,      \
                                                  const T* lv, T lv_const, const T* x, T* logp) {              \
    return gaussian_likelihood_forward<T>(rows, cols, x_rows, mu, lv, lv_const, x, logp);                       \
  }                                                                                                             \
  int hvae4j_cpu_gaussian_likelihood_backward##SUF(int64_t rows, int64_t cols, int64_t x_rows, const T* mu,     \
                                                   const T* lv, T lv_const, const T* x, const T* w, T* d_mu,   \
                                                   T* d_lv) {                                                  \
    return gaussian_likelihood_backward<T>(rows, cols, x_rows, mu, lv, lv_const, x, w, d_mu, d_lv);             \
  }                                                                                                             \
  int hvae4j_cpu_iwae##SUF(int64_t k, int64_t batch, const T* logw, T* bound, T* wnorm, T* wsq) {               \
    return iwae<T>(k, batch, logw, bound, wnorm, wsq);                                                          \
  }

HVAE4J_BOTH_PRECISIONS(HVAE4J_DEFINE)

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

int hvae4j_cpu_precision_merge(int64_t n, const float* mh, const float* lvh, const float* mp, const float* lvp,
                               float* mq, float* lvq) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (mh && lvh && mp && lvp && mq && lvq)));
  for (int64_t i = 0; i < n; ++i) precision_merge_element<float>(mh[i], lvh[i], mp[i], lvp[i], mq + i, lvq + i);
  return HVAE4J_OK;
}

int hvae4j_cpu_precision_merge_backward(int64_t n, const float* mh, const float* lvh, const float* mp,
                                        const float* lvp, const float* dmq, const float* dlvq, float* dmh,
                                        float* dlvh, float* dmp, float* dlvp) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (mh && lvh && mp && lvp && dmq && dlvq && dmh && dlvh && dmp && dlvp)));
  for (int64_t i = 0; i < n; ++i)
    precision_merge_backward_element<float>(mh[i], lvh[i], mp[i], lvp[i], dmq[i], dlvq[i], dmh + i, dlvh + i,
                                            dmp + i, dlvp + i);
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int hvae4j_cpu_adam(int64_t n, float* param, const float* grad, float* m, float* v, float lr, float beta1,
                    float beta2, float eps, float weight_decay, float c1, float c2, const float* grad_scale) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (param && grad && m && v)) && c1 > 0 && c2 > 0);
  const float s = grad_scale ? grad_scale[0] : 1.0f;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
  return HVAE4J_OK;
}

int hvae4j_cpu_u64_update(uint64_t* x, uint64_t value, int add) {
  HVAE4J_REQUIRE(x);
  *x = add ? *x + value : value;
  return HVAE4J_OK;
}

int hvae4j_cpu_adam_prepare(const float* norm_sq, const float* loss, float clip, float beta1, float beta2,
                            hvae4j_adam_state* state) {
  HVAE4J_REQUIRE(norm_sq && state && clip > 0);
  adam_prepare(*norm_sq, loss, clip, beta1, beta2, state);
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int hvae4j_cpu_adam_device(int64_t n, float* param, const float* grad, float* m, float* v,
                                             float beta1, float beta2, float eps, float weight_decay,
                                             const hvae4j_adam_state* state) {
  HVAE4J_REQUIRE(n >= 0 && state && (n == 0 || (param && grad && m && v)));
  if (state->skip) return HVAE4J_OK;
  HVAE4J_REQUIRE(state->c1 > 0 && state->c2 > 0);
  const float s = state->scale, lr = state->lr, c1 = state->c1, c2 = state->c2;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i)
    adam_element<float>(param + i, grad[i] * s, m + i, v + i, lr, beta1, beta2, eps, weight_decay, c1, c2);
  return HVAE4J_OK;
}

int hvae4j_cpu_philox_check(uint64_t seed, uint64_t offset, uint64_t b0, int32_t nb, int64_t* mismatches) {
  HVAE4J_REQUIRE(nb > 0 && nb <= 1024 && mismatches);
  uint32_t fast[4 * (1024 + 8)], ref[4 * 1024];
  philox_words(seed, offset, b0, nb, fast);
  philox_words_scalar(seed, offset, b0, nb, ref);
  int64_t differ = 0;
  for (int i = 0; i < 4 * nb; ++i) differ += fast[i] != ref[i];
  *mismatches = differ;
  return HVAE4J_OK;
}

HVAE4J_CPU_CLONES int hvae4j_cpu_binarize(const float* x, int64_t n, uint64_t seed, uint64_t offset, float* y) {
  HVAE4J_REQUIRE(n >= 0 && (n == 0 || (x && y)));
  for (int64_t e0 = 0; e0 < n; e0 += kGaussChunk) {
    const int m = (int)(n - e0 < kGaussChunk ? n - e0 : kGaussChunk);
    binary_targets_chunk(seed, offset, e0, m, x + e0, y + e0);
  }
  return HVAE4J_OK;
}

}  // extern "C"
