package org.hvae4j.latent;

import java.util.Locale;
import org.hvae4j.bridge.NativeCodes;

/**
 * How gradients reach the logits of a Bernoulli latent through its 0/1 sample.
 * <ul>
 *   <li>{@link #straightThrough()}: hard sample; the gradient passes as if z were the logit (dz/dl = 1).</li>
 *   <li>{@link #straightThroughSigmoid()}: hard sample; dz/dl = σ'(l), as if z were the probability σ(l).</li>
 *   <li>{@link #concrete(float)}: the relaxed sample σ((l − logit u)/τ) forward and backward (Maddison et al.;
 *       Jang et al.): biased towards the relaxation, not the discrete model.</li>
 *   <li>{@link #straightThroughGumbel(float)}: hard sample forward, the relaxation's derivative backward.</li>
 *   <li>{@link #reinforce()}: hard sample; the score (z − σ(l)) times a learning signal (reward minus baseline)
 *       the caller supplies: unbiased, high variance.</li>
 * </ul>
 */
public record Estimator(Kind kind, float temperature) {
    public enum Kind { STRAIGHT_THROUGH, STRAIGHT_THROUGH_SIGMOID, CONCRETE, STRAIGHT_THROUGH_GUMBEL, REINFORCE }

    public Estimator {
        if (kind == null) {
            throw new IllegalArgumentException("estimator kind must not be null");
        }
        boolean relaxed = kind == Kind.CONCRETE || kind == Kind.STRAIGHT_THROUGH_GUMBEL;
        if (relaxed && !(temperature > 0 && Float.isFinite(temperature))) {
            throw new IllegalArgumentException("temperature of " + kind + " must be positive and finite, got "
                    + temperature);
        }
    }

    public static Estimator straightThrough() {
        return new Estimator(Kind.STRAIGHT_THROUGH, 1f);
    }

    public static Estimator straightThroughSigmoid() {
        return new Estimator(Kind.STRAIGHT_THROUGH_SIGMOID, 1f);
    }

    public static Estimator concrete(float temperature) {
        return new Estimator(Kind.CONCRETE, temperature);
    }

    public static Estimator straightThroughGumbel(float temperature) {
        return new Estimator(Kind.STRAIGHT_THROUGH_GUMBEL, temperature);
    }

    public static Estimator reinforce() {
        return new Estimator(Kind.REINFORCE, 1f);
    }

    /** The native code of the estimator (codes.h, read through JavaCPP). */
    public int code() {
        return switch (kind) {
            case STRAIGHT_THROUGH -> NativeCodes.BERNOULLI_ST_IDENTITY;
            case STRAIGHT_THROUGH_SIGMOID -> NativeCodes.BERNOULLI_ST_SIGMOID;
            case CONCRETE -> NativeCodes.BERNOULLI_CONCRETE;
            case STRAIGHT_THROUGH_GUMBEL -> NativeCodes.BERNOULLI_ST_GUMBEL;
            case REINFORCE -> NativeCodes.BERNOULLI_REINFORCE;
        };
    }

    /** True when the forward sample is the relaxed value in (0, 1) rather than 0/1. */
    public boolean relaxedSample() {
        return kind == Kind.CONCRETE;
    }

    /** Parses st, st-sigmoid, concrete[:tau], st-gumbel[:tau], reinforce. */
    public static Estimator parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("estimator name must not be null");
        }
        String[] p = s.trim().toLowerCase(Locale.ROOT).split(":", 2);
        float tau = 1f;
        if (p.length == 2) {
            try {
                tau = Float.parseFloat(p[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad temperature in estimator '" + s + "'");
            }
        }
        return switch (p[0]) {
            case "st", "straight-through" -> straightThrough();
            case "st-sigmoid", "straight-through-sigmoid" -> straightThroughSigmoid();
            case "concrete", "gumbel-sigmoid" -> concrete(tau);
            case "st-gumbel", "straight-through-gumbel" -> straightThroughGumbel(tau);
            case "reinforce" -> reinforce();
            default -> throw new IllegalArgumentException("unknown estimator '" + s
                    + "' (expected st, st-sigmoid, concrete[:tau], st-gumbel[:tau], reinforce)");
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case STRAIGHT_THROUGH -> "st";
            case STRAIGHT_THROUGH_SIGMOID -> "st-sigmoid";
            case CONCRETE -> "concrete:" + temperature;
            case STRAIGHT_THROUGH_GUMBEL -> "st-gumbel:" + temperature;
            case REINFORCE -> "reinforce";
        };
    }
}
