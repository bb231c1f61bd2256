package org.hvae4j.nn;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** An MLP block of hidden layers of {@code widths} (an {@link MlpCell}, or a {@link ResidualMlpCell}). */
public final class MlpCellSpec implements CellSpec {
    private final int[] widths;
    private final boolean residual;

    public MlpCellSpec(int[] widths, boolean residual) {
        for (int w : widths) {
            if (w <= 0) {
                throw new IllegalArgumentException("hidden width must be positive, got " + w + " in "
                        + Arrays.toString(widths));
            }
        }
        this.widths = widths.clone();
        this.residual = residual;
    }

    public static MlpCellSpec of(int... widths) {
        return new MlpCellSpec(widths, false);
    }

    public int[] widths() {
        return widths.clone();
    }

    public boolean residual() {
        return residual;
    }

    /** This block with skip connections (true) or without. */
    public MlpCellSpec withResidual(boolean on) {
        return new MlpCellSpec(widths, on);
    }

    @Override
    public Cell create(CellContext ctx, String name, Param.Role role, int[] inputWidths) {
        return residual ? new ResidualMlpCell(ctx, name, role, inputWidths, widths)
                : new MlpCell(ctx, name, role, inputWidths, widths);
    }

    @Override
    public MlpCellSpec mirrored() {
        int[] r = new int[widths.length];
        for (int i = 0; i < widths.length; i++) {
            r[i] = widths[widths.length - 1 - i];
        }
        return new MlpCellSpec(r, residual);
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", residual ? "residual-mlp" : "mlp");
        m.put("hidden", Arrays.stream(widths).boxed().toList());
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpCellSpec s && s.residual == residual && Arrays.equals(s.widths, widths);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(widths) + Boolean.hashCode(residual);
    }

    @Override
    public String toString() {
        return (residual ? "residual-mlp" : "mlp") + Arrays.toString(widths);
    }
}
