// Elementwise activations and their derivatives: the one definition both backends call.
// Backward functions take the input x and the output y of the forward pass so each derivative uses
// whichever is cheaper and more accurate (tanh and sigmoid from y, relu from x).
#pragma once
#include "defs.h"
#include "math.h"

namespace hvae4j {

enum Activation : int {
  ACT_IDENTITY = 0,
  ACT_TANH = 1,
  ACT_RELU = 2,
  ACT_LEAKY_RELU = 3,  // slope alpha for x < 0
  ACT_SOFTPLUS = 4,
  ACT_SILU = 5,
  ACT_ELU = 6,         // alpha * (exp(x) - 1) for x < 0
  ACT_SIGMOID = 7,
  ACT_COUNT = 8
};

template <typename T>
HVAE4J_HD T activation_forward(int act, T alpha, T x) {
  switch (act) {
    case ACT_TANH: return tanh(x);
    case ACT_RELU: return x > T(0) ? x : T(0);
    case ACT_LEAKY_RELU: return x > T(0) ? x : alpha * x;
    case ACT_SOFTPLUS: return softplus(x);
    case ACT_SILU: return x * sigmoid(x);
    case ACT_ELU: return x > T(0) ? x : alpha * expm1(x);
    case ACT_SIGMOID: return sigmoid(x);
    default: return x;
  }
}

// dy/dx at x, given y = activation_forward(act, alpha, x).
template <typename T>
HVAE4J_HD T activation_derivative(int act, T alpha, T x, T y) {
  switch (act) {
    case ACT_TANH: return T(1) - y * y;
    case ACT_RELU: return x > T(0) ? T(1) : T(0);
    case ACT_LEAKY_RELU: return x > T(0) ? T(1) : alpha;
    case ACT_SOFTPLUS: return sigmoid(x);
    case ACT_SILU: {
      T s = sigmoid(x);
      return s * (T(1) + x * (T(1) - s));
    }
    case ACT_ELU: return x > T(0) ? T(1) : y + alpha;
    case ACT_SIGMOID: return y * (T(1) - y);
    default: return T(1);
  }
}

}  // namespace hvae4j
