package org.hvae4j.model;

/**
 * Metrics of one training or evaluation pass, averaged over the batch: the objective's value (ELBO or IWAE bound,
 * in nats per example), the reconstruction term E log p(x|z), the KL term of each latent layer (bottom-up: index 0
 * is z1), the loss that was minimized (with warm-up and free bits applied), and the gradient norm (NaN when not
 * computed; NaN or infinite when the update was skipped).
 */
public record StepResult(double objective, double reconstruction, double[] kl, double loss, double gradNorm,
        boolean skipped) {
    public double klTotal() {
        double s = 0;
        for (double v : kl) {
            s += v;
        }
        return s;
    }

    StepResult withGradNorm(double norm, boolean skippedStep) {
        return new StepResult(objective, reconstruction, kl, loss, norm, skippedStep);
    }
}
