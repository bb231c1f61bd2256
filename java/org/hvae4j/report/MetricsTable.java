package org.hvae4j.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hvae4j.io.AtomicFiles;

/**
 * An append-only table of training metrics: each row has an epoch, a step and one {@code double} per named
 * column; a column a row does not give is NaN (missing), so train rows and evaluation rows can share one
 * table. The column set is fixed, either declared up front ({@link #withColumns}, the usual way when some
 * columns such as {@code test_elbo} only appear in later rows) or taken from the keys of the first row
 * ({@link #fromFirstRow}); a row with a key outside the column set is refused, since a CSV header cannot
 * grow.
 *
 * <p>Column names must be non-blank, distinct, other than {@code epoch} and {@code step}, and free of
 * commas, quotes and line breaks. By convention the curves of {@link Plots#trainingCurves} are
 * {@code *elbo*} columns (e.g. {@code train_elbo}, {@code test_elbo}) and per-layer KL terms
 * {@code kl_z1}, {@code kl_z2}, ...
 *
 * <p>The CSV form ({@link #writeCsv}, {@link #readCsv}, {@link MetricsWriter}) is a header
 * {@code epoch,step,<columns...>} and one line per row; values are written with {@link Double#toString}
 * (so they read back exactly), NaN as an empty field, infinities as {@code inf} / {@code -inf}. Reading also
 * accepts {@code nan}, {@code NaN}, {@code Infinity}. Thread-safe.
 */
public final class MetricsTable {
    private List<String> columns;
    private Map<String, Integer> index;
    private final List<Row> rows = new ArrayList<>();

    private MetricsTable(List<String> columns) {
        if (columns != null) fixColumns(columns);
    }

    /** An empty table with the given columns (besides epoch and step), in this order. */
    public static MetricsTable withColumns(List<String> columns) {
        Objects.requireNonNull(columns, "columns");
        return new MetricsTable(columns);
    }

    /** An empty table with the given columns (besides epoch and step), in this order. */
    public static MetricsTable withColumns(String... columns) {
        Objects.requireNonNull(columns, "columns");
        return new MetricsTable(Arrays.asList(columns));
    }

    /** An empty table whose columns will be the keys of its first row, in the map's iteration order. */
    public static MetricsTable fromFirstRow() {
        return new MetricsTable(null);
    }

    /**
     * Appends a row. Keys must be columns of the table (or, for the first row of a {@link #fromFirstRow}
     * table, become them); columns missing from {@code values}, and {@code null} values, are NaN.
     *
     * @return the row appended
     * @throws IllegalArgumentException naming an unknown column, or a negative epoch or step
     */
    public synchronized Row append(long epoch, long step, Map<String, ? extends Number> values) {
        Objects.requireNonNull(values, "values");
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
        if (columns == null) fixColumns(new ArrayList<>(values.keySet()));
        double[] v = new double[columns.size()];
        Arrays.fill(v, Double.NaN);
        for (Map.Entry<String, ? extends Number> e : values.entrySet()) {
            Integer at = index.get(e.getKey());
            if (at == null) {
                throw new IllegalArgumentException("unknown metrics column '" + e.getKey() + "'; the columns are "
                        + columns + " (declare every column up front with MetricsTable.withColumns)");
            }
            v[at] = e.getValue() == null ? Double.NaN : e.getValue().doubleValue();
        }
        Row row = new Row(epoch, step, columns, v);
        rows.add(row);
        return row;
    }

    /** Whether the column set is fixed yet (always, except for a {@link #fromFirstRow} table still empty). */
    public synchronized boolean hasColumns() {
        return columns != null;
    }

    /** The columns besides epoch and step, in order; empty while not fixed yet. */
    public synchronized List<String> columns() {
        return columns == null ? List.of() : columns;
    }

    /** Whether {@code name} is one of the columns. */
    public synchronized boolean hasColumn(String name) {
        return index != null && index.containsKey(name);
    }

    /** Number of rows. */
    public synchronized int size() {
        return rows.size();
    }

    /** Row {@code i}, {@code 0 <= i < size()}. */
    public synchronized Row row(int i) {
        if (i < 0 || i >= rows.size()) {
            throw new IndexOutOfBoundsException("row " + i + " of a table of " + rows.size() + " rows");
        }
        return rows.get(i);
    }

    /** A snapshot of the rows. */
    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The values of one column, row by row (NaN where missing). */
    public synchronized double[] column(String name) {
        Integer at = index == null ? null : index.get(name);
        if (at == null) throw new IllegalArgumentException("no column '" + name + "'; the columns are " + columns());
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = rows.get(i).values[at];
        return out;
    }

    /** The epoch of each row. */
    public synchronized long[] epochs() {
        return rows.stream().mapToLong(Row::epoch).toArray();
    }

    /** The step of each row. */
    public synchronized long[] steps() {
        return rows.stream().mapToLong(Row::step).toArray();
    }

