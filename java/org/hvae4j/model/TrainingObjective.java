package org.hvae4j.model;

import java.util.List;

/**
 * What a training step minimizes, as per-row weights of a {@link Pass} computed where the pass ran: no value is read
 * back to the host, so the step can be recorded once and replayed (a CUDA graph). The built-in objectives are
 * {@link Objective} (the ELBO with KL warm-up and free bits, IWAE, DReG, with REINFORCE signals for the layers that
 * need them); a researcher can implement this interface with the model's kernels and the {@link ObjectiveContext}.
 */
public interface TrainingObjective {
    /** Samples per example (k) the pass must draw. */
    int samples();

    /** Throws IllegalArgumentException, naming the problem, when this objective cannot train {@code spec}. */
    default void validateFor(ModelSpec spec) {}

    /**
     * The weightings whose backward passes give the step's gradient (one, or one per parameter role), and the step's
     * statistics written into {@code ctx.statistics()}: the objective's value, the reconstruction term, the minimized
     * loss and each layer's KL term, as batch means (see {@link ObjectiveContext}).
     */
    List<Weights> weights(Pass pass, ObjectiveContext ctx);
}
