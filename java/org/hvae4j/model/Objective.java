package org.hvae4j.model;

import java.util.Locale;

/**
 * What training maximizes.
 * <ul>
 *   <li>{@link #elbo()}: the ELBO, log p(x|z) − Σ_l KL_l with one KL term per latent layer (analytic where
 *       posterior and prior share parents, Monte-Carlo otherwise), optionally with free bits per layer
 *       ({@link #withFreeBits}: a layer whose batch-mean KL is under the threshold gets no KL gradient).</li>
 *   <li>{@link #iwae(int)}: the importance-weighted bound log (1/k) Σ_s w_s (Burda et al. 2015).</li>
 *   <li>{@link #iwaeDreg(int)}: the same bound with doubly reparameterized gradients for the encoder (Tucker et
 *       al. 2018): inference-network gradients weighted by w̃², through z only; bottom-up, Gaussian latents.</li>
 * </ul>
 * Bernoulli layers whose estimator is REINFORCE get score-function gradients with a running-mean baseline; that
 * is implemented for the ELBO.
 */
public record Objective(Kind kind, int k, double freeBits) {
    public enum Kind { ELBO, IWAE, IWAE_DREG }

    public Objective {
        if (kind == null) {
            throw new IllegalArgumentException("objective kind must not be null");
        }
        if (k < 1) {
            throw new IllegalArgumentException("number of importance samples k must be >= 1, got " + k);
        }
        if (kind == Kind.ELBO && k != 1) {
            throw new IllegalArgumentException("the ELBO uses one sample (k = 1); use iwae(k) for k > 1");
        }
        if (!(freeBits >= 0) || Double.isInfinite(freeBits)) {
            throw new IllegalArgumentException("free bits must be finite and >= 0, got " + freeBits);
        }
        if (freeBits > 0 && kind != Kind.ELBO) {
            throw new IllegalArgumentException("free bits apply to the ELBO's KL terms, not to " + kind);
        }
    }

    public static Objective elbo() {
        return new Objective(Kind.ELBO, 1, 0);
    }

    public static Objective iwae(int k) {
        return new Objective(Kind.IWAE, k, 0);
    }

    public static Objective iwaeDreg(int k) {
        return new Objective(Kind.IWAE_DREG, k, 0);
    }

    /** The ELBO with a free-bits floor of {@code nats} per layer (Kingma et al. 2016). */
    public Objective withFreeBits(double nats) {
        return new Objective(kind, k, nats);
    }

    /** Parses "elbo", "iwae:K", "iwae-dreg:K" (K defaults to 5). */
    public static Objective parse(String s) {
        String[] p = (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)).split(":", 2);
        int k = 5;
        if (p.length == 2) {
            try {
                k = Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad k in objective '" + s + "'");
            }
        }
        return switch (p[0]) {
            case "elbo" -> elbo();
            case "iwae" -> iwae(k);
            case "iwae-dreg", "dreg" -> iwaeDreg(k);
            default -> throw new IllegalArgumentException("unknown objective '" + s
                    + "' (expected elbo, iwae:K or iwae-dreg:K)");
        };
    }

    /** Checks that this objective can train {@code spec}; the message names what does not fit. */
    public void validateFor(ModelSpec spec) {
        if (spec.usesReinforce() && kind != Kind.ELBO) {
            throw new IllegalArgumentException("REINFORCE latents are trained with the ELBO objective, not " + this);
        }
        if (kind == Kind.IWAE_DREG) {
            if (spec.inference() != Inference.BOTTOM_UP) {
                throw new IllegalArgumentException("DReG gradients are implemented for bottom-up inference, not "
                        + spec.inference());
            }
            if (!spec.latents().stream().allMatch(LatentSpec::isGaussian)) {
                throw new IllegalArgumentException("DReG needs reparameterized (Gaussian) latents");
            }
        }
    }

    @Override
    public String toString() {
        String base = switch (kind) {
            case ELBO -> "elbo";
            case IWAE -> "iwae:" + k;
            case IWAE_DREG -> "iwae-dreg:" + k;
        };
        return freeBits > 0 ? base + " (free bits " + freeBits + ")" : base;
    }
}
