package org.hvae4j.nn;

/**
 * Updates parameters from their accumulated gradients. Its state (moments, step counter) exists from construction
 * and lives outside any caller's memory scope; {@link #close} frees it. {@link #step} reads nothing back to the host:
 * the gradient norm, the skip decision of a non-finite step and the counter stay on the device until asked for.
 */
public interface Optimizer extends AutoCloseable {
    /** One update at learning rate {@code lr} from the parameters' current gradients (skipped when not finite). */
    void step(double lr);

    /** Updates applied so far (synchronizes). */
    long steps();

    /** The global gradient norm of the last step (synchronizes). */
    float lastGradientNorm();

    /** Whether the last step was skipped for a non-finite gradient or loss (synchronizes). */
    boolean lastStepSkipped();

    @Override
    void close();
}
