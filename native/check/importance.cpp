// The importance-weights family: bound, normalized weights and their squares over k samples, including an example
// whose weights are all -inf.
#include "check.h"
#include "loops.h"

using namespace check;

namespace {
constexpr int64_t K = 7, B = 33, R = K * B;

F inputs() {
  F logw = uniform(R, -400, -100, 41);
  for (int64_t s = 0; s < K; ++s) logw[s * B + 5] = -INFINITY;
  return logw;
}

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  F logw = inputs();
  D lw = widen(logw);
  F bound(B), wn(R), ws(R);
  D br(B), wnr(R), wsr(R);
  rep.ok("iwae", hvae4j_cpu_iwae(K, B, logw.data(), bound.data(), wn.data(), ws.data()));
  hvae4j::cpu::iwae_loop<double>(K, B, lw.data(), br.data(), wnr.data(), wsr.data());
  rep.close("bound", bound, br, 1e-6);
  rep.close("normalized weights", wn, wnr, 1e-6);
  rep.close("squared weights", ws, wsr, 1e-6);
  double sum = 0;
  for (int64_t s = 0; s < K; ++s) sum += wn[s * B + 3];
  rep.expect("weights of an example sum to 1", fabs(sum - 1) < 1e-6);
}
#else
void check_cuda(Report& rep) {
  F logw = inputs();
  F bound(B), wn(R), ws(R);
  hvae4j_cpu_iwae(K, B, logw.data(), bound.data(), wn.data(), ws.data());
  Gpu g;
  float *lw = g.up(logw), *bo = g.zeros<float>(B), *wno = g.zeros<float>(R), *wso = g.zeros<float>(R);
  rep.ok("iwae", hvae4j_cuda_iwae(K, B, lw, bo, wno, wso, g.stream()));
  rep.close("bound", g.down(bo, B), bound, 1e-6);
  rep.close("normalized weights", g.down(wno, R), wn, 1e-6);
  rep.close("squared weights", g.down(wso, R), ws, 1e-6);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("importance")
