package org.hvae4j.latent;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/** A diagonal Gaussian latent layer ({@link GaussianLatent}'s fused operations behind {@link LatentLayer}). */
public final class GaussianLayer implements LatentLayer {
    private final GaussianLatent op;

    private GaussianLayer(GaussianLatent op) {
        this.op = op;
    }

    public static GaussianLayer of(int size) {
        return new GaussianLayer(GaussianLatent.of(size));
    }

    @Override
    public int size() {
        return op.size();
    }

    @Override
    public int parameterCount() {
        return 2;
    }

    @Override
    public boolean reparameterized() {
        return true;
    }

    @Override
    public boolean usesReinforce() {
        return false;
    }

    @Override
    public GaussianLayer residual() {
        return new GaussianLayer(op.residual());
    }

    @Override
    public boolean isResidual() {
        return op.isResidual();
    }

    /** The kernel takes a residual posterior as it is (it adds the prior itself). */
    @Override
    public List<Tensor> posteriorInputs(List<Tensor> heads, List<Tensor> prior) {
        return heads;
    }

    /** The kernel's prior gradient already holds the residual's path. */
    @Override
    public List<Tensor> headGradients(List<Tensor> dq, List<Tensor> dPrior) {
        return dq;
    }

    @Override
    public void sample(List<Tensor> q, List<Tensor> p, Noise noise, LatentSample out) {
        op.rsample(q.get(0), q.get(1), p == null ? null : p.get(0), p == null ? null : p.get(1), noise, out);
    }

    @Override
    public void backward(List<Tensor> q, List<Tensor> p, Noise noise, Tensor dz, RowWeights w, Tensor signal,
            boolean logqPathOnly, List<Tensor> dq, List<Tensor> dp) {
        op.backward(q.get(0), q.get(1), p == null ? null : p.get(0), p == null ? null : p.get(1), noise, dz, w,
                logqPathOnly, dq == null ? null : dq.get(0), dq == null ? null : dq.get(1),
                dp == null ? null : dp.get(0), dp == null ? null : dp.get(1));
    }

    @Override
    public Tensor posteriorMean(List<Tensor> q, List<Tensor> p) {
        Backend be = q.get(0).backend();
        Tensor mu = be.empty(q.get(0).rows(), size());
        be.copy(q.get(0), mu);
        if (isResidual()) {
            be.axpby(1f, p.get(0), 1f, mu);
        }
        return mu;
    }

    @Override
    public Tensor samplePrior(Backend be, List<Tensor> p, int rows, double temperature, Noise noise) {
        Checks.temperature(temperature);
        Tensor mu = p == null ? be.zeros(rows, size()) : p.get(0);
        if (temperature == 0) {
            Tensor z = be.empty(rows, size());
            be.copy(mu, z);
            return z;
        }
        Tensor lv = p == null ? be.zeros(rows, size()) : p.get(1);
        if (temperature != 1) {
            // sigma * tau: log-variance + 2 log tau
            Tensor t = be.full((float) (2 * Math.log(temperature)), rows, size());
            be.axpby(1f, lv, 1f, t);
            lv = t;
        }
        return GaussianLatent.of(size()).rsample(mu, lv, null, null, noise).z();
    }

    @Override
    public String toString() {
        return "gaussian(" + size() + (isResidual() ? ", residual" : "") + ")";
    }
}
