// The objective family: per-row weights from a device scalar, row means, the ELBO's statistics with and without free
// bits, REINFORCE's signals and baseline, and the running sums of a run's steps, each against the formula written out
// here in double.
#include "check.h"

using namespace check;

namespace {
constexpr int64_t ROWS = 41, COLS = 17;
constexpr int L = 3;

struct Inputs {
  F x = uniform(ROWS * COLS, -5, 5, 51), kl = {0.2f, 3.5f, 1.0f}, terms = uniform(L * ROWS, -2, 6, 52),
    logpx = uniform(ROWS, -300, -100, 53);
  float recon = -123.25f, beta = 0.75f;
};

D expected_row_means(const Inputs& in) {
  D m(ROWS);
  for (int64_t r = 0; r < ROWS; ++r) {
    for (int64_t c = 0; c < COLS; ++c) m[r] += in.x[r * COLS + c];
    m[r] /= COLS;
  }
  return m;
}

#ifndef HVAE4J_CHECK_CUDA
// objective, loss, then the per-layer betas.
D expected_elbo(const Inputs& in, double free_bits) {
  double obj = in.recon, loss = -(double)in.recon;
  D out(2 + L);
  for (int l = 0; l < L; ++l) {
    obj -= in.kl[l];
    loss += in.beta * (free_bits > 0 ? fmax(in.kl[l], free_bits) : in.kl[l]);
    out[2 + l] = free_bits > 0 && in.kl[l] < free_bits ? 0 : in.beta;
  }
  out[0] = obj;
  out[1] = loss;
  return out;
}

void check_cpu(Report& rep) {
  Inputs in;
  F y(ROWS);
  rep.ok("fill_divided", hvae4j_cpu_fill_divided(y.data(), ROWS, &in.beta, -20.0));
  rep.same("fill_divided", y, F(ROWS, (float)(0.75 / -20.0)));
  F m(ROWS);
  rep.ok("row_means", hvae4j_cpu_row_means(ROWS, COLS, in.x.data(), m.data()));
  rep.close("row_means", m, expected_row_means(in), 1e-7);
  for (double fb : {0.0, 1.5}) {
    F lb(L), o(1), loss(1);
    rep.ok("elbo_objective", hvae4j_cpu_elbo_objective(L, &in.recon, in.kl.data(), &in.beta, fb, lb.data(), o.data(),
                                                        loss.data()));
    D e = expected_elbo(in, fb);
    rep.close("elbo objective", o, D{e[0]}, 1e-7);
    rep.close("elbo loss", loss, D{e[1]}, 1e-7);
    rep.close("elbo layer betas", lb, D(e.begin() + 2, e.end()), 0);
  }
  F lb = {1.0f, 0.5f, 0.0f}, sig(ROWS);
  double baseline = NAN;
  for (int step = 0; step < 2; ++step) {
    D v(ROWS);
    double mean = 0;
    for (int64_t r = 0; r < ROWS; ++r) {
      v[r] = in.logpx[r];
      for (int l = 0; l < L; ++l) v[r] -= (double)lb[l] * in.terms[l * ROWS + r];
      mean += v[r] / ROWS;
    }
    const double b = isnan(baseline) ? mean : baseline;
    D want(ROWS);
    for (int64_t r = 0; r < ROWS; ++r) want[r] = -(v[r] - b) / 20.0;
    const double next = isnan(baseline) ? mean : 0.9 * baseline + 0.1 * mean;
    rep.ok("reinforce_signal", hvae4j_cpu_reinforce_signal(ROWS, L, 20.0, in.logpx.data(), in.terms.data(),
                                                           lb.data(), &baseline, sig.data()));
    rep.close("reinforce signal", sig, want, 1e-6);
    rep.expect("reinforce baseline", fabs(baseline - next) <= 1e-9 * fabs(next));
  }
  // Three steps: applied, skipped, applied.
  const int n = HVAE4J_STEP_KL + L;
  D sums(HVAE4J_SUM_VALUES + n, 0.0);
  F values = {-100, -90, 100, 1, 2, 3};
  hvae4j_adam_state s{};
  for (int skip : {0, 1, 1, 0}) {
    s.skip = skip;
    s.norm = skip ? NAN : 2.5f;
    rep.ok("statistics_accumulate", hvae4j_cpu_statistics_accumulate(n, values.data(), &s, sums.data()));
    if (skip) rep.expect("bad steps in a row counted", sums[HVAE4J_SUM_BAD_IN_ROW] >= 1);
  }
  rep.expect("applied steps", sums[HVAE4J_SUM_STEPS] == 2);
  rep.expect("skipped steps", sums[HVAE4J_SUM_SKIPPED] == 2);
  rep.expect("bad in a row reset by an applied step", sums[HVAE4J_SUM_BAD_IN_ROW] == 0);
  rep.expect("norm sum", sums[HVAE4J_SUM_NORM] == 5.0);
  rep.expect("value sums", sums[HVAE4J_SUM_VALUES] == -200 && sums[HVAE4J_SUM_VALUES + n - 1] == 6);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float* beta = g.up(F{in.beta});
  float* y = g.zeros<float>(ROWS);
  rep.ok("fill_divided", hvae4j_cuda_fill_divided(y, ROWS, beta, -20.0, g.stream()));
  rep.same("fill_divided", g.down(y, ROWS), F(ROWS, (float)(0.75 / -20.0)));
  float *x = g.up(in.x), *m = g.zeros<float>(ROWS);
  rep.ok("row_means", hvae4j_cuda_row_means(ROWS, COLS, x, m, g.stream()));
  rep.close("row_means", g.down(m, ROWS), expected_row_means(in), 1e-7);
  float *recon = g.up(F{in.recon}), *kl = g.up(in.kl), *lb = g.zeros<float>(L), *o = g.zeros<float>(1),
        *loss = g.zeros<float>(1);
  rep.ok("elbo_objective", hvae4j_cuda_elbo_objective(L, recon, kl, beta, 1.5, lb, o, loss, g.stream()));
  F clb(L), co(1), closs(1);
  hvae4j_cpu_elbo_objective(L, &in.recon, in.kl.data(), &in.beta, 1.5, clb.data(), co.data(), closs.data());
  rep.same("elbo objective", g.down(o, 1), co);
  rep.same("elbo loss", g.down(loss, 1), closs);
  rep.same("elbo layer betas", g.down(lb, L), clb);
  F betas = {1.0f, 0.5f, 0.0f}, sig(ROWS);
  double baseline = NAN;
  float *lpx = g.up(in.logpx), *terms = g.up(in.terms), *lbd = g.up(betas), *sigo = g.zeros<float>(ROWS);
  double* bd = g.up(D{NAN});
  for (int step = 0; step < 2; ++step) {
    hvae4j_cpu_reinforce_signal(ROWS, L, 20.0, in.logpx.data(), in.terms.data(), betas.data(), &baseline, sig.data());
    rep.ok("reinforce_signal", hvae4j_cuda_reinforce_signal(ROWS, L, 20.0, lpx, terms, lbd, bd, sigo, g.stream()));
    rep.close("reinforce signal", g.down(sigo, ROWS), sig, 1e-6);
    rep.expect("reinforce baseline", fabs(g.down(bd, 1)[0] - baseline) <= 1e-9 * fabs(baseline));
  }
  const int n = HVAE4J_STEP_KL + L;
  F values = {-100, -90, 100, 1, 2, 3};
  float* vd = g.up(values);
  double* sums = g.zeros<double>(HVAE4J_SUM_VALUES + n);
  D csums(HVAE4J_SUM_VALUES + n, 0.0);
  hvae4j_adam_state s{};
  for (int skip : {0, 1, 0}) {
    s.skip = skip;
    s.norm = 1.5f;
    std::vector<hvae4j_adam_state> one{s};
    hvae4j_adam_state* sd = g.up(one);
    rep.ok("statistics_accumulate", hvae4j_cuda_statistics_accumulate(n, vd, sd, sums, g.stream()));
    hvae4j_cpu_statistics_accumulate(n, values.data(), &s, csums.data());
  }
  D got = g.down(sums, csums.size());
  rep.expect("running sums", got == csums);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("objective")
