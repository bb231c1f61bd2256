package org.hvae4j.nn;

import java.util.Map;

/**
 * An immutable description of a {@link Cell} that a model builds for the widths of its inputs: the deterministic
 * block between two latent layers, or between the lowest latent layer and x. The inference network runs the block
 * upwards and the generative model its {@link #mirrored()} form downwards.
 */
public interface CellSpec {
    /** Creates the cell over inputs of {@code inputWidths} columns; its parameters go to the context's registry. */
    Cell create(CellContext ctx, String name, Param.Role role, int[] inputWidths);

    /** The same block for the opposite direction (an MLP's widths reversed). */
    CellSpec mirrored();

    /**
     * A head mapping this block's features (of {@code featureWidths}) to {@code out} values per row: a linear layer
     * by default; image blocks use convolutions.
     */
    default Head head(CellContext ctx, String name, Param.Role role, int[] featureWidths, int out) {
        return Linear.create(ctx, name, role, featureWidths, out);
    }

    /**
     * The block a posterior network combines this block's upward features with the prior network's features by (the
     * residual posterior's): no hidden layers by default (the heads read both), one cell for image blocks.
     */
    default CellSpec combiner() {
        return MlpCellSpec.of();
    }

    /** A plain-map form of the description (configuration files and checkpoints). */
    Map<String, Object> toMap();
}
