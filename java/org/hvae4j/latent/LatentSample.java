package org.hvae4j.latent;

import org.hvae4j.tensor.Tensor;

/**
 * What a latent layer's forward pass writes: the sample z ([rows, size]) and, per row, the analytic KL(q‖p), log
 * q(z) and log p(z) ([rows] each). Owns its tensors: close it (or its scope) to free them.
 */
public record LatentSample(Tensor z, Tensor kl, Tensor logq, Tensor logp) implements AutoCloseable {
    @Override
    public void close() {
        z.close();
        kl.close();
        logq.close();
        logp.close();
    }
}
