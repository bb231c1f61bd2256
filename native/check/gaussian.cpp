// The Gaussian latent family: forward (z, KL, log q, log p) and backward (every flag set, every wanted-output set)
// and the Ladder merge, at awkward sizes (37 x 53: rows that straddle the CPU's chunks).
#include "check.h"
#include "loops.h"

using namespace check;

namespace {
constexpr int64_t R = 37, C = 53, N = R * C;
constexpr uint64_t SEED = 11, OFFSET = (5ull << 16) | 2;

struct Inputs {
  F qm = uniform(N, -2, 2, 1), ql = uniform(N, -3, 1, 2), pm = uniform(N, -1, 1, 3), pl = uniform(N, -2, 1, 4);
  F dz = uniform(N, -1, 1, 5), wk = uniform(R, 0, 1, 6), wq = uniform(R, -1, 1, 7), wp = uniform(R, -1, 1, 8);
};

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  Inputs in;
  D qm = widen(in.qm), ql = widen(in.ql), pm = widen(in.pm), pl = widen(in.pl), dz = widen(in.dz), wk = widen(in.wk),
    wq = widen(in.wq), wp = widen(in.wp);
  for (int flags = 0; flags < 8; ++flags) {
    F z(N), kl(R), lq(R), lp(R);
    D zr(N), klr(R), lqr(R), lpr(R);
    rep.ok("forward", hvae4j_cpu_gaussian_forward(R, C, flags, in.qm.data(), in.ql.data(), in.pm.data(), in.pl.data(),
                                                 SEED, OFFSET, nullptr, z.data(), kl.data(), lq.data(), lp.data()));
    hvae4j::cpu::gaussian_forward_loop<double>(R, C, flags, qm.data(), ql.data(), pm.data(), pl.data(), SEED, OFFSET,
                                               zr.data(), klr.data(), lqr.data(), lpr.data());
    rep.close("forward z", z, zr, 1e-5);
    rep.close("forward kl", kl, klr, 1e-5);
    rep.close("forward logq", lq, lqr, 1e-5);
    rep.close("forward logp", lp, lpr, 1e-5);
    const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
    for (int want = 1; want < 4; ++want) {
      const bool q = want & 1, p = (want & 2) && !standard;
      if (!q && !p) continue;
      F dqm(q ? N : 0), dql(q ? N : 0), dpm(p ? N : 0), dpl(p ? N : 0);
      D rqm(q ? N : 0), rql(q ? N : 0), rpm(p ? N : 0), rpl(p ? N : 0);
      rep.ok("backward", hvae4j_cpu_gaussian_backward(R, C, flags, in.qm.data(), in.ql.data(), in.pm.data(),
                                                     in.pl.data(), SEED, OFFSET, nullptr, in.dz.data(), in.wk.data(),
                                                     in.wq.data(), in.wp.data(), ptr(dqm), ptr(dql), ptr(dpm),
                                                     ptr(dpl)));
      hvae4j::cpu::gaussian_backward_loop<double>(R, C, flags, qm.data(), ql.data(), pm.data(), pl.data(), SEED,
                                                  OFFSET, dz.data(), wk.data(), wq.data(), wp.data(), ptr(rqm),
                                                  ptr(rql), ptr(rpm), ptr(rpl));
      rep.close("backward d q_mu", dqm, rqm, 1e-5);
      rep.close("backward d q_lv", dql, rql, 1e-5);
      rep.close("backward d p_mu", dpm, rpm, 1e-5);
      rep.close("backward d p_lv", dpl, rpl, 1e-5);
    }
  }
  // The offset a call adds from memory (a captured step's share) is the same stream as the offset given directly.
  uint64_t add = 7ull << 16;
  F z1(N), z2(N);
  hvae4j_cpu_gaussian_forward(R, C, 1, in.qm.data(), in.ql.data(), nullptr, nullptr, SEED, OFFSET, &add, z1.data(),
                              nullptr, nullptr, nullptr);
  hvae4j_cpu_gaussian_forward(R, C, 1, in.qm.data(), in.ql.data(), nullptr, nullptr, SEED, OFFSET + add, nullptr,
                              z2.data(), nullptr, nullptr, nullptr);
  rep.same("offset_add", z1, z2);
  F mq(N), lvq(N), g(N);
  rep.ok("precision merge", hvae4j_cpu_precision_merge(N, in.qm.data(), in.ql.data(), in.pm.data(), in.pl.data(),
                                                      mq.data(), lvq.data()));
  D rmq(N), rlvq(N);
  for (int64_t i = 0; i < N; ++i) hvae4j::precision_merge_element<double>(qm[i], ql[i], pm[i], pl[i], &rmq[i], &rlvq[i]);
  rep.close("precision merge mu", mq, rmq, 1e-6);
  rep.close("precision merge lv", lvq, rlvq, 1e-6);
  rep.expect("bad flags refused", hvae4j_cpu_gaussian_forward(R, C, 8, in.qm.data(), in.ql.data(), nullptr, nullptr,
                                                              SEED, OFFSET, nullptr, z1.data(), nullptr, nullptr,
                                                              nullptr) == HVAE4J_EINVAL);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float *qm = g.up(in.qm), *ql = g.up(in.ql), *pm = g.up(in.pm), *pl = g.up(in.pl), *dz = g.up(in.dz),
        *wk = g.up(in.wk), *wq = g.up(in.wq), *wp = g.up(in.wp);
  for (int flags = 0; flags < 8; ++flags) {
    F z(N), kl(R), lq(R), lp(R);
    hvae4j_cpu_gaussian_forward(R, C, flags, in.qm.data(), in.ql.data(), in.pm.data(), in.pl.data(), SEED, OFFSET,
                                nullptr, z.data(), kl.data(), lq.data(), lp.data());
    float *dzo = g.zeros<float>(N), *dkl = g.zeros<float>(R), *dlq = g.zeros<float>(R), *dlp = g.zeros<float>(R);
    rep.ok("forward", hvae4j_cuda_gaussian_forward(R, C, flags, qm, ql, pm, pl, SEED, OFFSET, nullptr, dzo, dkl, dlq,
                                                  dlp, g.stream()));
    rep.close("forward z", g.down(dzo, N), z, 1e-5);
    rep.close("forward kl", g.down(dkl, R), kl, 1e-5);
    rep.close("forward logq", g.down(dlq, R), lq, 1e-5);
    rep.close("forward logp", g.down(dlp, R), lp, 1e-5);
    F a(N), b(N), c(N), d(N);
    const bool standard = flags & HVAE4J_GAUSSIAN_PRIOR_STANDARD;
    hvae4j_cpu_gaussian_backward(R, C, flags, in.qm.data(), in.ql.data(), in.pm.data(), in.pl.data(), SEED, OFFSET,
                                 nullptr, in.dz.data(), in.wk.data(), in.wq.data(), in.wp.data(), a.data(), b.data(),
                                 standard ? nullptr : c.data(), standard ? nullptr : d.data());
    float *da = g.zeros<float>(N), *db = g.zeros<float>(N), *dc = g.zeros<float>(N), *dd = g.zeros<float>(N);
    rep.ok("backward", hvae4j_cuda_gaussian_backward(R, C, flags, qm, ql, pm, pl, SEED, OFFSET, nullptr, dz, wk, wq,
                                                    wp, da, db, standard ? nullptr : dc, standard ? nullptr : dd,
                                                    g.stream()));
    rep.close("backward d q_mu", g.down(da, N), a, 1e-5);
    rep.close("backward d q_lv", g.down(db, N), b, 1e-5);
    if (!standard) {
      rep.close("backward d p_mu", g.down(dc, N), c, 1e-5);
      rep.close("backward d p_lv", g.down(dd, N), d, 1e-5);
    }
  }
  F mq(N), lvq(N);
  hvae4j_cpu_precision_merge(N, in.qm.data(), in.ql.data(), in.pm.data(), in.pl.data(), mq.data(), lvq.data());
  float *dmq = g.zeros<float>(N), *dlvq = g.zeros<float>(N);
  rep.ok("precision merge", hvae4j_cuda_precision_merge(N, qm, ql, pm, pl, dmq, dlvq, g.stream()));
  rep.close("precision merge mu", g.down(dmq, N), mq, 1e-6);
  rep.close("precision merge lv", g.down(dlvq, N), lvq, 1e-6);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("gaussian")
