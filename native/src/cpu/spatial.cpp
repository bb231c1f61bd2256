// CPU loops of the spatial family: nearest upsampling, per-row scales and dot products, weight normalization and
// batch normalization (formulas: hvae4j/spatial.h). Sums run in double.
#include <string.h>

#include <new>
#include <vector>

#include "common.h"
#include "hvae4j/hvae4j_cpu.h"
#include "hvae4j/spatial.h"
#include "simd_math.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

namespace {

bool image_dims_ok(int64_t n, int64_t channels, int64_t hw) { return n >= 0 && channels >= 0 && hw >= 0; }

// sum_c a[c] b[c] in double: the per-row reduction of row_dot and weight normalization.
HVAE4J_INLINE double dot(const float* a, const float* b, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t c = 0; c < n; ++c) s += (double)a[c] * b[c];
  return s;
}

// Sums of one channel over the images: f(i) for every element index i of channel c.
template <typename F>
double channel_sum(int64_t n, int64_t channels, int64_t hw, int64_t c, F f) {
  double s = 0;
  for (int64_t im = 0; im < n; ++im) {
    const int64_t base = (im * channels + c) * hw;
    for (int64_t k = 0; k < hw; ++k) s += f(base + k);
  }
  return s;
}

}  // namespace

extern "C" {

int hvae4j_cpu_upsample_nearest(const float* x, int64_t planes, int64_t h, int64_t w, int32_t factor, float* y) {
  HVAE4J_REQUIRE(planes >= 0 && h >= 0 && w >= 0 && factor >= 1 && (planes * h * w == 0 || (x && y)));
  const int64_t ow = w * factor;
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * h * w;
    float* yp = y + p * h * w * factor * factor;
    for (int64_t i = 0; i < h; ++i) {
      float* row = yp + i * factor * ow;
      for (int64_t j = 0; j < w; ++j) {
        const float v = xp[i * w + j];
        for (int32_t b = 0; b < factor; ++b) row[j * factor + b] = v;
      }
      for (int32_t a = 1; a < factor; ++a) memcpy(row + a * ow, row, (size_t)ow * sizeof(float));
    }
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_upsample_nearest_backward(const float* dy, int64_t planes, int64_t h, int64_t w, int32_t factor,
                                         float* dx) {
  HVAE4J_REQUIRE(planes >= 0 && h >= 0 && w >= 0 && factor >= 1 && (planes * h * w == 0 || (dy && dx)));
  const int64_t ow = w * factor;
  for (int64_t p = 0; p < planes; ++p) {
    const float* dyp = dy + p * h * w * factor * factor;
    float* dxp = dx + p * h * w;
    for (int64_t i = 0; i < h; ++i) {
      for (int64_t j = 0; j < w; ++j) {
        float s = 0;
        for (int32_t a = 0; a < factor; ++a) {
          const float* r = dyp + (i * factor + a) * ow + j * factor;
          for (int32_t b = 0; b < factor; ++b) s += r[b];
        }
        dxp[i * w + j] = s;
      }
    }
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_scale_rows(const float* x, const float* s, int64_t rows, int64_t cols, float* y) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (rows * cols == 0 || (x && s && y)));
  for (int64_t r = 0; r < rows; ++r) {
    const float k = s[r];
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) y[r * cols + c] = k * x[r * cols + c];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_row_dot(const float* x, const float* z, int64_t rows, int64_t cols, float beta, float* out) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (rows == 0 || out) && (rows * cols == 0 || (x && z)));
  for (int64_t r = 0; r < rows; ++r) {
    const double s = dot(x + r * cols, z + r * cols, cols);
    out[r] = (float)(s + (beta == 0.0f ? 0.0 : (double)beta * out[r]));
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_weight_norm(const float* v, const float* g, int64_t rows, int64_t cols, float* w, float* norm) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (rows == 0 || (v && g && w && norm)));
  for (int64_t r = 0; r < rows; ++r) {
    const float* vr = v + r * cols;
    const float n = weight_norm_of<float>(dot(vr, vr, cols));
    norm[r] = n;
    const float k = g[r] / n;
#pragma omp simd
    for (int64_t c = 0; c < cols; ++c) w[r * cols + c] = k * vr[c];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_weight_norm_backward(const float* v, const float* g, const float* norm, const float* dw, int64_t rows,
                                    int64_t cols, float beta, float* dv, float* dg) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && (rows == 0 || (v && g && norm && dw && dv && dg)));
  for (int64_t r = 0; r < rows; ++r) {
    const float* vr = v + r * cols;
    const float* dwr = dw + r * cols;
    const double s = dot(dwr, vr, cols);
    const float n = norm[r];
    const float dgr = (float)(s / n);
    float* dvr = dv + r * cols;
    for (int64_t c = 0; c < cols; ++c) {
      const float d = weight_norm_dv<float>(g[r], n, dgr, dwr[c], vr[c]);
      dvr[c] = beta == 0.0f ? d : d + beta * dvr[c];
    }
    dg[r] = beta == 0.0f ? dgr : dgr + beta * dg[r];
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_channel_moments(const float* x, int64_t n, int64_t channels, int64_t hw, float* mean, float* var) {
  HVAE4J_REQUIRE(image_dims_ok(n, channels, hw) && n * hw > 0 && (channels == 0 || (x && mean && var)));
  const double count = (double)(n * hw);
  for (int64_t c = 0; c < channels; ++c) {
    const double m = channel_sum(n, channels, hw, c, [&](int64_t i) { return (double)x[i]; }) / count;
    const double v = channel_sum(n, channels, hw, c, [&](int64_t i) {
                       const double d = x[i] - m;
                       return d * d;
                     }) / count;
    mean[c] = (float)m;
    var[c] = (float)v;
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_batch_norm(const float* x, int64_t n, int64_t channels, int64_t hw, const float* mean, const float* var,
                          float eps, const float* gamma, const float* beta, float* y) {
  HVAE4J_REQUIRE(image_dims_ok(n, channels, hw) && eps >= 0 &&
                 (n * channels * hw == 0 || (x && mean && var && gamma && beta && y)));
  for (int64_t im = 0; im < n; ++im) {
    for (int64_t c = 0; c < channels; ++c) {
      const float k = gamma[c] * inv_std<float>(var[c], eps);
      const float b = beta[c] - k * mean[c];
      const int64_t base = (im * channels + c) * hw;
#pragma omp simd
      for (int64_t i = 0; i < hw; ++i) y[base + i] = k * x[base + i] + b;
    }
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_batch_norm_backward(const float* x, const float* dy, int64_t n, int64_t channels, int64_t hw,
                                   const float* mean, const float* var, float eps, const float* gamma, int batch_stats,
                                   int accumulate, float* dx, float* dgamma, float* dbeta) {
  HVAE4J_REQUIRE(image_dims_ok(n, channels, hw) && n * hw > 0 && eps >= 0 &&
                 (channels == 0 || (x && dy && mean && var && gamma && dgamma && dbeta)));
  const double count = (double)(n * hw);
  for (int64_t c = 0; c < channels; ++c) {
    const float istd = inv_std<float>(var[c], eps);
    const float m = mean[c];
    const double sdy = channel_sum(n, channels, hw, c, [&](int64_t i) { return (double)dy[i]; });
    const double sdyx = channel_sum(n, channels, hw, c, [&](int64_t i) { return (double)dy[i] * ((x[i] - m) * istd); });
    dbeta[c] = (float)(sdy + (accumulate ? dbeta[c] : 0.0));
    dgamma[c] = (float)(sdyx + (accumulate ? dgamma[c] : 0.0));
    if (dx == nullptr) continue;
    const float mdy = (float)(sdy / count), mdyx = (float)(sdyx / count);
    for (int64_t im = 0; im < n; ++im) {
      const int64_t base = (im * channels + c) * hw;
      for (int64_t i = 0; i < hw; ++i) {
        const float xhat = (x[base + i] - m) * istd;
        dx[base + i] = batch_norm_dx<float>(gamma[c], istd, dy[base + i], xhat, mdy, mdyx, batch_stats != 0);
      }
    }
  }
  return HVAE4J_OK;
}

}  // extern "C"

// ---- depthwise convolution, stride 1 ----------------------------------------------------------------------------
// Each plane is copied into a zero-padded buffer of row stride ws, so that the k x k taps of every output read with no
// bounds. For the common kernel sizes (3, 5, 7) the planes are then treated as flat vectors: the output laid out
// with the same row stride ws is, tap by tap, a shifted copy of the padded plane scaled by the tap's weight, so one
// loop over 8-float vectors covers the whole plane (its columns ow..ws-1 are computed and dropped), where a loop
// over a row's ow outputs (7 or 14 here) would leave most vector lanes idle. The backward pass for the data is the
// same correlation on dy padded by k - 1 - pad with the kernel flipped. The weights' gradient of tap (a, q) is the
// flat dot product of dy (laid out with row stride ws, its extra columns zero) with the padded input shifted by
// a ws + q; the k taps of a row a share each load of dy.

namespace {

// GCC's vector extension: 8 floats, one AVX register in the x86-64-v3 clones, two SSE registers in the baseline ones.
// (-Wpsabi warns that such values would be passed differently with and without AVX; these helpers are inlined.)
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float f8 __attribute__((vector_size(32)));

inline f8 load8(const float* p) {
  f8 v;
  memcpy(&v, p, sizeof v);
  return v;
}

inline void store8(float* p, f8 v) { memcpy(p, &v, sizeof v); }

inline double sum8(f8 v) {
  double s = 0;
  for (int i = 0; i < 8; ++i) s += v[i];
  return s;
}

inline int64_t round8(int64_t n) { return (n + 7) / 8 * 8; }

bool depthwise_ok(int64_t n, int64_t channels, int64_t h, int64_t w, int k, int pad) {
  return n >= 0 && channels >= 0 && h > 0 && w > 0 && k >= 1 && k <= 64 && pad >= 0 && h + 2 * pad >= k &&
         w + 2 * pad >= k;
}

// A padded plane of hp x ws values, then slack (zero) for the flat loops, which read up to k + 6 values past it.
inline int64_t padded_size(int64_t hp, int64_t ws, int k) { return hp * ws + k + 8; }

// src (h x w) into dst ((h + 2 p) x (w + 2 p)) with zeros around it (the slack past it is zeroed once by the caller).
void pad_plane(const float* src, int64_t h, int64_t w, int64_t p, float* dst) {
  const int64_t ws = w + 2 * p;
  for (int64_t i = 0; i < (h + 2 * p) * ws; ++i) dst[i] = 0.0f;
  for (int64_t i = 0; i < h; ++i) memcpy(dst + (i + p) * ws + p, src + i * w, (size_t)w * sizeof(float));
}

// yq[v] = bias + sum_{a,q} wt[a, q] xp[v + a ws + q] for v < round8(oh ws): the output with row stride ws; then its
// oh x ow valid part into y. Two vectors per step, and one partial sum per tap row: independent FMA chains.
template <int K>
HVAE4J_CPU_CLONES void correlate_flat(const float* xp, int64_t ws, const float* wt, float bias, float* y, int64_t oh,
                                      int64_t ow, float* yq) {
  float wk[K * K];
  for (int t = 0; t < K * K; ++t) wk[t] = wt[t];
  const int64_t len = round8(oh * ws);
  int64_t v = 0;
  for (; v + 16 <= len; v += 16) {
    f8 lo[K], hi[K];
    for (int a = 0; a < K; ++a) {
      lo[a] = f8{} + 0.0f;
      hi[a] = f8{} + 0.0f;
      const float* xr = xp + v + a * ws;
      for (int q = 0; q < K; ++q) {
        lo[a] += wk[a * K + q] * load8(xr + q);
        hi[a] += wk[a * K + q] * load8(xr + q + 8);
      }
    }
    f8 l = f8{} + bias, h = f8{} + bias;
    for (int a = 0; a < K; ++a) {
      l += lo[a];
      h += hi[a];
    }
    store8(yq + v, l);
    store8(yq + v + 8, h);
  }
  for (; v < len; v += 8) {
    f8 acc = f8{} + bias;
    for (int a = 0; a < K; ++a)
      for (int q = 0; q < K; ++q) acc += wk[a * K + q] * load8(xp + v + a * ws + q);
    store8(yq + v, acc);
  }
  for (int64_t i = 0; i < oh; ++i) memcpy(y + i * ow, yq + i * ws, (size_t)ow * sizeof(float));
}

void correlate_any(const float* xp, int64_t ws, const float* wt, int k, float bias, float* y, int64_t oh,
                   int64_t ow) {
  for (int64_t i = 0; i < oh; ++i) {
    float* row = y + i * ow;
    for (int64_t j = 0; j < ow; ++j) row[j] = bias;
    for (int a = 0; a < k; ++a) {
      for (int q = 0; q < k; ++q) {
        const float wv = wt[a * k + q];
        const float* xr = xp + (i + a) * ws + q;
#pragma omp simd
        for (int64_t j = 0; j < ow; ++j) row[j] += wv * xr[j];
      }
    }
  }
}

// yq: scratch of round8(oh ws) floats for the flat kernels.
void correlate(const float* xp, int64_t ws, const float* wt, int k, float bias, float* y, int64_t oh, int64_t ow,
               float* yq) {
  switch (k) {
    case 3: return correlate_flat<3>(xp, ws, wt, bias, y, oh, ow, yq);
    case 5: return correlate_flat<5>(xp, ws, wt, bias, y, oh, ow, yq);
    case 7: return correlate_flat<7>(xp, ws, wt, bias, y, oh, ow, yq);
    default: return correlate_any(xp, ws, wt, k, bias, y, oh, ow);
  }
}

// acc[a k + q] += sum_v dq[v] xp[v + a ws + q] over v < len8 (a multiple of 8; dq zero where it is padding).
template <int K>
HVAE4J_CPU_CLONES void taps_flat(const float* dq, const float* xp, int64_t ws, int64_t len8, double* acc) {
  for (int a = 0; a < K; ++a) {
    const float* xa = xp + a * ws;
    f8 s[K], u[K];
    for (int q = 0; q < K; ++q) {
      s[q] = f8{} + 0.0f;
      u[q] = f8{} + 0.0f;
    }
    int64_t v = 0;
    for (; v + 16 <= len8; v += 16) {
      const f8 d0 = load8(dq + v), d1 = load8(dq + v + 8);
      for (int q = 0; q < K; ++q) {
        s[q] += d0 * load8(xa + v + q);
        u[q] += d1 * load8(xa + v + q + 8);
      }
    }
    for (; v < len8; v += 8) {
      const f8 d = load8(dq + v);
      for (int q = 0; q < K; ++q) s[q] += d * load8(xa + v + q);
    }
    for (int q = 0; q < K; ++q) acc[a * K + q] += sum8(s[q] + u[q]);
  }
}

void taps_any(const float* dq, const float* xp, int64_t ws, int64_t len8, int k, double* acc) {
  for (int t = 0; t < k * k; ++t) {
    const float* xs = xp + (t / k) * ws + t % k;
    float s = 0.0f;
#pragma omp simd reduction(+ : s)
    for (int64_t v = 0; v < len8; ++v) s += dq[v] * xs[v];
    acc[t] += s;
  }
}

void taps(const float* dq, const float* xp, int64_t ws, int64_t len8, int k, double* acc) {
  switch (k) {
    case 3: return taps_flat<3>(dq, xp, ws, len8, acc);
    case 5: return taps_flat<5>(dq, xp, ws, len8, acc);
    case 7: return taps_flat<7>(dq, xp, ws, len8, acc);
    default: return taps_any(dq, xp, ws, len8, k, acc);
  }
}

// A scratch buffer of the calling thread, grown as needed (the two training workers each have their own).
float* scratch(size_t n) {
  thread_local std::vector<float> buf;
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace

extern "C" {

int hvae4j_cpu_depthwise_conv(const float* x, const float* wt, const float* b, int64_t n, int64_t channels, int64_t h,
                              int64_t w, int32_t k, int32_t pad, float* y) {
  HVAE4J_REQUIRE(depthwise_ok(n, channels, h, w, k, pad) && (n * channels == 0 || (x && wt && y)));
  const int64_t oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1, ws = w + 2 * pad, hp = h + 2 * pad;
  float *xp, *yq;
  try {
    xp = scratch((size_t)(padded_size(hp, ws, k) + round8(oh * ws)));
  } catch (const std::bad_alloc&) {
    return HVAE4J_ENOMEM;
  }
  yq = xp + padded_size(hp, ws, k);
  for (int64_t i = hp * ws; i < padded_size(hp, ws, k); ++i) xp[i] = 0.0f;
  for (int64_t p = 0; p < n * channels; ++p) {
    const int64_t c = p % channels;
    pad_plane(x + p * h * w, h, w, pad, xp);
    correlate(xp, ws, wt + c * k * k, k, b ? b[c] : 0.0f, y + p * oh * ow, oh, ow, yq);
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_depthwise_conv_backward_data(const float* dy, const float* wt, int64_t n, int64_t channels, int64_t h,
                                            int64_t w, int32_t k, int32_t pad, float* dx) {
  HVAE4J_REQUIRE(depthwise_ok(n, channels, h, w, k, pad) && (n * channels == 0 || (dy && wt && dx)));
  const int64_t oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1;
  if (pad > k - 1) {
    // dx[r, c] = sum over the outputs that read (r, c): pad dy by k - 1 - pad would be negative; scatter instead.
    for (int64_t p = 0; p < n * channels; ++p) {
      const int64_t c = p % channels;
      const float* dyp = dy + p * oh * ow;
      const float* wc = wt + c * k * k;
      float* dxp = dx + p * h * w;
      for (int64_t i = 0; i < h * w; ++i) dxp[i] = 0.0f;
      for (int64_t i = 0; i < oh; ++i)
        for (int a = 0; a < k; ++a) {
          const int64_t r = i + a - pad;
          if (r < 0 || r >= h) continue;
          for (int q = 0; q < k; ++q)
            for (int64_t j = 0; j < ow; ++j) {
              const int64_t col = j + q - pad;
              if (col >= 0 && col < w) dxp[r * w + col] += wc[a * k + q] * dyp[i * ow + j];
            }
        }
    }
    return HVAE4J_OK;
  }
  const int64_t pp = k - 1 - pad, ws = ow + 2 * pp, hp = oh + 2 * pp;
  float *dyp, *flipped, *yq;
  try {
    dyp = scratch((size_t)(padded_size(hp, ws, k) + k * k + round8(h * ws)));
  } catch (const std::bad_alloc&) {
    return HVAE4J_ENOMEM;
  }
  flipped = dyp + padded_size(hp, ws, k);
  yq = flipped + k * k;
  for (int64_t i = hp * ws; i < padded_size(hp, ws, k); ++i) dyp[i] = 0.0f;
  for (int64_t p = 0; p < n * channels; ++p) {
    const int64_t c = p % channels;
    const float* wc = wt + c * k * k;
    for (int t = 0; t < k * k; ++t) flipped[t] = wc[k * k - 1 - t];
    pad_plane(dy + p * oh * ow, oh, ow, pp, dyp);
    correlate(dyp, ws, flipped, k, 0.0f, dx + p * h * w, h, w, yq);
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_depthwise_conv_backward_weights(const float* x, const float* dy, int64_t n, int64_t channels,
                                               int64_t h, int64_t w, int32_t k, int32_t pad, float* dwt, float* db) {
  HVAE4J_REQUIRE(depthwise_ok(n, channels, h, w, k, pad) && (channels == 0 || dwt) &&
                 (n * channels == 0 || (x && dy)));
  const int64_t oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1, ws = w + 2 * pad, hp = h + 2 * pad;
  const int64_t len8 = round8(oh * ws);
  float *xp, *dq;
  try {
    xp = scratch((size_t)(padded_size(hp, ws, k) + len8));
  } catch (const std::bad_alloc&) {
    return HVAE4J_ENOMEM;
  }
  dq = xp + padded_size(hp, ws, k);
  for (int64_t i = hp * ws; i < padded_size(hp, ws, k); ++i) xp[i] = 0.0f;
  for (int64_t i = 0; i < len8; ++i) dq[i] = 0.0f;   // its padding columns and tail stay zero
  std::vector<double> acc((size_t)(k * k));
  for (int64_t c = 0; c < channels; ++c) {
    for (auto& v : acc) v = 0;
    double bias = 0;
    for (int64_t im = 0; im < n; ++im) {
      const int64_t p = im * channels + c;
      pad_plane(x + p * h * w, h, w, pad, xp);
      const float* dyp = dy + p * oh * ow;
      float plane = 0.0f;
      for (int64_t i = 0; i < oh; ++i) {
        memcpy(dq + i * ws, dyp + i * ow, (size_t)ow * sizeof(float));
#pragma omp simd reduction(+ : plane)
        for (int64_t j = 0; j < ow; ++j) plane += dyp[i * ow + j];
      }
      bias += plane;
      taps(dq, xp, ws, len8, k, acc.data());
    }
    for (int t = 0; t < k * k; ++t) dwt[c * k * k + t] = (float)acc[(size_t)t];
    if (db) db[c] = (float)bias;
  }
  return HVAE4J_OK;
}

}  // extern "C"
