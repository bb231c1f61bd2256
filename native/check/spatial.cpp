// The spatial family: upsampling and its adjoint, per-row scales and dot products, weight normalization and batch
// normalization, each against direct loops in double; the CUDA kernels against the CPU loops.
#include <math.h>

#include "check.h"

using namespace check;

namespace {
constexpr int64_t NI = 3, CH = 5, H = 7, W = 6, HW = H * W, P = NI * CH, NX = P * HW, FACTOR = 2;
constexpr int64_t R = 9, K = 37;
constexpr float EPS = 1e-5f;

struct Inputs {
  F x = uniform(NX, -2, 3, 91), up_dy = uniform(NX * FACTOR * FACTOR, -1, 1, 92), dy = uniform(NX, -1, 1, 93);
  F v = uniform(R * K, -1, 1, 94), g = uniform(R, 0.5, 2, 95), dw = uniform(R * K, -1, 1, 96);
  F s = uniform(P, -2, 2, 97), gamma = uniform(CH, 0.5, 1.5, 98), beta = uniform(CH, -1, 1, 99);
};

#ifndef HVAE4J_CHECK_CUDA
// Double-precision references.
D upsample(const F& x) {
  D y(NX * FACTOR * FACTOR);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < H * FACTOR; ++i)
      for (int64_t j = 0; j < W * FACTOR; ++j)
        y[(p * H * FACTOR + i) * W * FACTOR + j] = x[(p * H + i / FACTOR) * W + j / FACTOR];
  return y;
}

D upsample_adjoint(const F& dy) {
  D dx(NX, 0.0);
  for (int64_t p = 0; p < P; ++p)
    for (int64_t i = 0; i < H * FACTOR; ++i)
      for (int64_t j = 0; j < W * FACTOR; ++j)
        dx[(p * H + i / FACTOR) * W + j / FACTOR] += dy[(p * H * FACTOR + i) * W * FACTOR + j];
  return dx;
}

struct Moments {
  D mean = D(CH, 0.0), var = D(CH, 0.0);
};

Moments moments(const F& x) {
  Moments m;
  const double count = (double)(NI * HW);
  for (int64_t im = 0; im < NI; ++im)
    for (int64_t c = 0; c < CH; ++c)
      for (int64_t k = 0; k < HW; ++k) m.mean[c] += x[(im * CH + c) * HW + k] / count;
  for (int64_t im = 0; im < NI; ++im)
    for (int64_t c = 0; c < CH; ++c)
      for (int64_t k = 0; k < HW; ++k) {
        double d = x[(im * CH + c) * HW + k] - m.mean[c];
        m.var[c] += d * d / count;
      }
  return m;
}

