// The Adam family: the fused update against the formula in double, the device-resident preparation (skip, counter,
// bias corrections, clipping) and the device-resident update against the ordinary one.
#include "check.h"

using namespace check;

namespace {
constexpr int64_t N = 1031;
constexpr float LR = 2e-3f, B1 = 0.9f, B2 = 0.999f, EPS = 1e-8f, WD = 1e-2f;

struct Inputs {
  F p = uniform(N, -1, 1, 61), g = uniform(N, -3, 3, 62), m = uniform(N, -0.1, 0.1, 63), v = uniform(N, 0, 0.1, 64);
};

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  Inputs in;
  const float c1 = 0.19f, c2 = 0.002f, scale = 0.5f;
  F p = in.p, m = in.m, v = in.v;
  rep.ok("adam", hvae4j_cpu_adam(N, p.data(), in.g.data(), m.data(), v.data(), LR, B1, B2, EPS, WD, c1, c2, &scale));
  D pr(N), mr(N), vr(N);
  for (int64_t i = 0; i < N; ++i) {
    const double g = (double)in.g[i] * scale;
    mr[i] = B1 * (double)in.m[i] + (1 - (double)B1) * g;
    vr[i] = B2 * (double)in.v[i] + (1 - (double)B2) * g * g;
    pr[i] = in.p[i] - LR * ((mr[i] / c1) / (sqrt(vr[i] / c2) + EPS) + WD * (double)in.p[i]);
  }
  rep.close("adam param", p, pr, 1e-6);
  rep.close("adam m", m, mr, 1e-6);
  rep.close("adam v", v, vr, 1e-6);
  hvae4j_adam_state s{};
  s.lr = LR;
  s.t = 4;
  const float norm_sq = 16.0f, loss = 3.0f, bad = INFINITY;
  rep.ok("adam_prepare", hvae4j_cpu_adam_prepare(&norm_sq, &loss, 2.0f, B1, B2, &s));
  rep.expect("prepare: applied", s.skip == 0 && s.t == 5 && s.norm == 4.0f && s.scale == 0.5f);
  rep.expect("prepare: bias corrections", s.c1 == (float)(1 - pow((double)B1, 5)) && s.c2 == (float)(1 - pow((double)B2, 5)));
  F p1 = in.p, m1 = in.m, v1 = in.v, p2 = in.p, m2 = in.m, v2 = in.v;
  rep.ok("adam_device", hvae4j_cpu_adam_device(N, p1.data(), in.g.data(), m1.data(), v1.data(), B1, B2, EPS, WD, &s));
  hvae4j_cpu_adam(N, p2.data(), in.g.data(), m2.data(), v2.data(), LR, B1, B2, EPS, WD, s.c1, s.c2, &s.scale);
  rep.same("adam_device = adam", p1, p2);
  rep.ok("adam_prepare", hvae4j_cpu_adam_prepare(&norm_sq, &bad, 2.0f, B1, B2, &s));
  rep.expect("prepare: a non-finite loss skips", s.skip == 1 && s.t == 5);
  F p3 = in.p;
  hvae4j_cpu_adam_device(N, p3.data(), in.g.data(), m1.data(), v1.data(), B1, B2, EPS, WD, &s);
  rep.same("a skipped step changes nothing", p3, in.p);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  F p = in.p, m = in.m, v = in.v;
  const float c1 = 0.19f, c2 = 0.002f, scale = 0.5f;
  hvae4j_cpu_adam(N, p.data(), in.g.data(), m.data(), v.data(), LR, B1, B2, EPS, WD, c1, c2, &scale);
  float *pd = g.up(in.p), *gd = g.up(in.g), *md = g.up(in.m), *vd = g.up(in.v), *sd = g.up(F{scale});
  rep.ok("adam", hvae4j_cuda_adam(N, pd, gd, md, vd, LR, B1, B2, EPS, WD, c1, c2, sd, g.stream()));
  rep.close("adam param", g.down(pd, N), p, 1e-6);
  rep.close("adam m", g.down(md, N), m, 1e-6);
  rep.close("adam v", g.down(vd, N), v, 1e-6);
  hvae4j_adam_state s{};
  s.lr = LR;
  s.t = 4;
  std::vector<hvae4j_adam_state> one{s};
  hvae4j_adam_state* st = g.up(one);
  float *nsq = g.up(F{16.0f}), *loss = g.up(F{3.0f});
  rep.ok("adam_prepare", hvae4j_cuda_adam_prepare(nsq, loss, 2.0f, B1, B2, st, g.stream()));
  const float norm_sq = 16.0f, l = 3.0f;
  hvae4j_cpu_adam_prepare(&norm_sq, &l, 2.0f, B1, B2, &s);
  hvae4j_adam_state got = g.down(st, 1)[0];
  rep.expect("prepare", got.skip == s.skip && got.t == s.t && got.c1 == s.c1 && got.c2 == s.c2 &&
                            got.scale == s.scale && got.norm == s.norm);
  F p1 = in.p, m1 = in.m, v1 = in.v;
  hvae4j_cpu_adam_device(N, p1.data(), in.g.data(), m1.data(), v1.data(), B1, B2, EPS, WD, &s);
  float *p2 = g.up(in.p), *m2 = g.up(in.m), *v2 = g.up(in.v);
  rep.ok("adam_device", hvae4j_cuda_adam_device(N, p2, gd, m2, v2, B1, B2, EPS, WD, st, g.stream()));
  rep.close("adam_device param", g.down(p2, N), p1, 1e-6);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("adam")
