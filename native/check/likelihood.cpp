// The likelihood family: Bernoulli on logits (grey targets, dynamically binarized ones, k = 3 samples sharing a
// batch) and Gaussian (learned and fixed variance), forward and backward.
#include "check.h"
#include "loops.h"

using namespace check;

namespace {
constexpr int64_t B = 23, K = 3, R = B * K, C = 301, N = R * C;
constexpr uint64_t SEED = 9, OFFSET = (12ull << 16) | 0xFFFF;

struct Inputs {
  F logits = uniform(N, -6, 6, 31), x = uniform(B * C, 0, 1, 32), mu = uniform(N, -1, 2, 33), lv = uniform(N, -3, 2, 34),
    w = uniform(R, -1, 1, 35);
};

constexpr float LV_CONST = -1.2f;

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  Inputs in;
  D logits = widen(in.logits), x = widen(in.x), mu = widen(in.mu), lv = widen(in.lv), w = widen(in.w);
  for (int bin = 0; bin < 2; ++bin) {
    F lp(R), d(N);
    D lpr(R), dr(N);
    rep.ok("bernoulli forward", hvae4j_cpu_bernoulli_likelihood_forward(R, C, B, in.logits.data(), in.x.data(), bin,
                                                                       SEED, OFFSET, nullptr, lp.data()));
    rep.ok("bernoulli backward", hvae4j_cpu_bernoulli_likelihood_backward(R, C, B, in.logits.data(), in.x.data(), bin,
                                                                         SEED, OFFSET, nullptr, in.w.data(), d.data()));
    hvae4j::cpu::bernoulli_likelihood_forward_loop<double>(R, C, B, logits.data(), x.data(), bin, SEED, OFFSET,
                                                           lpr.data());
    hvae4j::cpu::bernoulli_likelihood_backward_loop<double>(R, C, B, logits.data(), x.data(), bin, SEED, OFFSET,
                                                            w.data(), dr.data());
    rep.close("bernoulli logp", lp, lpr, 1e-5);
    rep.close("bernoulli d logits", d, dr, 1e-5);
  }
  for (int learned = 0; learned < 2; ++learned) {
    F lp(R), dm(N), dl(learned ? N : 0);
    D lpr(R), dmr(N), dlr(learned ? N : 0);
    const float* lvp = learned ? in.lv.data() : nullptr;
    rep.ok("gaussian forward", hvae4j_cpu_gaussian_likelihood_forward(R, C, B, in.mu.data(), lvp, LV_CONST, in.x.data(),
                                                                     lp.data()));
    rep.ok("gaussian backward", hvae4j_cpu_gaussian_likelihood_backward(R, C, B, in.mu.data(), lvp, LV_CONST,
                                                                       in.x.data(), in.w.data(), dm.data(), ptr(dl)));
    hvae4j::cpu::gaussian_likelihood_forward_loop<double>(R, C, B, mu.data(), learned ? lv.data() : nullptr, LV_CONST,
                                                          x.data(), lpr.data());
    hvae4j::cpu::gaussian_likelihood_backward_loop<double>(R, C, B, mu.data(), learned ? lv.data() : nullptr,
                                                           LV_CONST, x.data(), w.data(), dmr.data(), ptr(dlr));
    rep.close("gaussian logp", lp, lpr, 1e-5);
    rep.close("gaussian d mu", dm, dmr, 1e-5);
    rep.close("gaussian d lv", dl, dlr, 1e-5);
  }
  F lp(R);
  rep.expect("rows not a multiple of x_rows refused",
             hvae4j_cpu_bernoulli_likelihood_forward(R, C, B + 1, in.logits.data(), in.x.data(), 0, SEED, OFFSET,
                                                     nullptr, lp.data()) == HVAE4J_EINVAL);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float *logits = g.up(in.logits), *x = g.up(in.x), *mu = g.up(in.mu), *lv = g.up(in.lv), *w = g.up(in.w);
  for (int bin = 0; bin < 2; ++bin) {
    F lp(R), d(N);
    hvae4j_cpu_bernoulli_likelihood_forward(R, C, B, in.logits.data(), in.x.data(), bin, SEED, OFFSET, nullptr,
                                            lp.data());
    hvae4j_cpu_bernoulli_likelihood_backward(R, C, B, in.logits.data(), in.x.data(), bin, SEED, OFFSET, nullptr,
                                             in.w.data(), d.data());
    float *lpo = g.zeros<float>(R), *dout = g.zeros<float>(N);
    rep.ok("bernoulli forward", hvae4j_cuda_bernoulli_likelihood_forward(R, C, B, logits, x, bin, SEED, OFFSET, nullptr,
                                                                        lpo, g.stream()));
    rep.ok("bernoulli backward", hvae4j_cuda_bernoulli_likelihood_backward(R, C, B, logits, x, bin, SEED, OFFSET,
                                                                          nullptr, w, dout, g.stream()));
    rep.close("bernoulli logp", g.down(lpo, R), lp, 1e-5);
    rep.close("bernoulli d logits", g.down(dout, N), d, 1e-5);
  }
  F lp(R), dm(N), dl(N);
  hvae4j_cpu_gaussian_likelihood_forward(R, C, B, in.mu.data(), in.lv.data(), LV_CONST, in.x.data(), lp.data());
  hvae4j_cpu_gaussian_likelihood_backward(R, C, B, in.mu.data(), in.lv.data(), LV_CONST, in.x.data(), in.w.data(),
                                          dm.data(), dl.data());
  float *lpo = g.zeros<float>(R), *dmo = g.zeros<float>(N), *dlo = g.zeros<float>(N);
  rep.ok("gaussian forward", hvae4j_cuda_gaussian_likelihood_forward(R, C, B, mu, lv, LV_CONST, x, lpo, g.stream()));
  rep.ok("gaussian backward", hvae4j_cuda_gaussian_likelihood_backward(R, C, B, mu, lv, LV_CONST, x, w, dmo, dlo,
                                                                      g.stream()));
  rep.close("gaussian logp", g.down(lpo, R), lp, 1e-5);
  rep.close("gaussian d mu", g.down(dmo, N), dm, 1e-5);
  rep.close("gaussian d lv", g.down(dlo, N), dl, 1e-5);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("likelihood")
