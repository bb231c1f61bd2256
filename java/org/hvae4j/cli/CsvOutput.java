package org.hvae4j.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.hvae4j.data.Dataset;
import org.hvae4j.io.AtomicFiles;

/** Per-example CSV output: an index column, the label when the data has labels, then the values. */
final class CsvOutput {
    private CsvOutput() {}

    /**
     * Writes one row per example of {@code data}; {@code values.get(i)} are row i's values. The file is written whole
     * or not at all: a failure (a full disk) leaves an earlier file of that name as it was.
     */
    static void write(Path csv, Dataset data, List<String> columns, RowValues values) throws IOException {
        AtomicFiles.write(csv, out -> {
            BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            w.write("index");
            if (data.hasLabels()) {
                w.write(",label");
            }
            for (String c : columns) {
                w.write(',');
                w.write(c);
            }
            w.newLine();
            for (int i = 0; i < data.rows(); i++) {
                w.write(Integer.toString(i));
                if (data.hasLabels()) {
                    w.write(',');
                    w.write(Integer.toString(data.label(i)));
                }
                for (double v : values.of(i)) {
                    w.write(',');
                    w.write(String.format(Locale.ROOT, "%.6g", v));
                }
                w.newLine();
            }
            w.flush();
        });
    }

    /** The features of every example, in columns x0, x1, ... */
    static void writeFeatures(Path csv, Dataset data) throws IOException {
        List<String> columns = new java.util.ArrayList<>();
        for (int j = 0; j < data.cols(); j++) {
            columns.add("x" + j);
        }
        float[] buf = new float[data.cols()];
        write(csv, data, columns, i -> {
            data.row(i, buf);
            double[] r = new double[buf.length];
            for (int j = 0; j < r.length; j++) {
                r[j] = buf[j];
            }
            return r;
        });
    }

    /** The values of one row. */
    @FunctionalInterface
    interface RowValues {
        double[] of(int row);
    }
}
