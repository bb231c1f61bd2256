// Elementwise activations (codes.h: hvae4j_activation) and their derivatives: the one definition both backends call.
// Backward functions take the input x and the output y of the forward pass so each derivative uses
// whichever is cheaper and more accurate (tanh and sigmoid from y, relu from x).
#pragma once
#include "codes.h"
#include "defs.h"
#include "math.h"

namespace hvae4j {

template <typename T>
HVAE4J_HD T activation_forward(int act, T alpha, T x) {
  switch (act) {
    case HVAE4J_ACT_TANH: return tanh(x);
    case HVAE4J_ACT_RELU: return x > T(0) ? x : T(0);
    case HVAE4J_ACT_LEAKY_RELU: return x > T(0) ? x : alpha * x;
    case HVAE4J_ACT_SOFTPLUS: return softplus(x);
    case HVAE4J_ACT_SILU: return x * sigmoid(x);
    case HVAE4J_ACT_ELU: return x > T(0) ? x : alpha * expm1(x);
    case HVAE4J_ACT_SIGMOID: return sigmoid(x);
    default: return x;
  }
}

// dy/dx at x, given y = activation_forward(act, alpha, x).
template <typename T>
HVAE4J_HD T activation_derivative(int act, T alpha, T x, T y) {
  switch (act) {
    case HVAE4J_ACT_TANH: return T(1) - y * y;
    case HVAE4J_ACT_RELU: return x > T(0) ? T(1) : T(0);
    case HVAE4J_ACT_LEAKY_RELU: return x > T(0) ? T(1) : alpha;
    case HVAE4J_ACT_SOFTPLUS: return sigmoid(x);
    case HVAE4J_ACT_SILU: {
      T s = sigmoid(x);
      return s * (T(1) + x * (T(1) - s));
    }
    case HVAE4J_ACT_ELU: return x > T(0) ? T(1) : y + alpha;
    case HVAE4J_ACT_SIGMOID: return y * (T(1) - y);
    default: return T(1);
  }
}

}  // namespace hvae4j
