package org.hvae4j.model;

import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * The device memory an objective works with in a training step, kept from step to step: this step's KL weight β (the
 * host writes it before the step: a warm-up or a schedule of the user's), the statistics vector the objective fills
 * (objective, reconstruction, loss, then one KL mean per layer: codes.h {@code hvae4j_step_value}), each layer's
 * effective KL weight, and REINFORCE's running baseline. {@link #result} reads the statistics (synchronizing).
 */
public final class ObjectiveContext implements AutoCloseable {
    private final Backend be;
    private final int depth;
    private final Tensor beta;
    private final Tensor statistics;
    private final Tensor layerBeta;
    private final Tensor baseline;  // one double
    private final boolean ownsBaseline;

    /** A context for a model of {@code depth} latent layers on {@code backend}, with β = 1. */
    public ObjectiveContext(Backend backend, int depth) {
        this(backend, depth, null);
    }

    /** A context whose REINFORCE baseline is {@code sharedBaseline} (two floats holding a double), or its own. */
    ObjectiveContext(Backend backend, int depth, Tensor sharedBaseline) {
        this.be = backend;
        this.depth = depth;
        try (MemoryScope own = MemoryScope.open()) {
            beta = be.full(1f, 1);
            statistics = be.zeros(NativeCodes.STEP_KL + depth);
            layerBeta = be.zeros(Math.max(depth, 1));
            baseline = sharedBaseline != null ? sharedBaseline : newBaseline(be);
            own.detachAll();
        }
        ownsBaseline = sharedBaseline == null;
    }

    /** A REINFORCE baseline: one double, NaN (no mean yet). */
    static Tensor newBaseline(Backend be) {
        Tensor t = be.empty(2);
        be.kernels().copyFromHost(new double[] {Double.NaN}, 0, t.address(), 1);
        return t;
    }

    public Backend backend() {
        return be;
    }

    /** This step's KL weight β (one float). */
    public Tensor beta() {
        return beta;
    }

    /** Writes β for the next step (in stream order). */
    public void setBeta(double b) {
        if (!(b >= 0) || Double.isInfinite(b)) {
            throw new IllegalArgumentException("KL weight beta must be finite and >= 0, got " + b);
        }
        be.fill(beta, (float) b);
    }

    /** The statistics vector: objective, reconstruction, loss, then the KL mean of each layer (bottom-up). */
    public Tensor statistics() {
        return statistics;
    }

    /** The address of statistics slot {@code slot} (codes.h hvae4j_step_value). */
    long slot(int slot) {
        return statistics.address() + (long) Float.BYTES * slot;
    }

    /** A one-float view of slot {@code slot}. */
    Tensor slotView(int slot) {
        return statistics.view(slot, 1);
    }

    /** Each layer's KL weight after free bits (written by the ELBO). */
    public Tensor layerBeta() {
        return layerBeta;
    }

    /** REINFORCE's running baseline (one double in two floats; NaN before the first step). */
    public Tensor baseline() {
        return baseline;
    }

    /** The baseline's value (synchronizes). */
    public double baselineValue() {
        double[] d = new double[1];
        be.kernels().copyToHost(baseline.address(), d, 0, 1);
        return d[0];
    }

    /** Sets the baseline (restoring a checkpoint; NaN: none yet). */
    public void setBaseline(double value) {
        be.kernels().copyFromHost(new double[] {value}, 0, baseline.address(), 1);
    }

    public int depth() {
        return depth;
    }

    /** The statistics of the last objective evaluation, with no gradient norm (synchronizes). */
    public StepResult result() {
        float[] s = statistics.toArray();
        double[] kl = new double[depth];
        for (int l = 0; l < depth; l++) {
            kl[l] = s[NativeCodes.STEP_KL + l];
        }
        return new StepResult(s[NativeCodes.STEP_OBJECTIVE], s[NativeCodes.STEP_RECONSTRUCTION], kl,
                s[NativeCodes.STEP_LOSS], Double.NaN, false);
    }

    @Override
    public void close() {
        beta.close();
        statistics.close();
        layerBeta.close();
        if (ownsBaseline) {
            baseline.close();
        }
    }
}
