package org.hvae4j.nn;

/**
 * An MLP block with skip connections: each hidden layer after the first whose width equals its input's computes
 * h ← h + f(W h + b) (the residual blocks of the models that train deeper MLPs stably).
 */
public final class ResidualMlpCell extends DenseCell {
    /** A cell over inputs of {@code inputWidths} with hidden layers of {@code widths}. */
    public ResidualMlpCell(CellContext ctx, String name, Param.Role role, int[] inputWidths, int[] widths) {
        super(new DenseStack(ctx, name, role, inputWidths, widths, true));
    }
}
