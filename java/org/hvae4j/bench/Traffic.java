package org.hvae4j.bench;

/**
 * The least memory traffic of one call of an operation, in float32 values: every input tensor read once and every
 * output tensor written once, counted as whole matrices (N = rows · cols values), per-row vectors (R = rows values)
 * and per-column vectors (C = cols values). Caches, recomputation and repeated reads inside a kernel are not
 * counted: this is what any implementation must move, so bytes over time is a lower bound on the bandwidth used.
 *
 * @param readMatrices   rows × cols inputs read
 * @param readRows       per-row inputs read (length rows)
 * @param readCols       per-column inputs read (length cols)
 * @param writtenMatrices rows × cols outputs written
 * @param writtenRows    per-row outputs written (length rows)
 */
public record Traffic(int readMatrices, int readRows, int readCols, int writtenMatrices, int writtenRows) {
    public Traffic {
        if (readMatrices < 0 || readRows < 0 || readCols < 0 || writtenMatrices < 0 || writtenRows < 0) {
            throw new IllegalArgumentException("negative tensor count in " + this);
        }
    }

    /** Bytes read per call at {@code size}. */
    public long readBytes(MatrixSize size) {
        return Float.BYTES * (readMatrices * size.elements() + (long) readRows * size.rows()
                + (long) readCols * size.cols());
    }

    /** Bytes written per call at {@code size}. */
    public long writtenBytes(MatrixSize size) {
        return Float.BYTES * (writtenMatrices * size.elements() + (long) writtenRows * size.rows());
    }

    /** Bytes read plus bytes written per call at {@code size}. */
    public long bytes(MatrixSize size) {
        return readBytes(size) + writtenBytes(size);
    }

    /** The formula, e.g. "read 4N, write N + 3R" (N = rows·cols, R = rows, C = cols floats). */
    public String formula() {
        return "read " + terms(readMatrices, readRows, readCols) + ", write " + terms(writtenMatrices, writtenRows, 0);
    }

    private static String terms(int n, int r, int c) {
        StringBuilder b = new StringBuilder();
        append(b, n, "N");
        append(b, r, "R");
        append(b, c, "C");
        return b.length() == 0 ? "0" : b.toString();
    }

    private static void append(StringBuilder b, int count, String unit) {
        if (count == 0) {
            return;
        }
        if (b.length() > 0) {
            b.append(" + ");
        }
        b.append(count == 1 ? "" : Integer.toString(count)).append(unit);
    }
}
