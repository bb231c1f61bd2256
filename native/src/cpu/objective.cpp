// CPU loops of the objective family (formulas: hvae4j/objective.h): per-row weights broadcast from device scalars,
// row means, the ELBO's statistics, REINFORCE's signals and the running sums of a run's steps. They read and write
// only the backend's memory, so the step that a CUDA graph replays runs unchanged here.
#include <math.h>

#include "common.h"
#include "hvae4j/hvae4j_cpu.h"
#include "hvae4j/objective.h"

using namespace hvae4j;
using namespace hvae4j::cpu;

extern "C" {

int hvae4j_cpu_fill_divided(float* y, int64_t n, const float* s, double divisor) {
  HVAE4J_REQUIRE(n >= 0 && s && (n == 0 || y) && divisor != 0);
  const float v = (float)((double)s[0] / divisor);
  for (int64_t i = 0; i < n; ++i) y[i] = v;
  return HVAE4J_OK;
}

int hvae4j_cpu_row_means(int64_t rows, int64_t cols, const float* x, float* out) {
  HVAE4J_REQUIRE(dims_ok(rows, cols) && cols > 0 && (rows == 0 || (x && out)));
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t c = 0; c < cols; ++c) s += x[r * cols + c];
    out[r] = (float)(s / (double)cols);
  }
  return HVAE4J_OK;
}

int hvae4j_cpu_elbo_objective(int layers, const float* recon, const float* kl, const float* beta, double free_bits,
                              float* layer_beta, float* objective, float* loss) {
  HVAE4J_REQUIRE(layers >= 0 && recon && beta && objective && loss && (layers == 0 || (kl && layer_beta)) &&
                 free_bits >= 0);
  elbo_objective_compute(layers, *recon, kl, *beta, free_bits, layer_beta, objective, loss);
  return HVAE4J_OK;
}

int hvae4j_cpu_reinforce_signal(int64_t rows, int layers, double batch, const float* logpx, const float* terms,
                                const float* layer_beta, double* baseline, float* signal) {
  HVAE4J_REQUIRE(rows > 0 && layers >= 0 && batch > 0 && logpx && baseline && signal &&
                 (layers == 0 || (terms && layer_beta)));
  double mean = 0;
  for (int64_t r = 0; r < rows; ++r) mean += reinforce_value(r, rows, layers, logpx, terms, layer_beta);
  mean /= (double)rows;
  const double b = reinforce_baseline(*baseline, mean);
  for (int64_t r = 0; r < rows; ++r)
    signal[r] = reinforce_signal_of(reinforce_value(r, rows, layers, logpx, terms, layer_beta), b, batch);
  *baseline = reinforce_baseline_update(*baseline, mean);
  return HVAE4J_OK;
}

int hvae4j_cpu_statistics_accumulate(int n, const float* values, const hvae4j_adam_state* state, double* sums) {
  HVAE4J_REQUIRE(n > HVAE4J_STEP_LOSS && values && state && sums);
  statistics_accumulate_step(n, values, state, sums);
  return HVAE4J_OK;
}

}  // extern "C"
