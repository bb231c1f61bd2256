// The fused Adam(W) optimizer's formulas: the per-step preparation of a device-resident step and the per-element
// update, called by src/cpu/adam.cpp and src/cuda/adam.cu.
#pragma once
#include "adam_state.h"
#include "defs.h"
#include "math.h"

namespace hvae4j {

// The per-step part of a device-resident Adam step: from the sum of squared gradients and the loss (null: not
// checked), the skip decision, the step counter, the bias corrections and the clipping scale: norm = sqrt in double
// rounded to float, c = 1 - beta^t in double rounded to float.
HVAE4J_HD void adam_prepare(float norm_sq, const float* loss, float clip, float beta1, float beta2,
                            hvae4j_adam_state* s) {
  const float norm = (float)sqrt((double)norm_sq);
  const bool ok = isfinite(norm) && (loss == nullptr || isfinite(*loss));
  s->norm = norm;
  s->skip = ok ? 0 : 1;
  if (!ok) {
    s->scale = 0.0f;
    return;
  }
  s->t += 1;
  s->c1 = (float)(1.0 - pow((double)beta1, (double)s->t));
  s->c2 = (float)(1.0 - pow((double)beta2, (double)s->t));
  s->scale = (isinf(clip) || norm <= clip) ? 1.0f : clip / norm;
}

// One Adam step (Kingma and Ba) with decoupled weight decay (AdamW, Loshchilov and Hutter) on one element.
// g is the raw gradient times grad_scale (the global-norm clipping factor); c1 = 1 - beta1^t, c2 = 1 - beta2^t.
template <typename T>
HVAE4J_HD void adam_element(T* p, T g, T* m, T* v, T lr, T beta1, T beta2, T eps, T weight_decay, T c1, T c2) {
  *m = beta1 * *m + (T(1) - beta1) * g;
  *v = beta2 * *v + (T(1) - beta2) * g * g;
  T mhat = *m / c1;
  T vhat = *v / c2;
  *p -= lr * (mhat / (sqrt(vhat) + eps) + weight_decay * *p);
}

}  // namespace hvae4j
