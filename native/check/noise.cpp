// The noise family: the CPU's vectorized Philox words, normals and uniforms against random.h's scalar generator, and
// dynamic binarization against the likelihood's own targets, element by element.
#include "check.h"
#include "hvae4j/likelihood.h"
#include "hvae4j/random.h"
#include "noise_chunks.h"

using namespace check;

namespace {
constexpr int64_t N = 4099;
constexpr uint64_t SEED = 0x9E3779B97F4A7C15ull, OFFSET = (77ull << 16) | 3;

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  for (uint64_t b0 : {0ull, 5ull, (1ull << 32) - 3, 1ull << 40}) {
    for (int nb : {1, 7, 8, 9, 129, 1024}) {
      uint32_t fast[4 * (1024 + 8)], ref[4 * 1024];
      hvae4j::cpu::philox_words(SEED, OFFSET, b0, nb, fast);
      hvae4j::cpu::philox_words_scalar(SEED, OFFSET, b0, nb, ref);
      bool same = true;
      for (int i = 0; i < 4 * nb; ++i) same &= fast[i] == ref[i];
      rep.expect("Philox words, vector = scalar", same);
    }
  }
  F eps(hvae4j::cpu::kNoiseChunk), u(hvae4j::cpu::kNoiseChunk);
  for (int64_t i0 : {0, 3, 1001}) {
    hvae4j::cpu::normals_chunk(SEED, OFFSET, i0, 509, eps.data());
    hvae4j::cpu::uniforms_chunk(SEED, OFFSET, i0, 509, u.data());
    F en(509), ur(509);
    D ref(509);
    for (int j = 0; j < 509; ++j) {
      ref[j] = hvae4j::normal_at<double>(SEED, OFFSET, (uint64_t)(i0 + j));
      ur[j] = hvae4j::uniform_at<float>(SEED, OFFSET, (uint64_t)(i0 + j));
      en[j] = eps[j];
    }
    rep.close("normals", en, ref, 1e-6);
    rep.same("uniforms", F(u.begin(), u.begin() + 509), ur);
  }
  F x = uniform(N, 0, 1, 71), y(N), want(N);
  uint64_t add = 2ull << 16;
  rep.ok("binarize", hvae4j_cpu_binarize(x.data(), N, SEED, OFFSET, &add, y.data()));
  for (int64_t i = 0; i < N; ++i) want[i] = hvae4j::likelihood_target<float>(x[i], true, SEED, OFFSET + add, i);
  rep.same("binarize = the likelihood's targets", y, want);
}
#else
void check_cuda(Report& rep) {
  F x = uniform(N, 0, 1, 71), y(N);
  hvae4j_cpu_binarize(x.data(), N, SEED, OFFSET, nullptr, y.data());
  Gpu g;
  float *xd = g.up(x), *yd = g.zeros<float>(N);
  rep.ok("binarize", hvae4j_cuda_binarize(xd, N, SEED, OFFSET, nullptr, yd, g.stream()));
  rep.same("binarize", g.down(yd, N), y);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("noise")
