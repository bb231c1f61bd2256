package org.hvae4j.model;

import java.util.EnumSet;
import org.hvae4j.latent.ImportanceWeights;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/** Turns a forward pass into the objective's value, its per-row gradient weights, and the backward passes. */
final class Objectives {
    private Objectives() {}

    static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }

    /**
     * Evaluates the objective on {@code ps} and, when {@code train}, accumulates parameter gradients.
     * {@code beta} is the KL warm-up factor (ELBO only); {@code baseline} holds the REINFORCE running mean.
     */
    static StepResult run(Hvae m, Hvae.Pass ps, Objective obj, double beta, double[] baseline, boolean train) {
        Backend be = m.be;
        int depth = m.depth;
        double[] kl = new double[depth];
        double recon = mean(ps.logpx.toArray());
        if (obj.kind() == Objective.Kind.ELBO) {
            float[][] terms = new float[depth][];
            for (int l = 0; l < depth; l++) {
                terms[l] = ps.klTerm(l).toArray();
                kl[l] = mean(terms[l]);
            }
            double elbo = recon;
            double loss = -recon;
            double[] betaL = new double[depth];
            for (int l = 0; l < depth; l++) {
                elbo -= kl[l];
                betaL[l] = obj.freeBits() > 0 && kl[l] < obj.freeBits() ? 0 : beta;
                // A Monte-Carlo KL term can be negative on a batch: clamp only when free bits are asked for.
                loss += beta * (obj.freeBits() > 0 ? Math.max(kl[l], obj.freeBits()) : kl[l]);
            }
            if (train) {
                Hvae.Weights w = elboWeights(m, ps, betaL);
                reinforceSignals(m, ps, w, terms, betaL, baseline);
                m.backward(ps, w, EnumSet.allOf(Param.Role.class));
            }
            return new StepResult(elbo, recon, kl, loss, Double.NaN, false);
        }
        Tensor logw = ps.logWeights();
        Tensor bound = be.empty(ps.batch), wnorm = be.empty(ps.rows), wsq = be.empty(ps.rows);
        ImportanceWeights.compute(logw, ps.k, bound, wnorm, wsq);
        for (int l = 0; l < depth; l++) {
            float[] lq = ps.z[l].logq().toArray(), lp = ps.z[l].logp().toArray();
            double s = 0;
            for (int i = 0; i < lq.length; i++) {
                s += lq[i] - lp[i];
            }
            kl[l] = s / lq.length;
        }
        double value = mean(bound.toArray());
        if (train) {
            iwaeBackward(m, ps, obj, wnorm, wsq);
        }
        return new StepResult(value, recon, kl, -value, Double.NaN, false);
    }

    /** Weights of −ELBO/B with per-layer KL factors betaL: −1/B on log p(x|z), βₗ/B on each KL term. */
    private static Hvae.Weights elboWeights(Hvae m, Hvae.Pass ps, double[] betaL) {
        Backend be = m.be;
        int b = ps.batch;
        Hvae.Weights w = new Hvae.Weights(m.depth);
        w.lik = be.full(-1f / b, ps.rows);
        for (int l = 0; l < m.depth; l++) {
            float s = (float) (betaL[l] / b);
            if (ps.analyticKl[l]) {
                w.kl[l] = be.full(s, ps.rows);
            } else {
                w.logq[l] = be.full(s, ps.rows);
                w.logp[l] = be.full(-s, ps.rows);
            }
        }
        return w;
    }

    /** Slots of the statistics a device-resident step leaves in device memory (then one KL per layer). */
    static final int STAT_OBJECTIVE = 0;
    static final int STAT_RECONSTRUCTION = 1;
    static final int STAT_LOSS = 2;
    static final int STAT_KL = 3;

    /**
     * {@link #run} for training, reading nothing on the host, so that a captured CUDA graph can replay it: the
     * objective, reconstruction term, loss and per-layer KL means go to the floats at {@code stats} (see the STAT_
     * slots), in float arithmetic. The caller guarantees β = 1, no free bits and no REINFORCE layer (those decide
     * on the host).
     */
    static void runOnDevice(Hvae m, Hvae.Pass ps, Objective obj, long stats) {
        Backend be = m.be;
        var k = be.kernels();
        int depth = m.depth;
        long obj0 = stats + 4L * STAT_OBJECTIVE, loss = stats + 4L * STAT_LOSS;
        meanInto(ps.logpx, stats + 4L * STAT_RECONSTRUCTION);
        if (obj.kind() == Objective.Kind.ELBO) {
            k.axpby(1f, stats + 4L * STAT_RECONSTRUCTION, 0f, obj0, 1);
            double[] betaL = new double[depth];
            for (int l = 0; l < depth; l++) {
                long kl = stats + 4L * (STAT_KL + l);
                meanInto(ps.klTerm(l), kl);
                k.axpby(-1f, kl, 1f, obj0, 1);
                betaL[l] = 1;
            }
            k.axpby(-1f, obj0, 0f, loss, 1);
            m.backward(ps, elboWeights(m, ps, betaL), EnumSet.allOf(Param.Role.class));
            return;
        }
        Tensor logw = ps.logWeights();
        Tensor bound = be.empty(ps.batch), wnorm = be.empty(ps.rows), wsq = be.empty(ps.rows);
        ImportanceWeights.compute(logw, ps.k, bound, wnorm, wsq);
        for (int l = 0; l < depth; l++) {
            Tensor d = be.empty(ps.rows);
            be.axpby(1f, ps.z[l].logq(), 0f, d);
            be.axpby(-1f, ps.z[l].logp(), 1f, d);
            meanInto(d, stats + 4L * (STAT_KL + l));
        }
        meanInto(bound, obj0);
        k.axpby(-1f, obj0, 0f, loss, 1);
        iwaeBackward(m, ps, obj, wnorm, wsq);
    }

    /**
     * The backward passes of an importance-weighted objective: IWAE weights every parameter by w̃; DReG weights the
     * generative parameters by w̃ and the inference parameters by w̃² along the path through z only.
     */
    private static void iwaeBackward(Hvae m, Hvae.Pass ps, Objective obj, Tensor wnorm, Tensor wsq) {
        if (obj.kind() == Objective.Kind.IWAE) {
            m.backward(ps, iwaeWeights(m, ps, wnorm, false), EnumSet.allOf(Param.Role.class));
        } else {
            m.backward(ps, iwaeWeights(m, ps, wnorm, false), EnumSet.of(Param.Role.GENERATIVE));
            m.backward(ps, iwaeWeights(m, ps, wsq, true), EnumSet.of(Param.Role.INFERENCE));
        }
    }

    /** The mean of every element of t, into the float at {@code address} (device memory; no host read). */
    private static void meanInto(Tensor t, long address) {
        t.backend().kernels().sumCols(t.address(), 1, t.numel(), 1f / t.numel(), 0f, address);
    }

    /** Weights for Σ_b −bound_b / B: each row's log w gets −w̃/B (or −w̃²/B for DReG's encoder pass). */
    private static Hvae.Weights iwaeWeights(Hvae m, Hvae.Pass ps, Tensor normalized, boolean pathOnly) {
        Backend be = m.be;
        Hvae.Weights w = new Hvae.Weights(m.depth);
        Tensor omega = be.empty(ps.rows), minus = be.empty(ps.rows);
        be.axpby(-1f / ps.batch, normalized, 0f, omega);
        be.axpby(1f / ps.batch, normalized, 0f, minus);
        w.lik = omega;
        for (int l = 0; l < m.depth; l++) {
            w.logp[l] = omega;
            w.logq[l] = minus;
        }
        w.logqPathOnly = pathOnly;
        return w;
    }

    /**
     * REINFORCE layers: the learning signal of row r is −(ℓ_r − b)/B with ℓ_r = log p(x|z) − Σ β_l·KL_l,r (the
     * loss's per-row value) and b a running mean of ℓ, which keeps the estimator unbiased and lowers its variance.
     */
    private static void reinforceSignals(Hvae m, Hvae.Pass ps, Hvae.Weights w, float[][] terms, double[] betaL,
            double[] baseline) {
        if (!m.spec.usesReinforce()) {
            return;
        }
        float[] lpx = ps.logpx.toArray();
        float[] signal = new float[ps.rows];
        double meanL = 0;
        for (int r = 0; r < ps.rows; r++) {
            double v = lpx[r];
            for (int l = 0; l < m.depth; l++) {
                v -= betaL[l] * terms[l][r];
            }
            signal[r] = (float) v;
            meanL += v;
        }
        meanL /= ps.rows;
        double b = Double.isNaN(baseline[0]) ? meanL : baseline[0];
        for (int r = 0; r < ps.rows; r++) {
            signal[r] = (float) (-(signal[r] - b) / ps.batch);
        }
        baseline[0] = Double.isNaN(baseline[0]) ? meanL : 0.9 * baseline[0] + 0.1 * meanL;
        Tensor s = m.be.fromArray(signal, ps.rows);
        for (int l = 0; l < m.depth; l++) {
            if (m.lat[l].usesReinforce()) {
                w.signal[l] = s;
            }
        }
    }
}
