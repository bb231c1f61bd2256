package org.hvae4j.model;

/** Receives progress from a {@link Trainer}: every step and every finished epoch. */
public interface TrainingListener {
    /** @param step global step (1-based), {@code result} the step's metrics (gradNorm set). */
    default void onStep(long step, int epoch, int batchInEpoch, int batchesPerEpoch, StepResult result) {}

    /** Called after each epoch with the mean of its steps' metrics. */
    default void onEpoch(int epoch, StepResult mean, long step) {}
}
