package org.hvae4j.experiments;

import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Inference;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.hvae4j.tensor.Activation;

/** The architectures of Burda, Grosse and Salakhutdinov (2015) used by the benchmarks and the results protocol. */
public final class BurdaModels {
    private BurdaModels() {}

    /** "g1": 784–200–200–z50, tanh, dynamically binarized Bernoulli decoder. */
    public static ModelSpec oneLayer() {
        return ModelSpec.builder().latent(LatentSpec.gaussian(50)).hidden(200, 200)
                .observed(784, Likelihood.parse("bernoulli-binarized")).activation(Activation.TANH)
                .inference(Inference.BOTTOM_UP).build();
    }

    /** "g2": 784–[200,200]–z100–[100,100]–z50, tanh. */
    public static ModelSpec twoLayer() {
        return twoLayer(Inference.BOTTOM_UP);
    }

    /** "b2": the two-layer architecture with Bernoulli latents (100 and 50 bits), straight-through gradients. */
    public static ModelSpec twoLayerBernoulli(Estimator estimator) {
        return ModelSpec.builder().latent(LatentSpec.bernoulli(50, estimator)).hidden(100, 100)
                .latent(LatentSpec.bernoulli(100, estimator)).hidden(200, 200)
                .observed(784, Likelihood.parse("bernoulli-binarized")).activation(Activation.TANH)
                .inference(Inference.BOTTOM_UP).build();
    }

    /** The two-layer Gaussian architecture ("g2") with another inference scheme: "l2" ladder, "r2" residual. */
    public static ModelSpec twoLayer(Inference inference) {
        return ModelSpec.builder().latent(LatentSpec.gaussian(50)).hidden(100, 100).latent(LatentSpec.gaussian(100))
                .hidden(200, 200).observed(784, Likelihood.parse("bernoulli-binarized")).activation(Activation.TANH)
                .inference(inference).build();
    }

    /**
     * "g2-relu", the command-line program's default: g2's layers with ReLU instead of tanh. With tanh, g2 sits on the
     * collapsed plateau (the decoder ignoring z1, reconstruction at the data's marginal) for hundreds of steps, and
     * on the 9,000 embedded digits it had not escaped after 100 epochs (IWAE-100 −149.9 nats against g1's −102.8);
     * the PyTorch twin does the same; with ReLU it escapes in the first epoch (−102.6 after 100 epochs). Bounded
     * activations (tanh, sigmoid) hold it there, unbounded ones and even linear networks do not, and residual hidden
     * blocks rescue tanh. See docs/RESULTS.md, "The first run".
     */
    public static ModelSpec twoLayerRelu() {
        return ModelSpec.builder().latent(LatentSpec.gaussian(50)).hidden(100, 100).latent(LatentSpec.gaussian(100))
                .hidden(200, 200).observed(784, Likelihood.parse("bernoulli-binarized")).activation(Activation.RELU)
                .inference(Inference.BOTTOM_UP).build();
    }

    /**
     * "conv": a convolutional hierarchy in NVAE's shape for 28 x 28 binarized images (not one of Burda et al.'s):
     * groups of 4 x 14 x 14 and 4 x 7 x 7 Gaussian latents, two per resolution, 32 feature channels, one residual
     * cell per block, Swish, residual-posterior inference (see {@link org.hvae4j.model.ConvHierarchy}).
     */
    public static ModelSpec convolutional() {
        return org.hvae4j.model.ConvHierarchy.image(1, 28, 28, Likelihood.parse("bernoulli-binarized"))
                .scale(2, 2, 4, 32).scale(4, 2, 4, 32).cells(1).expand(3).build();
    }

    /** "conv-state": {@link #convolutional()} with NVAE's deterministic top-down state in the generative path. */
    public static ModelSpec convolutionalWithState() {
        return org.hvae4j.model.ConvHierarchy.image(1, 28, 28, Likelihood.parse("bernoulli-binarized"))
                .scale(2, 2, 4, 32).scale(4, 2, 4, 32).cells(1).expand(3).topDownState(true).build();
    }

    public static ModelSpec byName(String name) {
        return switch (name) {
            case "conv" -> convolutional();
            case "conv-state" -> convolutionalWithState();
            case "g2-relu" -> twoLayerRelu();
            case "g1" -> oneLayer();
            case "g2" -> twoLayer();
            case "l2" -> twoLayer(Inference.LADDER);
            case "r2" -> twoLayer(Inference.RESIDUAL);
            case "b2" -> twoLayerBernoulli(Estimator.straightThroughSigmoid());
            default -> throw new IllegalArgumentException("unknown model '" + name
                    + "' (expected g2-relu, g1, g2, l2, r2, b2, conv or conv-state)");
        };
    }

    /** A benchmark objective: {@link Objective#parse}'s spellings, or the PyTorch peer's "iwaeK" for iwae:K. */
    public static Objective objective(String name) {
        return Objective.parse(name.matches("iwae\\d+") ? "iwae:" + name.substring(4) : name);
    }
}
