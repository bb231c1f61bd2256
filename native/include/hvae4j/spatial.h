// Formulas of the spatial family (weight normalization, batch normalization): the one definition both backends call.
#pragma once
#include "defs.h"
#include "math.h"

namespace hvae4j {

// The norm weight normalization divides by, from a row's sum of squares: floored so that a zero row gives w = 0
// rather than NaN.
template <typename T>
HVAE4J_HD T weight_norm_of(double sum_sq) {
  double n = sqrt(sum_sq);
  return (T)(n > 1e-12 ? n : 1e-12);
}

// dv of one element: (g / norm) (dw - (dg / norm) v), with dg = sum_c dw v / norm of the row.
template <typename T>
HVAE4J_HD T weight_norm_dv(T g, T norm, T dg, T dw, T v) {
  return g / norm * (dw - dg / norm * v);
}

template <typename T>
HVAE4J_HD T inv_std(T var, T eps) {
  return T(1) / sqrt(var + eps);
}

// dx of batch normalization at one element: with the batch's own moments the mean and the variance depend on x
// (the two mean terms); with fixed (running) moments they do not.
template <typename T>
HVAE4J_HD T batch_norm_dx(T gamma, T istd, T dy, T xhat, T mean_dy, T mean_dy_xhat, bool batch_stats) {
  return batch_stats ? gamma * istd * (dy - mean_dy - xhat * mean_dy_xhat) : gamma * istd * dy;
}

}  // namespace hvae4j
