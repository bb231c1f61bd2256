package org.hvae4j.latent;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/**
 * The decoder's distribution p(x|z): {@link #logProb} writes log p(x|z) per row, {@link #backward} the gradient of
 * Σ_r w[r]·log p_r for each parameter head, in one pass each. The decoder produces {@link #heads()} tensors of
 * [rows, dim] (Bernoulli: logits; Gaussian: mean, plus log-variance when learned). Targets x may have fewer rows
 * than the parameters (rows must be a multiple): row r is scored against x row r mod x.rows(), so k importance
 * samples share one copy of the batch.
 */
public sealed interface Likelihood permits BernoulliLikelihood, GaussianLikelihood {
    /** Number of parameter tensors the decoder network must produce (see also the Gaussian's shared variance). */
    int heads();

    void logProb(List<Tensor> params, Tensor x, Noise noise, Tensor logp);

    void backward(List<Tensor> params, Tensor x, Noise noise, Tensor w, List<Tensor> dParams);

    /** The mean of p(x|·) for these parameters: the probabilities of a Bernoulli, the mean of a Gaussian (new). */
    Tensor mean(List<Tensor> params);

    /** A new [rows] tensor of log p(x|z). */
    default Tensor logProb(List<Tensor> params, Tensor x, Noise noise) {
        Tensor out = params.get(0).backend().empty(params.get(0).rows());
        try {
            logProb(params, x, noise, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /**
     * Parses "bernoulli", "bernoulli-binarized", "gaussian" (learned variance per element), "gaussian-shared"
     * (learned variance per dimension) or "gaussian:SIGMA" (fixed).
     */
    static Likelihood parse(String s) {
        String n = s == null ? "" : s.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("bernoulli")) {
            return BernoulliLikelihood.of(false);
        }
        if (n.equals("bernoulli-binarized") || n.equals("bernoulli-dynamic")) {
            return BernoulliLikelihood.of(true);
        }
        if (n.equals("gaussian")) {
            return GaussianLikelihood.learned();
        }
        if (n.equals("gaussian-shared")) {
            return GaussianLikelihood.shared();
        }
        if (n.startsWith("gaussian:")) {
            try {
                return GaussianLikelihood.fixed(Double.parseDouble(n.substring(9)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad sigma in likelihood '" + s + "'");
            }
        }
        throw new IllegalArgumentException("unknown likelihood '" + s
                + "' (expected bernoulli, bernoulli-binarized, gaussian, gaussian-shared, gaussian:SIGMA)");
    }
}
