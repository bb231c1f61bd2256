package org.hvae4j.latent;

import org.hvae4j.tensor.Tensor;

/**
 * Per-row weights of a latent layer's scalar terms in the loss: the backward pass returns the gradient of
 * Σ_r (kl[r]·KL_r + logq[r]·log q_r + logp[r]·log p_r) (plus the path through z). Null means zero weight.
 */
public record RowWeights(Tensor kl, Tensor logq, Tensor logp) {
    public static RowWeights klOnly(Tensor kl) {
        return new RowWeights(kl, null, null);
    }
}
