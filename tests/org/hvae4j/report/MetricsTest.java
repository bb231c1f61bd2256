package org.hvae4j.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
    @TempDir
    Path dir;

    @Test
    void csvRoundTripIsExactAndFlushedRowByRow() throws IOException {
        Path csv = dir.resolve("run/metrics.csv");
        List<String> cols = List.of("train_elbo", "test_elbo", "kl_z1", "kl_z2");
        try (MetricsWriter m = MetricsWriter.open(csv, cols)) {
            assertEquals("epoch,step,train_elbo,test_elbo,kl_z1,kl_z2", Files.readString(csv).strip());
            m.append(0, 100, Map.of("train_elbo", -123.456789012345, "kl_z1", 1e-7, "kl_z2", 3.0f));
            // flushed: readable while the writer is still open
            assertEquals(2, Files.readAllLines(csv).size());
            Map<String, Double> withNull = new HashMap<>();
            withNull.put("train_elbo", Double.NEGATIVE_INFINITY);
            withNull.put("kl_z1", null);
            m.append(1, 200, withNull);
            m.append(1, 200, Map.of("test_elbo", 0.1 + 0.2, "kl_z2", Double.POSITIVE_INFINITY));
            assertEquals(3, m.table().size());
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("0,100,-123.456789012345,,1.0E-7,3.0", lines.get(1));
        assertEquals("1,200,-inf,,,", lines.get(2));

        MetricsTable back = MetricsTable.readCsv(csv);
        assertEquals(cols, back.columns());
        assertEquals(3, back.size());
        assertArrayEquals(new long[] {0, 1, 1}, back.epochs());
        assertArrayEquals(new long[] {100, 200, 200}, back.steps());
        assertArrayEquals(new double[] {-123.456789012345, Double.NEGATIVE_INFINITY, Double.NaN},
                back.column("train_elbo"));
        assertArrayEquals(new double[] {Double.NaN, Double.NaN, 0.1 + 0.2}, back.column("test_elbo"));
        assertArrayEquals(new double[] {1e-7, Double.NaN, Double.NaN}, back.column("kl_z1"));
        assertArrayEquals(new double[] {3.0, Double.NaN, Double.POSITIVE_INFINITY}, back.column("kl_z2"));
        assertEquals(-123.456789012345, back.row(0).get("train_elbo"));
        assertEquals(Map.of("test_elbo", 0.1 + 0.2, "kl_z2", Double.POSITIVE_INFINITY), back.row(2).present());

        Path copy = dir.resolve("copy.csv");
        back.writeCsv(copy);
        assertEquals(Files.readString(csv), Files.readString(copy));
        assertEquals(back.rows(), MetricsTable.readCsv(copy).rows());
    }

    @Test
    void columnsFromFirstRowThenUnknownKeyRefused() throws IOException {
        Path csv = dir.resolve("m.csv");
        Map<String, Double> first = new LinkedHashMap<>();
        first.put("b", 2.0);
        first.put("a", 1.0);
        try (MetricsWriter m = MetricsWriter.open(csv)) {
            assertEquals("", Files.readString(csv));
            m.append(0, 0, first);
            assertEquals(List.of("b", "a"), m.table().columns());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.append(0, 1, Map.of("c", 3.0)));
            assertTrue(e.getMessage().contains("'c'"), e.getMessage());
            m.append(0, 2, Map.of("a", 5.0));
        }
        assertEquals(List.of("epoch,step,b,a", "0,0,2.0,1.0", "0,2,,5.0"), Files.readAllLines(csv));
    }

    @Test
    void badColumnsAndRowsNamed() {
        assertThrows(IllegalArgumentException.class, () -> MetricsTable.withColumns("epoch"));
        assertThrows(IllegalArgumentException.class, () -> MetricsTable.withColumns("a,b"));
        assertThrows(IllegalArgumentException.class, () -> MetricsTable.withColumns("a", "a"));
        assertThrows(IllegalArgumentException.class, () -> MetricsTable.withColumns(" "));
        MetricsTable t = MetricsTable.withColumns("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.append(-1, 0, Map.of()));
        assertTrue(e.getMessage().contains("epoch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.column("y"));
        assertTrue(e.getMessage().contains("'y'"), e.getMessage());
        assertEquals(0, t.size());
    }

    @Test
    void malformedCsvNamesTheLine() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "epoch,step,a\n0,0,1.0\n0,1\n");
        IOException e = assertThrows(IOException.class, () -> MetricsTable.readCsv(csv));
        assertTrue(e.getMessage().contains(":3:"), e.getMessage());
        Files.writeString(csv, "step,epoch,a\n");
        assertThrows(IOException.class, () -> MetricsTable.readCsv(csv));
    }

    @Test
    void summaryJsonIsPrettyAtomicAndParsesBack() throws IOException {
        Path json = dir.resolve("run/summary.json");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", "g2");
        s.put("epochs", 10);
        s.put("test_elbo", -87.25);
        s.put("nan", Double.NaN);
        s.put("layers", List.of(100, 50));
        s.put("kl", Map.of("z1", 20.5));
        MetricsWriter.writeSummaryJson(json, s);
        s.put("epochs", 11); // overwrite an existing file
        MetricsWriter.writeSummaryJson(json, s);

        String text = Files.readString(json);
        assertTrue(text.contains("\n  \"model\" : \"g2\""), text);
        assertTrue(text.indexOf("\"model\"") < text.indexOf("\"epochs\""), "key order kept");
        JsonNode root = new ObjectMapper().readTree(text);
        assertEquals("g2", root.get("model").asText());
        assertEquals(11, root.get("epochs").asInt());
        assertEquals(-87.25, root.get("test_elbo").asDouble());
        assertEquals("NaN", root.get("nan").asText());
        assertEquals(50, root.get("layers").get(1).asInt());
        assertEquals(20.5, root.get("kl").get("z1").asDouble());
        try (Stream<Path> files = Files.list(json.getParent())) {
            assertEquals(List.of(json.getFileName().toString()),
                    files.map(p -> p.getFileName().toString()).toList(), "temporary files left behind");
        }
    }

    @Test
    void failedSummaryWriteLeavesNoTemporaryFile() throws IOException {
        Path json = dir.resolve("s.json");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("bad", new Object()); // Jackson cannot serialise a bare Object
        assertThrows(IOException.class, () -> MetricsWriter.writeSummaryJson(json, s));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(0, files.count());
        }
    }
}
