package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/** What {@link MlpCell} and {@link ResidualMlpCell} share: a {@link DenseStack} behind the {@link Cell} interface. */
abstract class DenseCell implements Cell {
    private final DenseStack stack;

    DenseCell(DenseStack stack) {
        this.stack = stack;
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
