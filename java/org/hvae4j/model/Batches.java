package org.hvae4j.model;

import java.util.Arrays;
import org.hvae4j.data.Dataset;
import org.hvae4j.tensor.Tensor;

/**
 * Host batches into device buffers: the features, and the conditions c of a conditional model (a class label fed
 * one-hot, or the rows' condition vectors).
 */
final class Batches {
    final Tensor x;
    final Tensor c;
    private final float[] oneHot;
    private final Hvae model;

    /** Loads into the given buffers (c null for an unconditional model). */
    Batches(Hvae model, Tensor x, Tensor c) {
        this.model = model;
        this.x = x;
        this.c = c;
        int cd = model.spec().conditioningDim();
        this.oneHot = c != null && model.spec().conditioningOneHot() ? new float[x.rows() * cd] : null;
    }

    /**
     * Checks that {@code data} can feed the model: its columns, its labels or condition vectors for a conditional
     * model, finite values, and at least {@code minRows} rows (0: any).
     */
    static void check(Hvae model, Dataset data, int minRows) {
        ModelSpec spec = model.spec();
        if (data.cols() != spec.inputDim()) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.cols()
                    + " columns but the model's input has " + spec.inputDim());
        }
        if (spec.conditional() && spec.conditioningOneHot()) {
            if (!data.hasLabels()) {
                throw new IllegalArgumentException("the model is conditioned on a class label but dataset '"
                        + data.name() + "' has no labels");
            }
            if (data.numClasses() > spec.conditioningDim()) {
                throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.numClasses()
                        + " classes but the model's conditioning has " + spec.conditioningDim());
            }
        } else if (spec.conditional()) {
            if (!data.hasConditions()) {
                throw new IllegalArgumentException("the model is conditioned on a vector of " + spec.conditioningDim()
                        + " values but dataset '" + data.name() + "' has no condition vectors "
                        + "(Dataset.withConditions)");
            }
            if (data.conditionDim() != spec.conditioningDim()) {
                throw new IllegalArgumentException("dataset '" + data.name() + "' has condition vectors of "
                        + data.conditionDim() + " values but the model is conditioned on " + spec.conditioningDim());
            }
        }
        long bad = data.firstNonFinite();
        if (bad >= 0) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has a non-finite value ("
                    + data.features()[(int) bad] + ") at row " + bad / data.cols() + ", column " + bad % data.cols());
        }
        if (spec.likelihood() instanceof org.hvae4j.latent.BernoulliLikelihood) {
            long out = data.firstOutsideUnitInterval();
            if (out >= 0) {
                throw new IllegalArgumentException("dataset '" + data.name() + "' has the value "
                        + data.features()[(int) out] + " at row " + out / data.cols() + ", column " + out % data.cols()
                        + ", outside [0, 1]: the model's Bernoulli likelihood scores values in [0, 1] only (scale the "
                        + "data to [0, 1], or train a model with a Gaussian likelihood)");
            }
        }
        if (data.rows() < minRows) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.rows()
                    + " rows, fewer than one batch of " + minRows);
        }
    }

    /** Loads a batch: features, and labels (one-hot) or condition vectors for a conditional model. */
    void load(float[] features, int[] labels, float[] conditions) {
        model.backend().copyFrom(features, x);
        if (c == null) {
            return;
        }
        if (oneHot == null) {
            model.backend().copyFrom(conditions, c);
            return;
        }
        int cd = model.spec().conditioningDim();
        Arrays.fill(oneHot, 0f);
        for (int i = 0; i < x.rows(); i++) {
            oneHot[i * cd + labels[i]] = 1f;
        }
        model.backend().copyFrom(oneHot, c);
    }
}
