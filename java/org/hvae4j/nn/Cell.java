package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/**
 * A deterministic network block of a model: the MLP blocks today ({@link MlpCell}, {@link ResidualMlpCell}),
 * convolutional cells next. A cell maps one or more input tensors (rows × width each: a latent sample, the
 * conditioning c, features of another cell) to its output tensors; {@link #forward} returns a {@link Trace} holding
 * what {@link #backward} reads. Models are assembled from cells, latent layers and linear heads, and their passes see
 * only this interface. Tensors a cell allocates live in the caller's {@link org.hvae4j.tensor.MemoryScope}.
 */
public interface Cell {
    /** The widths (columns) of the tensors {@link #forward} returns. */
    int[] outputWidths();

    /** The cell's parameters, in the order they were created. */
    List<Param> parameters();

    /** Runs the cell on {@code inputs} (one tensor per input, all with the same rows). */
    Trace forward(List<Tensor> inputs);

    /**
     * Back-propagates {@code dOutputs} (one gradient per output, consumed: they may be overwritten) and returns the
     * gradient of each input where {@code needInput[i]}, null elsewhere. Parameter gradients are accumulated when
     * {@code paramGrads}.
     */
    List<Tensor> backward(Trace trace, List<Tensor> dOutputs, boolean paramGrads, boolean[] needInput);

    /** What a forward pass leaves for its backward pass. */
    interface Trace {
        /** The inputs the cell was given. */
        List<Tensor> inputs();

        /** What the cell computed (for a cell without layers, its inputs). */
        List<Tensor> outputs();
    }
}
