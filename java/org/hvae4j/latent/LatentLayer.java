package org.hvae4j.latent;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A layer of latent variables of one family, chosen once when a model is built: {@link GaussianLayer} (the
 * reparameterized diagonal Gaussian) or {@link BernoulliLayer} (binary units with a gradient {@link Estimator}). The
 * model's passes and the inference schemes call only this interface, so they hold no branch on the family.
 *
 * <p>A distribution is given as a list of parameter tensors ([rows, size] each: μ and log σ², or logits): q for the
 * posterior, p for the prior (null: the layer's fixed prior, the standard normal or Bernoulli(½)). Rows are batch ×
 * samples, sample-major. Every method allocates its results in the caller's {@link org.hvae4j.tensor.MemoryScope}.
 */
public interface LatentLayer {
    /** Number of units. */
    int size();

    /** Number of tensors that parameterize one of its distributions (2 for a Gaussian, 1 for a Bernoulli). */
    int parameterCount();

    /** Whether z is a differentiable function of the parameters and the noise (what DReG gradients need). */
    boolean reparameterized();

    /** Whether the posterior's gradients are score-function (REINFORCE) ones, needing a learning signal. */
    boolean usesReinforce();

    /** This layer with its posterior given as a residual Δ on the prior (NVAE's residual posterior). */
    LatentLayer residual();

    /** Whether the posterior is given as a residual on the prior. */
    boolean isResidual();

    /** What the posterior operation takes as q, given the posterior network's outputs and the prior. */
    List<Tensor> posteriorInputs(List<Tensor> heads, List<Tensor> prior);

    /**
     * The gradients of the posterior network's outputs from the operation's gradient {@code dq} (of
     * {@link #posteriorInputs}); where this layer formed q from the prior itself, the prior's share is added to
     * {@code dPrior}.
     */
    List<Tensor> headGradients(List<Tensor> dq, List<Tensor> dPrior);

    /** Draws z from q and writes it, and per row KL(q‖p), log q(z) and log p(z), into {@code out}. */
    void sample(List<Tensor> q, List<Tensor> prior, Noise noise, LatentSample out);

    /**
     * Writes the gradients with respect to q ({@code dq}) and p ({@code dp}) of Σ dz⊙z + Σ_r (w.kl·KL + w.logq·log q +
     * w.logp·log p) [+ signal·log q for REINFORCE]; either list may be null (not wanted). {@code logqPathOnly}: log
     * q's gradient flows through z only (reparameterized layers).
     */
    void backward(List<Tensor> q, List<Tensor> prior, Noise noise, Tensor dz, RowWeights w, Tensor signal,
            boolean logqPathOnly, List<Tensor> dq, List<Tensor> dp);

    /** The posterior mean per row: μ, or the probabilities σ(l). */
    Tensor posteriorMean(List<Tensor> q, List<Tensor> prior);

    /**
     * {@code rows} draws on {@code backend} from the prior (null: the fixed prior) at a temperature: τ = 1 is the prior itself, τ = 0 its
     * mode (the mean of a Gaussian, the more likely value of each bit). A Gaussian's standard deviation is scaled by τ
     * (NVAE's convention); a Bernoulli's logits are divided by τ.
     */
    Tensor samplePrior(Backend backend, List<Tensor> prior, int rows, double temperature, Noise noise);
}
