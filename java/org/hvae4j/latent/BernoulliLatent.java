package org.hvae4j.latent;

import static org.hvae4j.latent.Checks.*;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A layer of independent binary latents on logits: q(z|·) = Bernoulli(σ(lq)), prior Bernoulli(σ(lp)) with logits
 * from a network or a constant probability. {@link #sample} draws the hard 0/1 sample (or the relaxed one for the
 * Concrete estimator) and computes the analytic Bernoulli KL, log q(z) and log p(z) per row; {@link #backward}
 * returns logit gradients by the chosen {@link Estimator}, regenerating the uniforms from the {@link Noise}.
 */
public final class BernoulliLatent {
    private final int size;
    private final Estimator estimator;

    private BernoulliLatent(int size, Estimator estimator) {
        if (size <= 0) {
            throw new IllegalArgumentException("Bernoulli latent size must be positive, got " + size);
        }
        if (estimator == null) {
            throw new IllegalArgumentException("estimator must not be null");
        }
        this.size = size;
        this.estimator = estimator;
    }

    public static BernoulliLatent of(int size, Estimator estimator) {
        return new BernoulliLatent(size, estimator);
    }

    public int size() {
        return size;
    }

    public Estimator estimator() {
        return estimator;
    }

    /** The logit of a constant prior probability p in (0, 1). */
    public static float logitOf(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("prior probability must be in (0, 1), got " + p);
        }
        return (float) Math.log(p / (1 - p));
    }

    private int check(Backend be, Tensor qLogits, Tensor pLogits, String op) {
        open(be, qLogits, op, "qLogits");
        int rows = qLogits.rows();
        matrix(be, qLogits, rows, size, op, "qLogits");
        optionalMatrix(be, pLogits, rows, size, op, "pLogits");
        return rows;
    }

    /**
     * Draws z with prior logits {@code pLogits}, or when null the constant prior logit {@code pLogit}
     * ({@link #logitOf}; 0 is p = ½).
     */
    public LatentSample sample(Tensor qLogits, Tensor pLogits, float pLogit, Noise noise) {
        Backend be = qLogits.backend();
        int rows = qLogits.rows();
        LatentSample out = new LatentSample(be.empty(rows, size), be.empty(rows), be.empty(rows), be.empty(rows));
        try {
            sample(qLogits, pLogits, pLogit, noise, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    public void sample(Tensor qLogits, Tensor pLogits, float pLogit, Noise noise, LatentSample out) {
        Backend be = qLogits.backend();
        String op = "BernoulliLatent.sample";
        int rows = check(be, qLogits, pLogits, op);
        matrix(be, out.z(), rows, size, op, "z");
        optionalPerRow(be, out.kl(), rows, op, "kl");
        optionalPerRow(be, out.logq(), rows, op, "logq");
        optionalPerRow(be, out.logp(), rows, op, "logp");
        if (!Float.isFinite(pLogit)) {
            throw new IllegalArgumentException(op + ": prior logit must be finite, got " + pLogit);
        }
        be.kernels().bernoulliForward(rows, size, estimator.code(), estimator.temperature(), qLogits.address(),
                addr(pLogits), pLogit, noise.seed(), noise.offset(), noise.offsetSource(), out.z().address(), addr(out.kl()),
                addr(out.logq()), addr(out.logp()));
    }

    /**
     * Writes the logit gradients of Σ dz⊙z + Σ_r (w.kl·KL + w.logq·log q + w.logp·log p), with dz/dlq given by the
     * estimator; for REINFORCE, {@code signal} (per row: reward minus baseline) multiplies the score z − σ(lq) and
     * dz is ignored. {@code dpLogits} is used only when {@code pLogits} is given. Either gradient may be left out
     * (null): the kernel then skips its arithmetic.
     */
    public void backward(Tensor qLogits, Tensor pLogits, float pLogit, Noise noise, Tensor dz, RowWeights w,
            Tensor signal, Tensor dqLogits, Tensor dpLogits) {
        Backend be = qLogits.backend();
        String op = "BernoulliLatent.backward";
        int rows = check(be, qLogits, pLogits, op);
        optionalMatrix(be, dz, rows, size, op, "dz");
        optionalPerRow(be, w.kl(), rows, op, "w.kl");
        optionalPerRow(be, w.logq(), rows, op, "w.logq");
        optionalPerRow(be, w.logp(), rows, op, "w.logp");
        if (estimator.kind() == Estimator.Kind.REINFORCE) {
            perRow(be, signal, rows, op, "signal (REINFORCE needs a learning signal per row)");
        } else {
            optionalPerRow(be, signal, rows, op, "signal");
        }
        optionalMatrix(be, dqLogits, rows, size, op, "dqLogits");
        if (pLogits != null) {
            optionalMatrix(be, dpLogits, rows, size, op, "dpLogits");
        }
        be.kernels().bernoulliBackward(rows, size, estimator.code(), estimator.temperature(), qLogits.address(),
                addr(pLogits), pLogit, noise.seed(), noise.offset(), noise.offsetSource(), addr(dz), addr(w.kl()), addr(w.logq()),
                addr(w.logp()), addr(signal), addr(dqLogits), pLogits == null ? 0 : addr(dpLogits));
    }
}