    /** Writes the whole table as CSV, atomically (see the class comment for the format). */
    public void writeCsv(Path csv) throws IOException {
        Objects.requireNonNull(csv, "csv");
        List<Row> snapshot;
        List<String> cols;
        synchronized (this) {
            snapshot = List.copyOf(rows);
            cols = columns();
        }
        AtomicFiles.write(csv, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            w.write(header(cols));
            for (Row r : snapshot) w.write(line(r));
            w.flush();
        });
    }

    /**
     * Reads a CSV written by {@link #writeCsv} or {@link MetricsWriter} (or by hand in that format).
     *
     * @throws IOException naming the file and line when it is not such a CSV
     */
    public static MetricsTable readCsv(Path csv) throws IOException {
        Objects.requireNonNull(csv, "csv");
        try (BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String head = in.readLine();
            if (head == null) throw new IOException(csv + ": empty file, expected a header epoch,step,...");
            String[] h = head.split(",", -1);
            if (h.length < 2 || !h[0].strip().equals("epoch") || !h[1].strip().equals("step")) {
                throw new IOException(csv + ":1: header must start with epoch,step, got '" + head + "'");
            }
            List<String> cols = new ArrayList<>();
            for (int i = 2; i < h.length; i++) cols.add(h[i].strip());
            MetricsTable table;
            try {
                table = withColumns(cols);
            } catch (IllegalArgumentException e) {
                throw new IOException(csv + ":1: " + e.getMessage(), e);
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] f = line.split(",", -1);
                if (f.length != h.length) {
                    throw new IOException(csv + ":" + lineNo + ": " + f.length + " fields, the header has " + h.length);
                }
                try {
                    long epoch = Long.parseLong(f[0].strip());
                    long step = Long.parseLong(f[1].strip());
                    double[] v = new double[cols.size()];
                    for (int i = 0; i < v.length; i++) v[i] = parseValue(f[i + 2]);
                    synchronized (table) {
                        if (epoch < 0 || step < 0) throw new NumberFormatException("negative epoch or step");
                        table.rows.add(new Row(epoch, step, table.columns, v));
                    }
                } catch (NumberFormatException e) {
                    throw new IOException(csv + ":" + lineNo + ": bad number (" + e.getMessage() + ")", e);
                }
            }
            return table;
        }
    }

    static String header(List<String> cols) {
        StringBuilder sb = new StringBuilder("epoch,step");
        for (String c : cols) sb.append(',').append(c);
        return sb.append('\n').toString();
    }

    static String line(Row r) {
        StringBuilder sb = new StringBuilder(16 + 24 * r.values.length);
        sb.append(r.epoch).append(',').append(r.step);
        for (double v : r.values) sb.append(',').append(formatValue(v));
        return sb.append('\n').toString();
    }

    static String formatValue(double v) {
        if (Double.isNaN(v)) return "";
        if (v == Double.POSITIVE_INFINITY) return "inf";
        if (v == Double.NEGATIVE_INFINITY) return "-inf";
        return Double.toString(v);
    }

    static double parseValue(String s) {
        String t = s.strip();
        switch (t.toLowerCase(java.util.Locale.ROOT)) {
            case "", "nan", "+nan", "-nan":
                return Double.NaN;
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(t);
        }
    }

    private void fixColumns(List<String> cols) {
        Map<String, Integer> idx = new HashMap<>();
        for (int i = 0; i < cols.size(); i++) {
            String c = cols.get(i);
            checkName(c);
            if (idx.put(c, i) != null) throw new IllegalArgumentException("column '" + c + "' appears twice");
        }
        this.columns = List.copyOf(cols);
        this.index = idx;
    }

    private static void checkName(String c) {
        if (c == null || c.isBlank()) throw new IllegalArgumentException("column name must not be blank, got '" + c + "'");
        if (c.equals("epoch") || c.equals("step")) {
            throw new IllegalArgumentException("column name '" + c + "' is reserved (every row has an epoch and a step)");
        }
        if (!c.strip().equals(c)) {
            throw new IllegalArgumentException("column name '" + c + "' has leading or trailing spaces");
        }
        for (int i = 0; i < c.length(); i++) {
            char ch = c.charAt(i);
            if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') {
                throw new IllegalArgumentException("column name '" + c + "' has a comma, quote or line break");
            }
        }
    }

    /**
     * One row: epoch, step and the values of {@code columns}, in order (NaN where missing).
     * Equality compares the values, not the array.
     */
    public record Row(long epoch, long step, List<String> columns, double[] values) {
        /** Copies {@code values}; checks it has one value per column. */
        public Row {
            columns = List.copyOf(Objects.requireNonNull(columns, "columns"));
            Objects.requireNonNull(values, "values");
            if (values.length != columns.size()) {
                throw new IllegalArgumentException(values.length + " values for " + columns.size() + " columns");
            }
            values = values.clone();
        }

        /** A copy of the values. */
        @Override
        public double[] values() {
            return values.clone();
        }

        /** The value of column number {@code index} (NaN where missing). */
        public double value(int index) {
            if (index < 0 || index >= values.length) {
                throw new IndexOutOfBoundsException("column " + index + " of " + values.length);
            }
            return values[index];
        }

        /** The value of {@code column} (NaN where missing). */
        public double get(String column) {
            int at = columns.indexOf(column);
            if (at < 0) throw new IllegalArgumentException("no column '" + column + "'; the columns are " + columns);
            return values[at];
        }

        /** Column name → value, in column order, leaving out missing (NaN) values. */
        public Map<String, Double> present() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < values.length; i++) if (!Double.isNaN(values[i])) m.put(columns.get(i), values[i]);
            return m;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Row r && r.epoch == epoch && r.step == step && r.columns.equals(columns)
                    && Arrays.equals(r.values, values);
        }

        @Override
        public int hashCode() {
            return Objects.hash(epoch, step, columns, Arrays.hashCode(values));
        }

        @Override
        public String toString() {
            return "Row[epoch=" + epoch + ", step=" + step + ", " + present() + "]";
        }
    }
}
