package org.hvae4j.latent;

import static org.hvae4j.latent.Checks.*;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Bernoulli observations on logits: log p(x|l) = Σ x·l + log σ(−l) for targets in [0, 1]. With
 * {@link #binarized()}, grey-level targets are binarized inside the kernel (x̃ = 1 with probability x) from the
 * Philox stream — dynamic binarization with no separate pass, the same x̃ in forward and backward and for every
 * importance sample of an example.
 */
public record BernoulliLikelihood(boolean binarized) implements Likelihood {
    public static BernoulliLikelihood of(boolean binarize) {
        return new BernoulliLikelihood(binarize);
    }

    @Override
    public int heads() {
        return 1;
    }

    @Override
    public void logProb(List<Tensor> params, Tensor x, Noise noise, Tensor logp) {
        Tensor logits = params.get(0);
        Backend be = logits.backend();
        targets(be, logits, "logits", x, "BernoulliLikelihood.logProb");
        perRow(be, logp, logits.rows(), "BernoulliLikelihood.logProb", "logp");
        be.kernels().bernoulliLikelihoodForward(logits.rows(), logits.cols(), x.rows(), logits.address(), x.address(),
                binarized, noise.seed(), noise.offset(), noise.offsetSource(), logp.address());
    }

    @Override
    public void backward(List<Tensor> params, Tensor x, Noise noise, Tensor w, List<Tensor> dParams) {
        Tensor logits = params.get(0);
        Backend be = logits.backend();
        String op = "BernoulliLikelihood.backward";
        targets(be, logits, "logits", x, op);
        perRow(be, w, logits.rows(), op, "w");
        matrix(be, dParams.get(0), logits.rows(), logits.cols(), op, "dLogits");
        be.kernels().bernoulliLikelihoodBackward(logits.rows(), logits.cols(), x.rows(), logits.address(),
                x.address(), binarized, noise.seed(), noise.offset(), noise.offsetSource(), w.address(), dParams.get(0).address());
    }

    @Override
    public Tensor mean(List<Tensor> params) {
        Tensor logits = params.get(0);
        Tensor p = logits.backend().empty(logits.rows(), logits.cols());
        logits.backend().activation(org.hvae4j.tensor.Activation.SIGMOID, logits, p);
        return p;
    }

    /**
     * The binary x the likelihood scores when it binarizes in place (the same draws for the same noise): models
     * feed it to their encoder, so the encoder sees what the decoder is asked to reconstruct.
     */
    public Tensor binarize(Tensor x, Noise noise) {
        Backend be = x.backend();
        open(be, x, "BernoulliLikelihood.binarize", "x");
        Tensor y = be.empty(x.shape().dims());
        be.kernels().binarize(x.address(), x.numel(), noise.seed(), noise.offset(), noise.offsetSource(), y.address());
        return y;
    }

    @Override
    public String toString() {
        return binarized ? "bernoulli-binarized" : "bernoulli";
    }
}
