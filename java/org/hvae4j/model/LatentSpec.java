package org.hvae4j.model;

import org.hvae4j.latent.BernoulliLayer;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.GaussianLayer;
import org.hvae4j.latent.LatentLayer;

/**
 * One stochastic layer: Gaussian (reparameterized) or Bernoulli (with a gradient {@link Estimator}), of
 * {@code size} units.
 */
public record LatentSpec(Type type, int size, Estimator estimator) {
    public enum Type { GAUSSIAN, BERNOULLI }

    public LatentSpec {
        if (type == null) {
            throw new IllegalArgumentException("latent type must not be null");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("latent size must be positive, got " + size);
        }
        if (type == Type.BERNOULLI && estimator == null) {
            throw new IllegalArgumentException("a Bernoulli latent needs a gradient estimator");
        }
        if (type == Type.GAUSSIAN) {
            estimator = null;
        }
    }

    public static LatentSpec gaussian(int size) {
        return new LatentSpec(Type.GAUSSIAN, size, null);
    }

    public static LatentSpec bernoulli(int size, Estimator estimator) {
        return new LatentSpec(Type.BERNOULLI, size, estimator);
    }

    public boolean isGaussian() {
        return type == Type.GAUSSIAN;
    }

    /** A Bernoulli layer trained with score-function (REINFORCE) gradients. */
    public boolean usesReinforce() {
        return !isGaussian() && estimator.kind() == org.hvae4j.latent.Estimator.Kind.REINFORCE;
    }

    /** The latent layer this describes (the one type the model's passes use, chosen here once). */
    public LatentLayer layer() {
        return isGaussian() ? GaussianLayer.of(size) : BernoulliLayer.of(size, estimator);
    }

    @Override
    public String toString() {
        return isGaussian() ? "gaussian(" + size + ")" : "bernoulli(" + size + ", " + estimator + ")";
    }
}
