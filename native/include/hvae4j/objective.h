// Objectives as per-row weights, computed where the pass ran (no host read inside a training step): the ELBO's
// per-layer KL weights and statistics, REINFORCE's learning signals and running baseline, and the running sums of a
// run's step statistics. Called by src/cpu/objective.cpp and src/cuda/objective.cu.
#pragma once
#include "adam_state.h"
#include "codes.h"
#include "defs.h"
#include "math.h"

namespace hvae4j {

// The ELBO of a step from the batch means recon and kl[l] and the KL weight beta (see ops.def: elbo_objective).
// Sums in double, as the host computed them.
HVAE4J_HD void elbo_objective_compute(int layers, float recon, const float* kl, float beta, double free_bits,
                                      float* layer_beta, float* objective, float* loss) {
  double elbo = recon, minimized = -(double)recon;
  for (int l = 0; l < layers; ++l) {
    const double k = kl[l];
    elbo -= k;
    // A Monte-Carlo KL term can be negative on a batch: it is clamped only when free bits are asked for.
    minimized += (double)beta * (free_bits > 0 ? fmax(k, free_bits) : k);
    layer_beta[l] = free_bits > 0 && k < free_bits ? 0.0f : beta;
  }
  *objective = (float)elbo;
  *loss = (float)minimized;
}

// REINFORCE's per-row value l_r = logpx[r] - sum_l layer_beta[l] terms[l * rows + r] (the loss's per-row value).
HVAE4J_HD_INLINE double reinforce_value(int64_t r, int64_t rows, int layers, const float* logpx, const float* terms,
                                        const float* layer_beta) {
  double v = logpx[r];
  for (int l = 0; l < layers; ++l) v -= (double)layer_beta[l] * terms[l * rows + r];
  return v;
}

// The baseline b that this step's signals subtract (the running mean, or the batch mean m at the first step).
HVAE4J_HD_INLINE double reinforce_baseline(double running, double batch_mean) {
  return isnan(running) ? batch_mean : running;
}

// The running mean after a step: 0.9 b + 0.1 m (m at the first step).
HVAE4J_HD_INLINE double reinforce_baseline_update(double running, double batch_mean) {
  return isnan(running) ? batch_mean : 0.9 * running + 0.1 * batch_mean;
}

// signal_r = -(l_r - b) / batch: the score-function weight of row r.
HVAE4J_HD_INLINE float reinforce_signal_of(double value, double baseline, double batch) {
  return (float)(-(value - baseline) / batch);
}

// Adds one step's statistics to the running sums (codes.h: hvae4j_step_value, hvae4j_step_sum).
HVAE4J_HD void statistics_accumulate_step(int n, const float* values, const hvae4j_adam_state* state, double* sums) {
  sums[HVAE4J_SUM_LAST_LOSS] = values[HVAE4J_STEP_LOSS];
  sums[HVAE4J_SUM_LAST_NORM] = state->norm;
  if (state->skip) {
    sums[HVAE4J_SUM_SKIPPED] += 1;
    sums[HVAE4J_SUM_BAD_IN_ROW] += 1;
    return;
  }
  sums[HVAE4J_SUM_BAD_IN_ROW] = 0;
  sums[HVAE4J_SUM_STEPS] += 1;
  sums[HVAE4J_SUM_NORM] += state->norm;
  for (int i = 0; i < n; ++i) sums[HVAE4J_SUM_VALUES + i] += values[i];
}

}  // namespace hvae4j
