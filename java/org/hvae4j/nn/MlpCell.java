package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/**
 * A multilayer perceptron block: hidden layers of the given widths with the model's activation, over one or more
 * inputs (the first layer sums a product per input, so the conditioning c joins without a concatenation). With no
 * hidden layers the cell passes its inputs through unchanged.
 */
public final class MlpCell implements Cell {
    private final DenseStack stack;

    /** A cell over inputs of {@code inputWidths} with hidden layers of {@code widths}. */
    public MlpCell(CellContext ctx, String name, Param.Role role, int[] inputWidths, int[] widths) {
        this.stack = new DenseStack(ctx, name, role, inputWidths, widths, false);
    }

    @Override
    public int[] outputWidths() {
        return stack.outputWidths();
    }

    @Override
    public List<Param> parameters() {
        return stack.parameters();
    }

    @Override
    public Trace forward(List<Tensor> inputs) {
        return stack.forward(inputs);
    }

    @Override
    public List<Tensor> backward(Trace trace, List<Tensor> dOutputs, boolean paramGrads, boolean[] needInput) {
        return stack.backward(trace, dOutputs, paramGrads, needInput);
    }
}
