// Every scalar formula of hvae4j, once, as inline functions that the CPU implementation and the CUDA kernels
// both call. Templates over float and double: the double instantiation is the CPU reference path the gradient
// tests use.
#pragma once
#include "defs.h"
#include <math.h>

namespace hvae4j {

// Unqualified calls resolve to the float or double overload: libstdc++ on the host, CUDA's math library in
// device code.
using ::exp;
using ::log;
using ::log1p;
using ::expm1;
using ::tanh;
using ::sqrt;
using ::cos;
using ::fabs;

template <typename T> HVAE4J_HD T hmax(T a, T b) { return a > b ? a : b; }
template <typename T> HVAE4J_HD T hmin(T a, T b) { return a < b ? a : b; }

// log(1 + exp(x)) without overflow for large x or loss of precision for very negative x.
template <typename T>
HVAE4J_HD T softplus(T x) {
  return hmax(x, T(0)) + log1p(exp(-fabs(x)));
}

// log(sigmoid(x)) = -softplus(-x), stable for |x| up to the float range.
template <typename T>
HVAE4J_HD T log_sigmoid(T x) {
  return -softplus(-x);
}

// sigmoid(x) that never evaluates exp of a large positive number.
template <typename T>
HVAE4J_HD T sigmoid(T x) {
  if (x >= T(0)) {
    T e = exp(-x);
    return T(1) / (T(1) + e);
  }
  T e = exp(x);
  return e / (T(1) + e);
}

}  // namespace hvae4j
