// The Bernoulli latent family: forward and backward for every estimator (with and without learned prior logits, each
// wanted-output set); hard samples must be identical, not just close.
#include "check.h"
#include "loops.h"

using namespace check;

namespace {
constexpr int64_t R = 29, C = 67, N = R * C;
constexpr uint64_t SEED = 5, OFFSET = (3ull << 16) | 1;

struct Inputs {
  F lq = uniform(N, -4, 4, 21), lp = uniform(N, -3, 3, 22), dz = uniform(N, -1, 1, 23), wk = uniform(R, 0, 1, 24),
    wq = uniform(R, -1, 1, 25), wp = uniform(R, -1, 1, 26), sig = uniform(R, -2, 2, 27);
};

constexpr float TAU = 0.7f, PRIOR = -0.3f;

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  Inputs in;
  D lq = widen(in.lq), lp = widen(in.lp), dz = widen(in.dz), wk = widen(in.wk), wq = widen(in.wq), wp = widen(in.wp),
    sig = widen(in.sig);
  for (int e = 0; e < HVAE4J_BERNOULLI_ESTIMATOR_COUNT; ++e) {
    for (int learned = 0; learned < 2; ++learned) {
      F z(N), kl(R), lgq(R), lgp(R);
      D zr(N), klr(R), lqr(R), lpr(R);
      const float* plog = learned ? in.lp.data() : nullptr;
      rep.ok("forward", hvae4j_cpu_bernoulli_forward(R, C, e, TAU, in.lq.data(), plog, PRIOR, SEED, OFFSET, nullptr,
                                                    z.data(), kl.data(), lgq.data(), lgp.data()));
      hvae4j::cpu::bernoulli_forward_loop<double>(R, C, e, TAU, lq.data(), learned ? lp.data() : nullptr, PRIOR, SEED,
                                                  OFFSET, zr.data(), klr.data(), lqr.data(), lpr.data());
      if (e == HVAE4J_BERNOULLI_CONCRETE) {
        rep.close("relaxed z", z, zr, 1e-5);
      } else {
        rep.same("hard z", z, F(zr.begin(), zr.end()));
      }
      rep.close("kl", kl, klr, 1e-5);
      rep.close("logq", lgq, lqr, 1e-5);
      rep.close("logp", lgp, lpr, 1e-5);
      for (int want = 1; want < 4; ++want) {
        const bool q = want & 1, p = (want & 2) && learned;
        if (!q && !p) continue;
        F dq(q ? N : 0), dp(p ? N : 0);
        D rq(q ? N : 0), rp(p ? N : 0);
        rep.ok("backward", hvae4j_cpu_bernoulli_backward(R, C, e, TAU, in.lq.data(), plog, PRIOR, SEED, OFFSET,
                                                        nullptr, in.dz.data(), in.wk.data(), in.wq.data(),
                                                        in.wp.data(), in.sig.data(), ptr(dq), ptr(dp)));
        hvae4j::cpu::bernoulli_backward_loop<double>(R, C, e, TAU, lq.data(), learned ? lp.data() : nullptr, PRIOR,
                                                     SEED, OFFSET, dz.data(), wk.data(), wq.data(), wp.data(),
                                                     sig.data(), ptr(rq), ptr(rp));
        rep.close("backward d q_logits", dq, rq, 1e-5);
        rep.close("backward d p_logits", dp, rp, 1e-5);
      }
    }
  }
  F z(N);
  rep.expect("a relaxed estimator needs tau > 0",
             hvae4j_cpu_bernoulli_forward(R, C, HVAE4J_BERNOULLI_CONCRETE, 0.0f, in.lq.data(), nullptr, 0, SEED, OFFSET,
                                          nullptr, z.data(), nullptr, nullptr, nullptr) == HVAE4J_EINVAL);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float *lq = g.up(in.lq), *lp = g.up(in.lp), *dz = g.up(in.dz), *wk = g.up(in.wk), *wq = g.up(in.wq),
        *wp = g.up(in.wp), *sig = g.up(in.sig);
  for (int e = 0; e < HVAE4J_BERNOULLI_ESTIMATOR_COUNT; ++e) {
    F z(N), kl(R), lgq(R), lgp(R), dq(N), dp(N);
    hvae4j_cpu_bernoulli_forward(R, C, e, TAU, in.lq.data(), in.lp.data(), PRIOR, SEED, OFFSET, nullptr, z.data(),
                                 kl.data(), lgq.data(), lgp.data());
    hvae4j_cpu_bernoulli_backward(R, C, e, TAU, in.lq.data(), in.lp.data(), PRIOR, SEED, OFFSET, nullptr, in.dz.data(),
                                  in.wk.data(), in.wq.data(), in.wp.data(), in.sig.data(), dq.data(), dp.data());
    float *zo = g.zeros<float>(N), *klo = g.zeros<float>(R), *lqo = g.zeros<float>(R), *lpo = g.zeros<float>(R);
    float *dqo = g.zeros<float>(N), *dpo = g.zeros<float>(N);
    rep.ok("forward", hvae4j_cuda_bernoulli_forward(R, C, e, TAU, lq, lp, PRIOR, SEED, OFFSET, nullptr, zo, klo, lqo,
                                                   lpo, g.stream()));
    rep.ok("backward", hvae4j_cuda_bernoulli_backward(R, C, e, TAU, lq, lp, PRIOR, SEED, OFFSET, nullptr, dz, wk, wq,
                                                     wp, sig, dqo, dpo, g.stream()));
    if (e == HVAE4J_BERNOULLI_CONCRETE) {
      rep.close("relaxed z", g.down(zo, N), z, 1e-5);
    } else {
      rep.same("hard z", g.down(zo, N), z);
    }
    rep.close("kl", g.down(klo, R), kl, 1e-5);
    rep.close("logq", g.down(lqo, R), lgq, 1e-5);
    rep.close("logp", g.down(lpo, R), lgp, 1e-5);
    rep.close("d q_logits", g.down(dqo, N), dq, 1e-5);
    rep.close("d p_logits", g.down(dpo, N), dp, 1e-5);
  }
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("bernoulli")
