package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.ConvCellSpec;
import org.hvae4j.tensor.Activation;

/**
 * A builder of convolutional hierarchies in NVAE's shape (Vahdat and Kautz 2020): spatial latent groups at several
 * resolutions, the coarsest at the top, several groups per resolution, NVAE-style residual cells between them and
 * residual-posterior (top-down) inference by default. For 28 × 28 images:
 * <pre>{@code
 * ModelSpec spec = ConvHierarchy.image(1, 28, 28, Likelihood.parse("bernoulli-binarized"))
 *     .scale(2, 2, 8, 32)    // at 14 x 14: two groups of 8 x 14 x 14 Gaussian latents, 32 feature channels
 *     .scale(4, 2, 8, 32)    // at 7 x 7: two groups of 8 x 7 x 7
 *     .cells(1)              // residual cells per block
 *     .build();
 * }</pre>
 * Each scale's resolution is the image's divided by its divisor; the divisors double from scale to scale, starting at
 * 2 (the block next to x halves the image). The blocks are {@link ConvCellSpec}s: the upward path's encoder cells,
 * the generative path's decoder cells (their mirrors); a block between two resolutions resamples by 2. The result is
 * an ordinary {@link ModelSpec}: every objective, estimator, evaluation and file format applies.
 */
public final class ConvHierarchy {
    private final int imageChannels;
    private final int height;
    private final int width;
    private final Likelihood likelihood;
    private final List<int[]> scales = new ArrayList<>();   // divisor, groups, latent channels, feature channels
    private int cells = 1;
    private int expand = 6;
    private Activation activation = Activation.SILU;
    private Inference inference = Inference.RESIDUAL;
    private boolean topDownState;
    private Estimator bernoulli;
    private int conditioningDim;
    private boolean conditioningOneHot = true;
    private ConvCellSpec.Norm norm = ConvCellSpec.Norm.WEIGHT;

    private ConvHierarchy(int channels, int height, int width, Likelihood likelihood) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("an image must have channels, height and width > 0, got " + channels
                    + "x" + height + "x" + width);
        }
        if (likelihood == null) {
            throw new IllegalArgumentException("likelihood must not be null");
        }
        this.imageChannels = channels;
        this.height = height;
        this.width = width;
        this.likelihood = likelihood;
    }

    /** A hierarchy over images of channels × height × width with the decoder's likelihood. */
    public static ConvHierarchy image(int channels, int height, int width, Likelihood likelihood) {
        return new ConvHierarchy(channels, height, width, likelihood);
    }

    /**
     * The next coarser resolution (image / divisor) with {@code groups} latent groups of {@code latentChannels}
     * channels each, and {@code featureChannels} channels in its blocks.
     */
    public ConvHierarchy scale(int divisor, int groups, int latentChannels, int featureChannels) {
        int expected = scales.isEmpty() ? 2 : scales.get(scales.size() - 1)[0] * 2;
        if (divisor != expected) {
            throw new IllegalArgumentException("scale divisors must be 2, 4, 8, ... in order (each block resamples by "
                    + "2): expected " + expected + ", got " + divisor);
        }
        if (height % divisor != 0 || width % divisor != 0) {
            throw new IllegalArgumentException("a resolution of 1/" + divisor + " does not divide the " + height + "x"
                    + width + " image");
        }
        if (groups <= 0 || latentChannels <= 0 || featureChannels <= 0) {
            throw new IllegalArgumentException("groups, latent channels and feature channels must be > 0, got "
                    + groups + ", " + latentChannels + ", " + featureChannels);
        }
        scales.add(new int[] {divisor, groups, latentChannels, featureChannels});
        return this;
    }

    /** Residual cells per block (default 1). */
    public ConvHierarchy cells(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("cells per block must be >= 0, got " + n);
        }
        this.cells = n;
        return this;
    }

    /** The decoder cells' channel expansion (NVAE: 6, the default). */
    public ConvHierarchy expand(int e) {
        if (e <= 0) {
            throw new IllegalArgumentException("expansion must be > 0, got " + e);
        }
        this.expand = e;
        return this;
    }

    /** The activation of every cell (default silu, NVAE's Swish). */
    public ConvHierarchy activation(Activation a) {
        this.activation = a;
        return this;
    }

    /** The inference scheme (default residual, NVAE's). */
    public ConvHierarchy inference(Inference i) {
        this.inference = i;
        return this;
    }

    /**
     * NVAE's deterministic top-down state in the generative path (see {@link ModelSpec#topDownState()}): each
     * generative cell reads the state of the cell above beside the code of the group above.
     */
    public ConvHierarchy topDownState(boolean on) {
        this.topDownState = on;
        return this;
    }

    /**
     * Batch normalization before every activation of the residual cells (where NVAE has it), beside weight
     * normalization ({@link ConvCellSpec.Norm#BATCH}); off by default.
     */
    public ConvHierarchy batchNorm(boolean on) {
        this.norm = on ? ConvCellSpec.Norm.BATCH : ConvCellSpec.Norm.WEIGHT;
        return this;
    }

    /** Bernoulli latent groups with this estimator instead of Gaussian ones. */
    public ConvHierarchy bernoulli(Estimator estimator) {
        this.bernoulli = estimator;
        return this;
    }

    /** A conditioning input c (a per-channel bias in every cell). */
    public ConvHierarchy conditioning(int dim, boolean oneHot) {
        this.conditioningDim = dim;
        this.conditioningOneHot = oneHot;
        return this;
    }

    public ModelSpec build() {
        if (scales.isEmpty()) {
            throw new IllegalArgumentException("a convolutional hierarchy needs at least one scale(...)");
        }
        ModelSpec.Builder b = ModelSpec.builder();
        // Top-down: the coarsest scale's groups first; the block below a group leads (upwards) from the resolution
        // below it (the next group's, or the next finer scale's, or the image) to its own.
        for (int s = scales.size() - 1; s >= 0; s--) {
            int[] sc = scales.get(s);
            int h = height / sc[0], w = width / sc[0];
            for (int g = 0; g < sc[1]; g++) {
                int size = sc[2] * h * w;
                b.latent(bernoulli == null ? LatentSpec.gaussian(size) : LatentSpec.bernoulli(size, bernoulli));
                boolean lowestOfScale = g == sc[1] - 1;
                ConvCellSpec block = lowestOfScale
                        ? new ConvCellSpec(h * 2, w * 2, sc[3], cells, ConvCellSpec.Resample.DOWN,
                                ConvCellSpec.Style.ENCODER, expand, norm)
                        : new ConvCellSpec(h, w, sc[3], cells, ConvCellSpec.Resample.NONE, ConvCellSpec.Style.ENCODER,
                                expand, norm);
                b.cell(block);
            }
        }
        b.observed(imageChannels * height * width, likelihood).activation(activation).inference(inference)
                .topDownState(topDownState);
        if (conditioningDim > 0) {
            b.conditioning(conditioningDim, conditioningOneHot);
        }
        return b.build();
    }
}
