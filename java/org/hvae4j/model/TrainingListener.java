package org.hvae4j.model;

/**
 * Receives progress from a {@link Trainer}: every step, the statistics at the trainer's statistics interval, and every
 * finished epoch. Statistics come from running sums on the device, read only at those moments (reading them every
 * step would synchronize the device at every step).
 */
public interface TrainingListener {
    /** After each step was enqueued ({@code step}: steps taken so far, 1-based); no statistics. */
    default void onProgress(long step, int epoch, int batchInEpoch, int batchesPerEpoch) {}

    /** Every statistics interval: the mean metrics of the steps applied since the last report (gradNorm set). */
    default void onStatistics(long step, int epoch, StepResult mean) {}

    /** Called after each epoch with the mean of its applied steps' metrics. */
    default void onEpoch(int epoch, StepResult mean, long step) {}
}
