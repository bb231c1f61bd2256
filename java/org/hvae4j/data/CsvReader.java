package org.hvae4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads numeric, comma-separated files into a {@link Dataset}. Configured immutably:
 * <pre>{@code
 * Dataset d = CsvReader.features().read(path);           // every column is a feature
 * Dataset d = CsvReader.labelColumn(0).read(path);       // column 0 holds the class label
 * Dataset d = CsvReader.labelColumn("class").read(path); // needs a header line
 * }</pre>
 * <ul>
 *   <li>A header line is detected when the first non-blank line has a cell that is not a number
 *       (a header made only of numbers is read as data).</li>
 *   <li>Cells are trimmed; surrounding double quotes are removed. Blank lines are skipped.</li>
 *   <li>Feature cells must be finite decimal numbers that fit a float: NaN, Inf or text fail naming
 *       the file, line and column.</li>
 *   <li>Labels must be non-negative integers ({@code 3} or {@code 3.0}); the number of classes is the
 *       largest label + 1 unless set with {@link #withNumClasses}.</li>
 *   <li>Every line must have as many cells as the first one.</li>
 *   <li>Gzip'd files are decompressed (detected by content).</li>
 * </ul>
 */
public final class CsvReader {
    private final int labelIndex; // -1: none, or by name
    private final String labelName; // null: none, or by index
    private final int numClasses; // 0: largest label + 1

    private CsvReader(int labelIndex, String labelName, int numClasses) {
        this.labelIndex = labelIndex;
        this.labelName = labelName;
        this.numClasses = numClasses;
    }

    /** A reader that treats every column as a feature (no labels). */
    public static CsvReader features() {
        return new CsvReader(-1, null, 0);
    }

    /** A reader taking labels from column {@code index} (0-based); the other columns are features. */
    public static CsvReader labelColumn(int index) {
        if (index < 0) throw new IllegalArgumentException("label column index must be >= 0, got " + index);
        return new CsvReader(index, null, 0);
    }

    /** A reader taking labels from the column whose header is {@code name}; the file must have a header. */
    public static CsvReader labelColumn(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("label column name must not be blank");
        return new CsvReader(-1, name.trim(), 0);
    }

    /**
     * This reader with a fixed number of classes; labels must then be below it.
     * Only meaningful with a label column.
     */
    public CsvReader withNumClasses(int classes) {
        if (classes < 1 || classes > Dataset.MAX_CLASSES) {
            throw new IllegalArgumentException("numClasses must be in [1, " + Dataset.MAX_CLASSES + "], got " + classes);
        }
        if (labelIndex < 0 && labelName == null) {
            throw new IllegalStateException("withNumClasses(" + classes + ") needs a label column");
        }
        return new CsvReader(labelIndex, labelName, classes);
    }

    /** Reads {@code file}; the dataset is named after the file. */
    public Dataset read(Path file) {
        try (InputStream in = IdxReader.open(file)) {
            return read(in, file.toString(), file, file.getFileName().toString());
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e, e);
        }
    }

    /** Reads a CSV stream (UTF-8, plain or gzip); {@code source} names it in errors. The stream is not closed. */
    public Dataset read(InputStream in, String source, String name) {
        return read(in, source, null, name);
    }

    private Dataset read(InputStream raw, String source, Path path, String name) {
        Objects.requireNonNull(raw, "in");
        Fail fail = new Fail(source, path);
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(
                    IdxReader.decompress(raw), StandardCharsets.UTF_8), 1 << 16);
            String[] header = null;
            int width = -1; // cells per line
            int labelCol = -1;
            int firstLine = 0;
            FloatBuf feats = new FloatBuf();
            IntBuf labels = new IntBuf();
            float[] row = null;
            int lineNo = 0;
            int maxLabel = -1;
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') line = line.substring(1); // BOM
                if (line.isBlank()) continue;
                String[] cells = split(line);
                if (width < 0) {
                    width = cells.length;
                    firstLine = lineNo;
                    if (!allNumeric(cells)) {
                        header = cells;
                    }
                    labelCol = resolveLabelColumn(header, width, fail);
                    if (width - (labelCol >= 0 ? 1 : 0) < 1) {
                        throw fail.at("has " + width + " column(s) and no feature column besides the label column");
                    }
                    row = new float[width - (labelCol >= 0 ? 1 : 0)];
                    if (header != null) continue;
                }
                if (cells.length != width) {
                    throw fail.at("line " + lineNo + " has " + cells.length + " columns, expected " + width
                            + " as on line " + firstLine);
                }
                int k = 0;
                for (int c = 0; c < width; c++) {
                    String cell = cells[c];
                    if (c == labelCol) {
                        int label = parseLabel(cell, lineNo, c, header, fail);
                        if (numClasses > 0 && label >= numClasses) {
                            throw fail.at("line " + lineNo + ", " + colName(c, header) + ": label " + label
                                    + " is outside [0, " + numClasses + ")");
                        }
                        maxLabel = Math.max(maxLabel, label);
                        labels.add(label);
                    } else {
                        row[k++] = parseFeature(cell, lineNo, c, header, fail);
                    }
                }
                feats.add(row);
            }
            if (width < 0) throw fail.at("empty file: no header and no data rows");
            int rows = labelCol >= 0 ? labels.size : feats.size / row.length;
            if (rows == 0) throw fail.at("no data rows after the header on line " + firstLine);
            if (labelCol < 0) {
                return Dataset.wrap(name, feats.toArray(), rows, row.length, null, 0, null);
            }
            int classes = numClasses > 0 ? numClasses : maxLabel + 1;
            return Dataset.wrap(name, feats.toArray(), rows, row.length, labels.toArray(), classes, null);
        } catch (IOException e) {
            throw fail.io(e);
        }
    }

    private int resolveLabelColumn(String[] header, int width, Fail fail) {
        if (labelName != null) {
            if (header == null) {
                throw fail.at("label column '" + labelName + "' was asked for by name but the file has no header line"
                        + " (its first line is all numbers)");
            }
            int found = -1;
            for (int i = 0; i < header.length; i++) {
                if (header[i].equals(labelName)) {
                    if (found >= 0) {
                        throw fail.at("label column '" + labelName + "' appears twice in the header (columns "
                                + (found + 1) + " and " + (i + 1) + ")");
                    }
                    found = i;
                }
            }
            if (found < 0) {
                throw fail.at("no column named '" + labelName + "' in the header " + Arrays.toString(header));
            }
            return found;
        }
        if (labelIndex >= width) {
            throw fail.at("label column index " + labelIndex + " is out of range: the file has " + width
                    + " columns (0-based indices 0.." + (width - 1) + ")");
        }
        return labelIndex;
    }

    private static float parseFeature(String cell, int line, int col, String[] header, Fail fail) {
        if (!isDecimal(cell)) {
            String why = isNanOrInf(cell) ? "': NaN and infinite values are not allowed"
                    : cell.isEmpty() ? "': empty cell, expected a number" : "' is not a number";
            throw fail.at("line " + line + ", " + colName(col, header) + ": '" + abbreviate(cell) + why);
        }
        double d = Double.parseDouble(cell);
        float f = (float) d;
        if (Float.isInfinite(f)) {
            throw fail.at("line " + line + ", " + colName(col, header) + ": '" + abbreviate(cell)
                    + "' is outside the float range");
        }
        return f;
    }

    private static int parseLabel(String cell, int line, int col, String[] header, Fail fail) {
        String where = "line " + line + ", " + colName(col, header) + ": label '" + abbreviate(cell) + "'";
        if (!isDecimal(cell)) throw fail.at(where + " is not a non-negative integer");
        double d = Double.parseDouble(cell);
        if (d < 0) throw fail.at(where + " is negative; labels must be non-negative integers");
        if (d != Math.rint(d)) throw fail.at(where + " is not an integer");
        if (d >= Dataset.MAX_CLASSES) {
            throw fail.at(where + " is too large: labels must be below " + Dataset.MAX_CLASSES);
        }
        return (int) d;
    }

    private static String colName(int col, String[] header) {
        return "column " + (col + 1) + (header != null ? " ('" + abbreviate(header[col]) + "')" : "");
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }

    private static String[] split(String line) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (true) {
            int comma = line.indexOf(',', start);
            String cell = (comma < 0 ? line.substring(start) : line.substring(start, comma)).trim();
            if (cell.length() >= 2 && cell.charAt(0) == '"' && cell.charAt(cell.length() - 1) == '"') {
                cell = cell.substring(1, cell.length() - 1).trim();
            }
            out.add(cell);
            if (comma < 0) break;
            start = comma + 1;
        }
        return out.toArray(new String[0]);
    }

    private static boolean allNumeric(String[] cells) {
        for (String c : cells) {
            if (!isDecimal(c) && !isNanOrInf(c)) return false;
        }
        return true;
    }

    private static boolean isNanOrInf(String s) {
        String t = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        return t.equalsIgnoreCase("nan") || t.equalsIgnoreCase("inf") || t.equalsIgnoreCase("infinity");
    }

    /** {@code [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?} — no hex, no suffixes, no NaN. */
    static boolean isDecimal(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
        int digits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            digits++;
        }
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) return false;
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) i++;
            int exp = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                exp++;
            }
            if (exp == 0) return false;
        }
        return i == n;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private record Fail(String source, Path path) {
        DataException at(String msg) {
            return path != null ? new DataException(path, msg) : new DataException(source, msg);
        }

        DataException io(IOException e) {
            return path != null ? new DataException(path, "read failed: " + e, e)
                    : new DataException(source, "read failed: " + e, e);
        }
    }

    private static final class FloatBuf {
        float[] a = new float[1024];
        int size;

        void add(float[] row) {
            if (a.length - size < row.length) {
                long cap = Math.max((long) a.length * 2, (long) size + row.length);
                if (cap > Integer.MAX_VALUE - 8) {
                    if ((long) size + row.length > Integer.MAX_VALUE - 8) {
                        throw new IllegalStateException("CSV too large for one float array");
                    }
                    cap = Integer.MAX_VALUE - 8;
                }
                a = Arrays.copyOf(a, (int) cap);
            }
            System.arraycopy(row, 0, a, size, row.length);
            size += row.length;
        }

        float[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }

    private static final class IntBuf {
        int[] a = new int[256];
        int size;

        void add(int v) {
            if (size == a.length) a = Arrays.copyOf(a, a.length * 2);
            a[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, size);
        }
    }
}
