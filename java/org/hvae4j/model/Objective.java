package org.hvae4j.model;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.latent.ImportanceWeights;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

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
 * is implemented for the ELBO. Each is computed on the device as per-row weights ({@link TrainingObjective}).
 */
public record Objective(Kind kind, int k, double freeBits) implements TrainingObjective {
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

    @Override
    public int samples() {
        return k;
    }

    @Override
    public List<Weights> weights(Pass ps, ObjectiveContext ctx) {
        return kind == Kind.ELBO ? elbo(ps, ctx) : importanceWeighted(ps, ctx);
    }

    /**
     * −ELBO/B with per-layer KL weights βₗ (β, or 0 for a layer under its free bits): −1/B on log p(x|z), βₗ/B on
     * each KL term; REINFORCE layers get the signal −(ℓ_r − b)/B, with ℓ_r = log p(x|z) − Σ βₗ KL_l,r (the loss's
     * per-row value) and b a running mean of ℓ, which keeps the estimator unbiased and lowers its variance.
     */
    private List<Weights> elbo(Pass ps, ObjectiveContext ctx) {
        Backend be = ps.model().backend();
        var kn = be.kernels();
        int depth = ps.depth(), b = ps.batch(), rows = ps.rows();
        kn.rowMeans(1, rows, ps.logLikelihood().address(), ctx.slot(NativeCodes.STEP_RECONSTRUCTION));
        for (int l = 0; l < depth; l++) {
            kn.rowMeans(1, rows, ps.klTerm(l).address(), ctx.slot(NativeCodes.STEP_KL + l));
        }
        kn.elboObjective(depth, ctx.slot(NativeCodes.STEP_RECONSTRUCTION), ctx.slot(NativeCodes.STEP_KL),
                ctx.beta().address(), freeBits, ctx.layerBeta().address(), ctx.slot(NativeCodes.STEP_OBJECTIVE),
                ctx.slot(NativeCodes.STEP_LOSS));
        Weights w = Weights.of(ps).likelihood(be.full(-1f / b, rows));
        for (int l = 0; l < depth; l++) {
            long layerBeta = ctx.layerBeta().address() + (long) Float.BYTES * l;
            Tensor scale = be.empty(rows);
            kn.fillDivided(scale.address(), rows, layerBeta, b);
            if (ps.klIsAnalytic(l)) {
                w.kl(l, scale);
            } else {
                Tensor minus = be.empty(rows);
                kn.fillDivided(minus.address(), rows, layerBeta, -b);
                w.logq(l, scale).logp(l, minus);
            }
        }
        if (ps.model().spec().usesReinforce()) {
            Tensor terms = be.empty(depth, rows);
            for (int l = 0; l < depth; l++) {
                be.copy(ps.klTerm(l), terms.rowsView(l, l + 1));
            }
            Tensor signal = be.empty(rows);
            kn.reinforceSignal(rows, depth, b, ps.logLikelihood().address(), terms.address(),
                    ctx.layerBeta().address(), ctx.baseline().address(), signal.address());
            for (int l = 0; l < depth; l++) {
                if (ps.model().latentLayer(l).usesReinforce()) {
                    w.signal(l, signal);
                }
            }
        }
        return List.of(w);
    }

    /**
     * The importance-weighted bound: IWAE weights every parameter's gradient by w̃ (each row's log w gets −w̃/B);
     * DReG weights the generative parameters by w̃ and the inference parameters by w̃², along the path through z only.
     */
    private List<Weights> importanceWeighted(Pass ps, ObjectiveContext ctx) {
        Backend be = ps.model().backend();
        var kn = be.kernels();
        int depth = ps.depth(), b = ps.batch(), rows = ps.rows();
        Tensor bound = be.empty(b), wnorm = be.empty(rows), wsq = be.empty(rows);
        ImportanceWeights.compute(ps.logWeights(), ps.samples(), bound, wnorm, wsq);
        kn.rowMeans(1, rows, ps.logLikelihood().address(), ctx.slot(NativeCodes.STEP_RECONSTRUCTION));
        for (int l = 0; l < depth; l++) {
            Tensor d = be.empty(rows);
            be.axpby(1f, ps.logq(l), 0f, d);
            be.axpby(-1f, ps.logp(l), 1f, d);
            kn.rowMeans(1, rows, d.address(), ctx.slot(NativeCodes.STEP_KL + l));
        }
        kn.rowMeans(1, b, bound.address(), ctx.slot(NativeCodes.STEP_OBJECTIVE));
        kn.axpby(-1f, ctx.slot(NativeCodes.STEP_OBJECTIVE), 0f, ctx.slot(NativeCodes.STEP_LOSS), 1);
        if (kind == Kind.IWAE) {
            return List.of(importanceWeights(ps, wnorm, false));
        }
        return List.of(importanceWeights(ps, wnorm, false).roles(EnumSet.of(Param.Role.GENERATIVE)),
                importanceWeights(ps, wsq, true).roles(EnumSet.of(Param.Role.INFERENCE)));
    }

    /** Each row's log w gets −w̃/B (or −w̃²/B for DReG's encoder pass): log p terms −, log q terms +. */
    private static Weights importanceWeights(Pass ps, Tensor normalized, boolean pathOnly) {
        Backend be = ps.model().backend();
        Tensor omega = be.empty(ps.rows()), minus = be.empty(ps.rows());
        be.axpby(-1f / ps.batch(), normalized, 0f, omega);
        be.axpby(1f / ps.batch(), normalized, 0f, minus);
        Weights w = Weights.of(ps).likelihood(omega).logqThroughZOnly(pathOnly);
        for (int l = 0; l < ps.depth(); l++) {
            w.logp(l, omega).logq(l, minus);
        }
        return w;
    }

    /**
     * The objective on a pass, computed on the host in double precision from the pass's per-row terms (synchronizes):
     * its value, the reconstruction term, each layer's KL term and the loss minimized at KL weight {@code beta} (free
     * bits applied). What evaluation and finite-difference checks read; training steps use {@link #weights}.
     */
    public StepResult evaluate(Pass ps, double beta) {
        int depth = ps.depth();
        double[] kl = new double[depth];
        double recon = meanOf(ps.logLikelihoodArray());
        if (kind == Kind.ELBO) {
            double elbo = recon, loss = -recon;
            for (int l = 0; l < depth; l++) {
                kl[l] = meanOf(ps.klTermArray(l));
                elbo -= kl[l];
                // A Monte-Carlo KL term can be negative on a batch: clamp only when free bits are asked for.
                loss += beta * (freeBits > 0 ? Math.max(kl[l], freeBits) : kl[l]);
            }
            return new StepResult(elbo, recon, kl, loss, Double.NaN, false);
        }
        for (int l = 0; l < depth; l++) {
            float[] lq = ps.logq(l).toArray(), lp = ps.logp(l).toArray();
            double s = 0;
            for (int i = 0; i < lq.length; i++) {
                s += lq[i] - lp[i];
            }
            kl[l] = s / lq.length;
        }
        double value;
        try (Tensor bound = ImportanceWeights.bound(ps.logWeights(), ps.samples())) {
            value = meanOf(bound.toArray());
        }
        return new StepResult(value, recon, kl, -value, Double.NaN, false);
    }

    private static double meanOf(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }

    /** Checks that this objective can train {@code spec}; the message names what does not fit. */
    @Override
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
