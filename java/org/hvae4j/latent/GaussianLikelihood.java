package org.hvae4j.latent;

import static org.hvae4j.latent.Checks.*;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Gaussian observations: log p(x|μ, σ²) per row, with σ fixed ({@link #fixed}, one head: the mean), a learned
 * log-variance per element ({@link #learned}, two heads: mean and log σ² — flexible, but a variance that depends on
 * z can collapse onto well-fit points and destabilize training), or a learned log-variance per dimension shared by
 * all examples ({@link #shared}, one head: the mean; the model holds the log σ² vector, as in PPCA and factor
 * analysis). The likelihood's parameter tensors are the mean and, unless σ is fixed, a [rows, dim] log-variance.
 */
public record GaussianLikelihood(boolean learnedVariance, boolean perDimension, float logVariance) implements Likelihood {
    public GaussianLikelihood {
        if (!Float.isFinite(logVariance)) {
            throw new IllegalArgumentException("log-variance must be finite, got " + logVariance);
        }
    }

    public static GaussianLikelihood fixed(double sigma) {
        if (!(sigma > 0 && Double.isFinite(sigma))) {
            throw new IllegalArgumentException("Gaussian likelihood sigma must be positive and finite, got " + sigma);
        }
        return new GaussianLikelihood(false, false, (float) (2 * Math.log(sigma)));
    }

    public static GaussianLikelihood learned() {
        return new GaussianLikelihood(true, false, 0f);
    }

    /** A learned log-variance per dimension, the same for every example. */
    public static GaussianLikelihood shared() {
        return new GaussianLikelihood(true, true, 0f);
    }

    @Override
    public int heads() {
        return learnedVariance && !perDimension ? 2 : 1;
    }

    /** Tensors {@link #logProb} takes: the mean, and the log-variance unless σ is fixed. */
    public int parameterTensors() {
        return learnedVariance ? 2 : 1;
    }

    private Tensor logVar(List<Tensor> params) {
        return learnedVariance ? params.get(1) : null;
    }

    private void check(Backend be, List<Tensor> params, Tensor x, String op) {
        Tensor mu = params.get(0);
        targets(be, mu, "mean", x, op);
        if (params.size() != parameterTensors()) {
            throw new IllegalArgumentException(op + ": expected " + parameterTensors() + " parameter tensors, got "
                    + params.size());
        }
        optionalMatrix(be, logVar(params), mu.rows(), mu.cols(), op, "logVar");
    }

    @Override
    public void logProb(List<Tensor> params, Tensor x, Noise noise, Tensor logp) {
        Tensor mu = params.get(0);
        Backend be = mu.backend();
        check(be, params, x, "GaussianLikelihood.logProb");
        perRow(be, logp, mu.rows(), "GaussianLikelihood.logProb", "logp");
        be.kernels().gaussianLikelihoodForward(mu.rows(), mu.cols(), x.rows(), mu.address(), addr(logVar(params)),
                logVariance, x.address(), logp.address());
    }

    @Override
    public void backward(List<Tensor> params, Tensor x, Noise noise, Tensor w, List<Tensor> dParams) {
        Tensor mu = params.get(0);
        Backend be = mu.backend();
        String op = "GaussianLikelihood.backward";
        check(be, params, x, op);
        perRow(be, w, mu.rows(), op, "w");
        matrix(be, dParams.get(0), mu.rows(), mu.cols(), op, "dMu");
        if (learnedVariance) {
            matrix(be, dParams.get(1), mu.rows(), mu.cols(), op, "dLogVar");
        }
        be.kernels().gaussianLikelihoodBackward(mu.rows(), mu.cols(), x.rows(), mu.address(), addr(logVar(params)),
                logVariance, x.address(), w.address(), dParams.get(0).address(),
                learnedVariance ? dParams.get(1).address() : 0);
    }

    @Override
    public Tensor mean(List<Tensor> params) {
        Tensor mu = params.get(0);
        Tensor m = mu.backend().empty(mu.rows(), mu.cols());
        mu.backend().copy(mu, m);
        return m;
    }

    @Override
    public String toString() {
        return perDimension ? "gaussian-shared" : learnedVariance ? "gaussian" : "gaussian:" + Math.exp(0.5 * logVariance);
    }
}
