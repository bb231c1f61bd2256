package org.hvae4j.model;

import java.util.List;
import org.hvae4j.latent.LatentLayer;
import org.hvae4j.nn.CellContext;
import org.hvae4j.tensor.Tensor;

/**
 * How a model's posterior q(z|x) is computed, chosen once when the model is built ({@link Inference}): it creates its
 * inference networks, runs them in a forward pass (filling each layer's posterior, sampling z in the order the
 * factorization needs and asking the generative model for the priors), and back-propagates them. The model's own
 * passes call only these methods.
 */
abstract class InferenceScheme {
    static InferenceScheme of(Inference kind) {
        return switch (kind) {
            case BOTTOM_UP -> new BottomUpInference();
            case LADDER -> new LadderInference();
            case RESIDUAL -> new ResidualInference();
        };
    }

    /** The latent layer l of a model of {@code depth} layers as this scheme uses it (by default, as described). */
    LatentLayer layer(int l, int depth, LatentLayer described) {
        return described;
    }

    /** Creates the inference network of layer l that runs before any prior (an encoder, or the upward path). */
    abstract void buildUpward(Hvae m, CellContext ctx, int l);

    /** Creates layer l's posterior network that reads its prior network too (none by default); l below the top. */
    void buildPosterior(Hvae m, CellContext ctx, int l) {}

    /**
     * The x-dependent tensors of layer l in an ordinary pass (batch rows, before the k samples are repeated) that a
     * {@link LocalPosterior} frees: what the rest of the posterior reads from the inference networks' view of x. Empty
     * where the layer reads nothing from x directly.
     */
    abstract List<Tensor> localInputs(Hvae m, Pass ps, int l);

    /** Fills every layer's posterior, prior and sample into the pass. */
    abstract void forward(Hvae m, Pass ps);

    /**
     * Back-propagates the latent layers, the prior networks and the inference networks; {@code dz[l]} holds what
     * reached z_l from the decoder so far. Generative parameters get gradients when {@code gen}, inference ones
     * when {@code inf}.
     */
    abstract void backward(Hvae m, Pass ps, Weights w, Tensor[] dz, boolean gen, boolean inf);
}
