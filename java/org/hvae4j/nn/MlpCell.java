package org.hvae4j.nn;

/**
 * A multilayer perceptron block: hidden layers of the given widths with the model's activation, over one or more
 * inputs (the first layer sums a product per input, so the conditioning c joins without a concatenation). With no
 * hidden layers the cell passes its inputs through unchanged.
 */
public final class MlpCell extends DenseCell {
    /** A cell over inputs of {@code inputWidths} with hidden layers of {@code widths}. */
    public MlpCell(CellContext ctx, String name, Param.Role role, int[] inputWidths, int[] widths) {
        super(new DenseStack(ctx, name, role, inputWidths, widths, false));
    }
}
