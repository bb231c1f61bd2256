// The dense family: elementwise algebra, every activation forward and backward against the double loops, the
// reductions against sums in double, and the repeats of a batch.
#include "check.h"
#include "loops.h"

using namespace check;

namespace {
constexpr int64_t R = 19, C = 131, N = R * C;

struct Inputs {
  F x = uniform(N, -4, 4, 81), z = uniform(N, -2, 2, 82), dy = uniform(N, -1, 1, 83), b = uniform(C, -1, 1, 84);
};

const float ALPHA[HVAE4J_ACT_COUNT] = {0, 0, 0, 0.2f, 0, 0, 1.3f, 0};

#ifndef HVAE4J_CHECK_CUDA
void check_cpu(Report& rep) {
  Inputs in;
  F y(N, NAN);
  rep.ok("axpby", hvae4j_cpu_axpby(2.0f, in.x.data(), 0.0f, y.data(), N));
  D want(N);
  for (int64_t i = 0; i < N; ++i) want[i] = 2.0 * in.x[i];
  rep.close("axpby with beta 0 ignores NaN in y", y, want, 0);
  for (int act = 0; act < HVAE4J_ACT_COUNT; ++act) {
    D xd = widen(in.x), yd(N), dyd = widen(in.dy), dxd(N);
    F yf(N), dxf(N);
    rep.ok("activation forward", hvae4j_cpu_activation_forward(act, ALPHA[act], in.x.data(), yf.data(), N));
    hvae4j::cpu::activation_forward_loop<double>(act, ALPHA[act], xd.data(), yd.data(), N);
    rep.close("activation forward", yf, yd, 1e-6);
    rep.ok("activation backward", hvae4j_cpu_activation_backward(act, ALPHA[act], in.x.data(), yf.data(),
                                                                in.dy.data(), dxf.data(), N));
    hvae4j::cpu::activation_backward_loop<double>(act, ALPHA[act], xd.data(), yd.data(), dyd.data(), dxd.data(), N);
    rep.close("activation backward", dxf, dxd, 1e-6);
  }
  F rows(C), cols(R), sq(1);
  D rr(C), cr(R), sr(1);
  rep.ok("sum_rows", hvae4j_cpu_sum_rows(in.x.data(), R, C, 0.5f, 0.0f, rows.data()));
  rep.ok("sum_cols", hvae4j_cpu_sum_cols(in.x.data(), R, C, 0.5f, 0.0f, cols.data()));
  rep.ok("sum_squares", hvae4j_cpu_sum_squares(in.x.data(), N, 0, sq.data()));
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t c = 0; c < C; ++c) {
      rr[c] += 0.5 * in.x[r * C + c];
      cr[r] += 0.5 * in.x[r * C + c];
      sr[0] += (double)in.x[r * C + c] * in.x[r * C + c];
    }
  }
  rep.close("sum_rows", rows, rr, 1e-6);
  rep.close("sum_cols", cols, cr, 1e-6);
  rep.close("sum_squares", sq, sr, 1e-7);
  F rep3(3 * N), back(N, 1.0f);
  rep.ok("repeat_rows", hvae4j_cpu_repeat_rows(in.x.data(), R, C, 3, rep3.data()));
  rep.same("repeat_rows", F(rep3.begin() + 2 * N, rep3.end()), in.x);
  rep.ok("sum_repeats", hvae4j_cpu_sum_repeats(rep3.data(), R, C, 3, 2.0f, back.data()));
  D three(N);
  for (int64_t i = 0; i < N; ++i) three[i] = 3.0 * in.x[i] + 2.0;
  rep.close("sum_repeats", back, three, 1e-6);
  uint64_t word = 5;
  rep.ok("u64_update", hvae4j_cpu_u64_update(&word, 7, 1));
  rep.expect("u64_update adds", word == 12);
  rep.expect("a bad activation is refused",
             hvae4j_cpu_activation_forward(HVAE4J_ACT_COUNT, 0, in.x.data(), y.data(), N) == HVAE4J_EINVAL);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float *x = g.up(in.x), *zz = g.up(in.z), *dy = g.up(in.dy), *b = g.up(in.b);
  for (int act = 0; act < HVAE4J_ACT_COUNT; ++act) {
    F yf(N), dxf(N);
    hvae4j_cpu_activation_forward(act, ALPHA[act], in.x.data(), yf.data(), N);
    hvae4j_cpu_activation_backward(act, ALPHA[act], in.x.data(), yf.data(), in.dy.data(), dxf.data(), N);
    float *y = g.zeros<float>(N), *dx = g.zeros<float>(N);
    rep.ok("activation forward", hvae4j_cuda_activation_forward(act, ALPHA[act], x, y, N, g.stream()));
    rep.ok("activation backward", hvae4j_cuda_activation_backward(act, ALPHA[act], x, y, dy, dx, N, g.stream()));
    rep.close("activation forward", g.down(y, N), yf, 1e-6);
    rep.close("activation backward", g.down(dx, N), dxf, 1e-6);
  }
  F m(N), ba = in.x, ax(N, 1.0f);
  hvae4j_cpu_mul(in.x.data(), in.z.data(), m.data(), N);
  hvae4j_cpu_bias_add(ba.data(), in.b.data(), R, C);
  hvae4j_cpu_axpby(0.5f, in.x.data(), 2.0f, ax.data(), N);
  float *md = g.zeros<float>(N), *bad = g.up(in.x), *axd = g.up(F(N, 1.0f));
  rep.ok("mul", hvae4j_cuda_mul(x, zz, md, N, g.stream()));
  rep.ok("bias_add", hvae4j_cuda_bias_add(bad, b, R, C, g.stream()));
  rep.ok("axpby", hvae4j_cuda_axpby(0.5f, x, 2.0f, axd, N, g.stream()));
  rep.same("mul", g.down(md, N), m);
  rep.same("bias_add", g.down(bad, N), ba);
  rep.close("axpby", g.down(axd, N), ax, 1e-7);
  F rows(C), cols(R), sq(1);
  hvae4j_cpu_sum_rows(in.x.data(), R, C, 0.5f, 0.0f, rows.data());
  hvae4j_cpu_sum_cols(in.x.data(), R, C, 0.5f, 0.0f, cols.data());
  hvae4j_cpu_sum_squares(in.x.data(), N, 0, sq.data());
  float *rd = g.zeros<float>(C), *cd = g.zeros<float>(R), *sd = g.zeros<float>(1);
  rep.ok("sum_rows", hvae4j_cuda_sum_rows(x, R, C, 0.5f, 0.0f, rd, g.stream()));
  rep.ok("sum_cols", hvae4j_cuda_sum_cols(x, R, C, 0.5f, 0.0f, cd, g.stream()));
  rep.ok("sum_squares", hvae4j_cuda_sum_squares(x, N, 0, sd, g.stream()));
  rep.close("sum_rows", g.down(rd, C), rows, 1e-6);
  rep.close("sum_cols", g.down(cd, R), cols, 1e-6);
  rep.close("sum_squares", g.down(sd, 1), sq, 1e-6);
  F rep3(3 * N), back(N, 1.0f);
  hvae4j_cpu_repeat_rows(in.x.data(), R, C, 3, rep3.data());
  hvae4j_cpu_sum_repeats(rep3.data(), R, C, 3, 2.0f, back.data());
  float *r3 = g.zeros<float>(3 * N), *bk = g.up(F(N, 1.0f));
  rep.ok("repeat_rows", hvae4j_cuda_repeat_rows(x, R, C, 3, r3, g.stream()));
  rep.ok("sum_repeats", hvae4j_cuda_sum_repeats(r3, R, C, 3, 2.0f, bk, g.stream()));
  rep.same("repeat_rows", g.down(r3, 3 * N), rep3);
  rep.close("sum_repeats", g.down(bk, N), back, 1e-7);
  uint64_t* w = g.up(std::vector<uint64_t>{5});
  rep.ok("u64_update", hvae4j_cuda_u64_update(w, 7, 1, g.stream()));
  rep.expect("u64_update adds", g.down(w, 1)[0] == 12);
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("dense")
