package org.hvae4j.latent;

import java.util.List;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A layer of binary latents with a gradient {@link Estimator} ({@link BernoulliLatent}'s fused operations behind
 * {@link LatentLayer}). Its fixed prior is Bernoulli(½). As a residual posterior its logits are the prior's plus Δ.
 */
public final class BernoulliLayer implements LatentLayer {
    // A temperature-0 draw: logits this many times larger saturate the sigmoid, so the sample is the mode.
    private static final float MODE_SCALE = 1e6f;

    private final BernoulliLatent op;
    private final boolean residual;

    private BernoulliLayer(BernoulliLatent op, boolean residual) {
        this.op = op;
        this.residual = residual;
    }

    public static BernoulliLayer of(int size, Estimator estimator) {
        return new BernoulliLayer(BernoulliLatent.of(size, estimator), false);
    }

    public Estimator estimator() {
        return op.estimator();
    }

    @Override
    public int size() {
        return op.size();
    }

    @Override
    public int parameterCount() {
        return 1;
    }

    @Override
    public boolean reparameterized() {
        return false;
    }

    @Override
    public boolean usesReinforce() {
        return op.estimator().kind() == Estimator.Kind.REINFORCE;
    }

    @Override
    public BernoulliLayer residual() {
        return new BernoulliLayer(op, true);
    }

    @Override
    public boolean isResidual() {
        return residual;
    }

    /** A residual posterior's logits: the prior's plus Δ. */
    @Override
    public List<Tensor> posteriorInputs(List<Tensor> heads, List<Tensor> prior) {
        if (!residual) {
            return heads;
        }
        Backend be = heads.get(0).backend();
        Tensor logits = be.empty(heads.get(0).rows(), size());
        be.axpby(1f, prior.get(0), 0f, logits);
        be.axpby(1f, heads.get(0), 1f, logits);
        return List.of(logits);
    }

    /** q = p + Δ: dΔ = dq, and dq reaches the prior too. */
    @Override
    public List<Tensor> headGradients(List<Tensor> dq, List<Tensor> dPrior) {
        if (residual) {
            dq.get(0).backend().axpby(1f, dq.get(0), 1f, dPrior.get(0));
        }
        return dq;
    }

    @Override
    public void sample(List<Tensor> q, List<Tensor> p, Noise noise, LatentSample out) {
        op.sample(q.get(0), p == null ? null : p.get(0), 0f, noise, out);
    }

    @Override
    public void backward(List<Tensor> q, List<Tensor> p, Noise noise, Tensor dz, RowWeights w, Tensor signal,
            boolean logqPathOnly, List<Tensor> dq, List<Tensor> dp) {
        if (logqPathOnly) {
            throw new IllegalArgumentException("a Bernoulli layer has no reparameterized path for log q");
        }
        op.backward(q.get(0), p == null ? null : p.get(0), 0f, noise, dz, w, signal, dq == null ? null : dq.get(0),
                dp == null ? null : dp.get(0));
    }

    @Override
    public Tensor posteriorMean(List<Tensor> q, List<Tensor> p) {
        Backend be = q.get(0).backend();
        Tensor probs = be.empty(q.get(0).rows(), size());
        be.activation(Activation.SIGMOID, q.get(0), probs);
        return probs;
    }

    @Override
    public Tensor samplePrior(Backend be, List<Tensor> p, int rows, double temperature, Noise noise) {
        Checks.temperature(temperature);
        Tensor logits = p == null ? be.zeros(rows, size()) : p.get(0);
        if (temperature != 1) {
            Tensor t = be.empty(rows, size());
            be.axpby(temperature == 0 ? MODE_SCALE : (float) (1 / temperature), logits, 0f, t);
            logits = t;
        }
        return BernoulliLatent.of(size(), Estimator.straightThrough()).sample(logits, null, 0f, noise).z();
    }

    @Override
    public String toString() {
        return "bernoulli(" + size() + ", " + op.estimator() + (residual ? ", residual" : "") + ")";
    }
}
