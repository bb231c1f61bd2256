// Importance weighting of k samples per example: the log-mean-exp bound and the normalized weights, in double, the
// one formula both backends and the reference call (src/cpu/importance.cpp, src/cuda/importance.cu).
#pragma once
#include "defs.h"
#include "math.h"

namespace hvae4j {

// For example b of `batch`, over the k log-weights logw[s * batch + b]: bound[b] = log (1/k) sum_s exp(logw),
// wnorm[s * batch + b] = exp(logw - logsumexp) and wsq = its square. Any output may be null.
template <typename T>
HVAE4J_HD void iwae_example(int64_t k, int64_t batch, int64_t b, const T* logw, T* bound, T* wnorm, T* wsq) {
  double m = -INFINITY;
  for (int64_t s = 0; s < k; ++s) m = fmax(m, (double)logw[s * batch + b]);
  if (!isfinite(m)) m = 0;  // every weight is -inf (or NaN): avoid inf - inf below
  double sum = 0;
  for (int64_t s = 0; s < k; ++s) sum += exp((double)logw[s * batch + b] - m);
  const double lse = m + log(sum);
  if (bound) bound[b] = (T)sat(lse - log((double)k));
  if (!wnorm && !wsq) return;
  for (int64_t s = 0; s < k; ++s) {
    const double wn = exp((double)logw[s * batch + b] - lse);
    if (wnorm) wnorm[s * batch + b] = (T)sat(wn);
    if (wsq) wsq[s * batch + b] = (T)sat(wn * wn);
  }
}

}  // namespace hvae4j