void check_cpu(Report& rep) {
  Inputs in;
  F y(NX * FACTOR * FACTOR), dx(NX);
  rep.ok("upsample_nearest", hvae4j_cpu_upsample_nearest(in.x.data(), P, H, W, FACTOR, y.data()));
  rep.close("upsample_nearest", y, upsample(in.x), 0);
  rep.ok("upsample_nearest_backward",
         hvae4j_cpu_upsample_nearest_backward(in.up_dy.data(), P, H, W, FACTOR, dx.data()));
  rep.close("upsample_nearest_backward is the adjoint", dx, upsample_adjoint(in.up_dy), 1e-6);
  F sc(NX), dot(P, 2.0f);
  rep.ok("scale_rows", hvae4j_cpu_scale_rows(in.x.data(), in.s.data(), P, HW, sc.data()));
  D scw(NX), dotw(P);
  for (int64_t r = 0; r < P; ++r) {
    dotw[r] = 0.5 * 2.0;
    for (int64_t c = 0; c < HW; ++c) {
      scw[r * HW + c] = (double)in.s[r] * in.x[r * HW + c];
      dotw[r] += (double)in.x[r * HW + c] * in.dy[r * HW + c];
    }
  }
  rep.close("scale_rows", sc, scw, 1e-7);
  rep.ok("row_dot", hvae4j_cpu_row_dot(in.x.data(), in.dy.data(), P, HW, 0.5f, dot.data()));
  rep.close("row_dot", dot, dotw, 1e-6);

  F w(R * K), norm(R), dv(R * K, 1.0f), dg(R, 1.0f);
  rep.ok("weight_norm", hvae4j_cpu_weight_norm(in.v.data(), in.g.data(), R, K, w.data(), norm.data()));
  rep.ok("weight_norm_backward", hvae4j_cpu_weight_norm_backward(in.v.data(), in.g.data(), norm.data(), in.dw.data(),
                                                                 R, K, 1.0f, dv.data(), dg.data()));
  D ww(R * K), nw(R), dvw(R * K), dgw(R);
  for (int64_t r = 0; r < R; ++r) {
    double ss = 0, s = 0;
    for (int64_t c = 0; c < K; ++c) ss += (double)in.v[r * K + c] * in.v[r * K + c];
    nw[r] = sqrt(ss);
    for (int64_t c = 0; c < K; ++c) {
      ww[r * K + c] = in.g[r] * in.v[r * K + c] / nw[r];
      s += (double)in.dw[r * K + c] * in.v[r * K + c];
    }
    dgw[r] = s / nw[r] + 1.0;
    for (int64_t c = 0; c < K; ++c)
      dvw[r * K + c] = in.g[r] / nw[r] * (in.dw[r * K + c] - (s / nw[r]) / nw[r] * in.v[r * K + c]) + 1.0;
  }
  rep.close("weight_norm", w, ww, 1e-6);
  rep.close("weight_norm norms", norm, nw, 1e-6);
  rep.close("weight_norm_backward dv (accumulated)", dv, dvw, 1e-5);
  rep.close("weight_norm_backward dg (accumulated)", dg, dgw, 1e-5);

  F mean(CH), var(CH);
  rep.ok("channel_moments", hvae4j_cpu_channel_moments(in.x.data(), NI, CH, HW, mean.data(), var.data()));
  Moments m = moments(in.x);
  rep.close("channel_moments mean", mean, m.mean, 1e-6);
  rep.close("channel_moments var", var, m.var, 1e-6);
  F bn(NX);
  rep.ok("batch_norm", hvae4j_cpu_batch_norm(in.x.data(), NI, CH, HW, mean.data(), var.data(), EPS, in.gamma.data(),
                                             in.beta.data(), bn.data()));
  D bnw(NX);
  for (int64_t i = 0; i < NX; ++i) {
    int64_t c = (i / HW) % CH;
    bnw[i] = in.gamma[c] * (in.x[i] - m.mean[c]) / sqrt(m.var[c] + EPS) + in.beta[c];
  }
  rep.close("batch_norm", bn, bnw, 1e-5);
  // The batch-statistics backward pass against the analytic formula in double.
  for (int batch = 0; batch <= 1; ++batch) {
    F bdx(NX), dgam(CH), dbet(CH);
    rep.ok("batch_norm_backward", hvae4j_cpu_batch_norm_backward(in.x.data(), in.dy.data(), NI, CH, HW, mean.data(),
                                                                 var.data(), EPS, in.gamma.data(), batch, 0,
                                                                 bdx.data(), dgam.data(), dbet.data()));
    D dxw(NX), dgw2(CH, 0.0), dbw(CH, 0.0);
    const double count = (double)(NI * HW);
    for (int64_t i = 0; i < NX; ++i) {
      int64_t c = (i / HW) % CH;
      double xhat = (in.x[i] - m.mean[c]) / sqrt(m.var[c] + EPS);
      dgw2[c] += in.dy[i] * xhat;
      dbw[c] += in.dy[i];
    }
    for (int64_t i = 0; i < NX; ++i) {
      int64_t c = (i / HW) % CH;
      double istd = 1 / sqrt(m.var[c] + EPS), xhat = (in.x[i] - m.mean[c]) * istd;
      dxw[i] = batch ? in.gamma[c] * istd * (in.dy[i] - dbw[c] / count - xhat * dgw2[c] / count)
                     : in.gamma[c] * istd * in.dy[i];
    }
    rep.close("batch_norm_backward dx", bdx, dxw, 2e-5);
    rep.close("batch_norm_backward dgamma", dgam, dgw2, 1e-5);
    rep.close("batch_norm_backward dbeta", dbet, dbw, 1e-5);
  }
  rep.expect("a zero factor is refused",
             hvae4j_cpu_upsample_nearest(in.x.data(), P, H, W, 0, y.data()) == HVAE4J_EINVAL);
  rep.expect("moments of no elements are refused",
             hvae4j_cpu_channel_moments(in.x.data(), 0, CH, HW, mean.data(), var.data()) == HVAE4J_EINVAL);
}
#else
void check_cuda(Report& rep) {
  Inputs in;
  Gpu g;
  float *x = g.up(in.x), *updy = g.up(in.up_dy), *dy = g.up(in.dy), *s = g.up(in.s);
  F y(NX * FACTOR * FACTOR), dx(NX), sc(NX), dot(P, 2.0f);
  hvae4j_cpu_upsample_nearest(in.x.data(), P, H, W, FACTOR, y.data());
  hvae4j_cpu_upsample_nearest_backward(in.up_dy.data(), P, H, W, FACTOR, dx.data());
  hvae4j_cpu_scale_rows(in.x.data(), in.s.data(), P, HW, sc.data());
  hvae4j_cpu_row_dot(in.x.data(), in.dy.data(), P, HW, 0.5f, dot.data());
  float *yd = g.zeros<float>(NX * FACTOR * FACTOR), *dxd = g.zeros<float>(NX), *scd = g.zeros<float>(NX),
        *dotd = g.up(F(P, 2.0f));
  rep.ok("upsample_nearest", hvae4j_cuda_upsample_nearest(x, P, H, W, FACTOR, yd, g.stream()));
  rep.ok("upsample_nearest_backward", hvae4j_cuda_upsample_nearest_backward(updy, P, H, W, FACTOR, dxd, g.stream()));
  rep.ok("scale_rows", hvae4j_cuda_scale_rows(x, s, P, HW, scd, g.stream()));
  rep.ok("row_dot", hvae4j_cuda_row_dot(x, dy, P, HW, 0.5f, dotd, g.stream()));
  rep.same("upsample_nearest", g.down(yd, NX * FACTOR * FACTOR), y);
  rep.close("upsample_nearest_backward", g.down(dxd, NX), dx, 1e-6);
  rep.same("scale_rows", g.down(scd, NX), sc);
  rep.close("row_dot", g.down(dotd, P), dot, 1e-6);

  F w(R * K), norm(R), dv(R * K, 1.0f), dgc(R, 1.0f);
  hvae4j_cpu_weight_norm(in.v.data(), in.g.data(), R, K, w.data(), norm.data());
  hvae4j_cpu_weight_norm_backward(in.v.data(), in.g.data(), norm.data(), in.dw.data(), R, K, 1.0f, dv.data(),
                                  dgc.data());
  float *v = g.up(in.v), *gg = g.up(in.g), *dw = g.up(in.dw), *wd = g.zeros<float>(R * K), *nd = g.zeros<float>(R),
        *dvd = g.up(F(R * K, 1.0f)), *dgd = g.up(F(R, 1.0f));
  rep.ok("weight_norm", hvae4j_cuda_weight_norm(v, gg, R, K, wd, nd, g.stream()));
  rep.ok("weight_norm_backward", hvae4j_cuda_weight_norm_backward(v, gg, nd, dw, R, K, 1.0f, dvd, dgd, g.stream()));
  rep.close("weight_norm", g.down(wd, R * K), w, 1e-6);
  rep.close("weight_norm norms", g.down(nd, R), norm, 1e-6);
  rep.close("weight_norm_backward dv", g.down(dvd, R * K), dv, 1e-6);
  rep.close("weight_norm_backward dg", g.down(dgd, R), dgc, 1e-6);

  F mean(CH), var(CH), bn(NX);
  hvae4j_cpu_channel_moments(in.x.data(), NI, CH, HW, mean.data(), var.data());
  hvae4j_cpu_batch_norm(in.x.data(), NI, CH, HW, mean.data(), var.data(), EPS, in.gamma.data(), in.beta.data(),
                        bn.data());
  float *md = g.zeros<float>(CH), *vd = g.zeros<float>(CH), *gam = g.up(in.gamma), *bet = g.up(in.beta),
        *bnd = g.zeros<float>(NX);
  rep.ok("channel_moments", hvae4j_cuda_channel_moments(x, NI, CH, HW, md, vd, g.stream()));
  rep.ok("batch_norm", hvae4j_cuda_batch_norm(x, NI, CH, HW, md, vd, EPS, gam, bet, bnd, g.stream()));
  rep.close("channel_moments mean", g.down(md, CH), mean, 1e-6);
  rep.close("channel_moments var", g.down(vd, CH), var, 1e-6);
  rep.close("batch_norm", g.down(bnd, NX), bn, 1e-6);
  for (int batch = 0; batch <= 1; ++batch) {
    F bdx(NX), dgam(CH, 1.0f), dbet(CH, 1.0f);
    hvae4j_cpu_batch_norm_backward(in.x.data(), in.dy.data(), NI, CH, HW, mean.data(), var.data(), EPS,
                                   in.gamma.data(), batch, 1, bdx.data(), dgam.data(), dbet.data());
    float *bdxd = g.zeros<float>(NX), *dgd2 = g.up(F(CH, 1.0f)), *dbd = g.up(F(CH, 1.0f));
    rep.ok("batch_norm_backward", hvae4j_cuda_batch_norm_backward(x, dy, NI, CH, HW, md, vd, EPS, gam, batch, 1, bdxd,
                                                                  dgd2, dbd, g.stream()));
    rep.close("batch_norm_backward dx", g.down(bdxd, NX), bdx, 1e-5);
    rep.close("batch_norm_backward dgamma", g.down(dgd2, CH), dgam, 1e-6);
    rep.close("batch_norm_backward dbeta", g.down(dbd, CH), dbet, 1e-6);
  }
}
#endif
}  // namespace

HVAE4J_CHECK_MAIN("spatial")
