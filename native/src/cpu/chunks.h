// The chunk drivers of the CPU's vectorized latent and likelihood loops: row segments of a chunk of elements, row sums
// carried across chunks, per-row weights spread over a chunk, optional inputs read in place, and the forward driver
// shared by the Gaussian and Bernoulli layers.
#pragma once
#include "common.h"
#include "hvae4j/gaussian.h"
#include "noise_chunks.h"

namespace hvae4j {
namespace cpu {

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
inline int zero_row_sums(int64_t rows, float* kl, float* logq, float* logp) {
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
  float fill[kNoiseChunk];

  ChunkInput(const float* s, float value) : src(s) {
    if (!s) {
      for (int j = 0; j < kNoiseChunk; ++j) fill[j] = value;
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
  float tk[kNoiseChunk], tq[kNoiseChunk], tp[kNoiseChunk];
  const int64_t total = rows * cols;
  RowSums sums;
  for (int64_t e0 = 0; e0 < total; e0 += kNoiseChunk) {
    const int n = (int)(total - e0 < kNoiseChunk ? total - e0 : kNoiseChunk);
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

}  // namespace cpu
}  // namespace hvae4j

// Calls CALL(K, WQ, WP) with the compile-time output set of the run-time (want_q, want_p) of a backward kernel;
// nothing when neither is wanted. P is what WP is when p is wanted (false where p cannot be, e.g. the standard prior).
#define HVAE4J_CALL_WANTED(CALL, K, P)       \
  if (want_q && want_p) CALL(K, true, P);    \
  else if (want_q) CALL(K, true, false);     \
  else if (want_p) CALL(K, false, P);
