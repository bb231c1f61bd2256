package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/**
 * What maps a cell's features to one parameter tensor of a distribution (a posterior's means, a prior's log-variances,
 * the decoder's logits): a {@link Linear} layer over MLP features, a convolution over image features
 * ({@link ConvCellSpec#head}). A cell's spec chooses the kind ({@link CellSpec#head}).
 */
public interface Head {
    /** The width of the output rows. */
    int out();

    /** A new [rows, out] tensor from the features (one tensor per feature input). */
    Tensor forward(List<Tensor> features);

    /**
     * Accumulates parameter gradients (when {@code paramGrads}) and writes the features' gradients into
     * {@code dFeatures} (entries may be null; {@code accumulate} adds into them).
     */
    void backward(List<Tensor> features, Tensor dy, boolean paramGrads, List<Tensor> dFeatures, boolean accumulate);
}
