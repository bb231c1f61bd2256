package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Tensor;

/**
 * An MLP block with skip connections: each hidden layer after the first whose width equals its input's computes
 * h ← h + f(W h + b) (the residual blocks of the models that train deeper MLPs stably).
 */
public final class ResidualMlpCell implements Cell {
    private final DenseStack stack;

    /** A cell over inputs of {@code inputWidths} with hidden layers of {@code widths}. */
    public ResidualMlpCell(CellContext ctx, String name, Param.Role role, int[] inputWidths, int[] widths) {
        this.stack = new DenseStack(ctx, name, role, inputWidths, widths, true);
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
