package org.hvae4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The shape of one benchmark case: a rows × cols float32 matrix (rows = batch × samples, cols = features).
 *
 * @param rows number of rows, at least 1
 * @param cols number of columns, at least 1
 */
public record MatrixSize(int rows, int cols) {
    public MatrixSize {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("matrix size must be positive, got " + rows + "x" + cols);
        }
    }

    /** Number of elements, rows · cols. */
    public long elements() {
        return (long) rows * cols;
    }

    /** Parses "ROWSxCOLS" (also with 'X' or '×'); underscores in numbers are allowed ("1_000_000x64"). */
    public static MatrixSize parse(String s) {
        String[] p = s.trim().toLowerCase(Locale.ROOT).replace('×', 'x').replace("_", "").split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("bad size '" + s + "' (expected ROWSxCOLS, e.g. 10000x100)");
        }
        try {
            return new MatrixSize(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad size '" + s + "' (expected ROWSxCOLS, e.g. 10000x100)");
        }
    }

    /** Parses a comma-separated list of sizes. */
    public static List<MatrixSize> parseList(String s) {
        List<MatrixSize> out = new ArrayList<>();
        for (String part : s.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no sizes in '" + s + "'");
        }
        return out;
    }

    @Override
    public String toString() {
        return rows + "x" + cols;
    }
}
