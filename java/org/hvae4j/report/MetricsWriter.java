package org.hvae4j.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.hvae4j.io.AtomicFiles;

/**
 * Writes a run's {@code metrics.csv} as training goes: every {@link #append appended} row goes into an
 * in-memory {@link MetricsTable} (for plots at the end) and, as one line, into the CSV, which is flushed at
 * once, so a run that crashes keeps every row it logged. The header is written when the columns are known:
 * at {@link #open(Path, List)}, or at the first row for {@link #open(Path)}. The format is that of
 * {@link MetricsTable} and reads back with {@link MetricsTable#readCsv}.
 *
 * <pre>{@code
 * try (MetricsWriter m = MetricsWriter.open(run.resolve("metrics.csv"),
 *         List.of("train_elbo", "test_elbo", "kl_z1", "kl_z2"))) {
 *     m.append(epoch, step, Map.of("train_elbo", elbo, "kl_z1", kl1, "kl_z2", kl2));
 *     ...
 *     Plots.trainingCurves(run.resolve("curves.png"), m.table(), List.of("train_elbo", "test_elbo"));
 * }
 * MetricsWriter.writeSummaryJson(run.resolve("summary.json"), summary);
 * }</pre>
 * Thread-safe.
 */
public final class MetricsWriter implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path csv;
    private final MetricsTable table;
    private final BufferedWriter out;
    private boolean headerWritten;
    private boolean closed;

    private MetricsWriter(Path csv, MetricsTable table, BufferedWriter out) {
        this.csv = csv;
        this.table = table;
        this.out = out;
    }

    /**
     * Creates (or truncates) {@code csv} for the given columns, declared up front, and writes its header.
     * Missing parent directories are created.
     *
     * @throws IllegalArgumentException naming a bad column name
     */
    public static MetricsWriter open(Path csv, List<String> columns) throws IOException {
        return open(csv, MetricsTable.withColumns(columns));
    }

    /**
     * Creates (or truncates) {@code csv}; the columns will be the keys of the first row, and a later row with
     * another key is refused. Prefer {@link #open(Path, List)} when some metrics appear only in later rows.
     */
    public static MetricsWriter open(Path csv) throws IOException {
        return open(csv, MetricsTable.fromFirstRow());
    }

    private static MetricsWriter open(Path csv, MetricsTable table) throws IOException {
        Objects.requireNonNull(csv, "csv");
        Path parent = csv.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        MetricsWriter m = new MetricsWriter(csv, table, w);
        try {
            if (table.hasColumns()) m.writeHeader();
        } catch (IOException e) {
            w.close();
            throw e;
        }
        return m;
    }

    /**
     * Appends a row to the table and to the CSV, and flushes the file.
     *
     * @param values column → value; a column left out (or {@code null}) is missing (NaN, an empty field)
     * @return the row appended
     * @throws IllegalArgumentException naming an unknown column (nothing is appended then)
     * @throws IllegalStateException    after {@link #close}
     * @throws UncheckedIOException     when the file cannot be written
     */
    public synchronized MetricsTable.Row append(long epoch, long step, Map<String, ? extends Number> values) {
        if (closed) throw new IllegalStateException("metrics writer for " + csv + " is closed");
        MetricsTable.Row row = table.append(epoch, step, values);
        try {
            if (!headerWritten) writeHeader();
            out.write(MetricsTable.line(row));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv + ": " + e.getMessage(), e);
        }
        return row;
    }

    /** The rows appended so far (live: it grows with later appends). */
    public MetricsTable table() {
        return table;
    }

    /** The CSV file. */
    public Path path() {
        return csv;
    }

    /** Closes the file; the table stays readable. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        out.close();
    }

    private void writeHeader() throws IOException {
        out.write(MetricsTable.header(table.columns()));
        out.flush();
        headerWritten = true;
    }

    /**
     * Writes {@code summary} as pretty-printed JSON, atomically: to a temporary file beside {@code json}, then
     * renamed onto it ({@code ATOMIC_MOVE}, or {@code REPLACE_EXISTING} where atomic rename is unsupported),
     * so a reader sees the old file or the new one, never half of one, and no temporary file is left.
     * Keys keep the map's iteration order (use a {@link java.util.LinkedHashMap}); values may be anything
     * Jackson serialises (numbers, strings, booleans, lists, maps, records, arrays). Non-finite doubles are
     * written as the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"} (Jackson's default), so
     * the file stays valid JSON. Missing parent directories are created.
     */
    public static void writeSummaryJson(Path json, Map<String, Object> summary) throws IOException {
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(summary, "summary");
        byte[] bytes = JSON.writeValueAsBytes(summary);
        AtomicFiles.write(json, out -> {
            out.write(bytes);
            out.write('\n');
        });
    }
}
