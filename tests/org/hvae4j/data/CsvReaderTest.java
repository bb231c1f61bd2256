package org.hvae4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {
    @TempDir
    Path tmp;

    private Path csv(String name, String text) throws IOException {
        return Files.writeString(tmp.resolve(name), text);
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message '" + message + "' lacks '" + p + "'");
        }
    }

    @Test
    void plainNumbersNoHeader() throws IOException {
        Dataset d = CsvReader.features().read(csv("a.csv", "1,2,3\n4.5,-6e-1,+7\n\n"));
        assertEquals(2, d.rows());
        assertEquals(3, d.cols());
        assertArrayEquals(new float[] {1, 2, 3, 4.5f, -0.6f, 7}, d.features());
        assertFalse(d.hasLabels());
        assertEquals("a.csv", d.name());
    }

    @Test
    void headerDetected() throws IOException {
        Dataset d = CsvReader.features().read(csv("h.csv", "x, \"y\" ,z\r\n1,2,3\r\n4,5,6\r\n"));
        assertEquals(2, d.rows());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.features());
    }

    @Test
    void labelColumnByIndex() throws IOException {
        Dataset d = CsvReader.labelColumn(0).read(csv("l.csv", "2,0.5,0.25\n0,1,1\n1.0,0,0\n"));
        assertEquals(2, d.cols());
        assertArrayEquals(new float[] {0.5f, 0.25f, 1, 1, 0, 0}, d.features());
        assertArrayEquals(new int[] {2, 0, 1}, d.labels());
        assertEquals(3, d.numClasses());
    }

    @Test
    void labelColumnByName() throws IOException {
        Path p = csv("n.csv", "a,class,b\n0.1,4,0.2\n0.3,1,0.4\n");
        Dataset d = CsvReader.labelColumn("class").read(p);
        assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, d.features());
        assertArrayEquals(new int[] {4, 1}, d.labels());
        assertEquals(5, d.numClasses());
        assertEquals(10, CsvReader.labelColumn("class").withNumClasses(10).read(p).numClasses());
        DataException e = assertThrows(DataException.class,
                () -> CsvReader.labelColumn("class").withNumClasses(3).read(p));
        assertContains(e.getMessage(), p.toString(), "line 2", "column 2 ('class')", "label 4", "[0, 3)");
    }

    @Test
    void labelNameWithoutHeader() throws IOException {
        Path p = csv("nh.csv", "1,2\n3,4\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.labelColumn("class").read(p));
        assertContains(e.getMessage(), p.toString(), "'class'", "no header");
    }

    @Test
    void unknownLabelName() throws IOException {
        Path p = csv("u.csv", "a,b\n1,2\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.labelColumn("label").read(p));
        assertContains(e.getMessage(), p.toString(), "no column named 'label'", "[a, b]");
    }

    @Test
    void labelIndexOutOfRange() throws IOException {
        Path p = csv("r.csv", "1,2\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.labelColumn(5).read(p));
        assertContains(e.getMessage(), p.toString(), "label column index 5", "2 columns");
    }

    @Test
    void nanCell() throws IOException {
        Path p = csv("nan.csv", "a,b,c\n1,2,3\n4,NaN,6\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), p.toString(), "line 3", "column 2 ('b')", "'NaN'", "NaN and infinite");
    }

    @Test
    void infCellWithoutHeader() throws IOException {
        Path p = csv("inf.csv", "1,-Infinity\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), p.toString(), "line 1", "column 2", "'-Infinity'");
    }

    @Test
    void floatOverflow() throws IOException {
        Path p = csv("big.csv", "1,1e39\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), "line 1", "column 2", "'1e39'", "float range");
    }

    @Test
    void nonNumericCell() throws IOException {
        Path p = csv("txt.csv", "a,b\n1,2\n3,abc\n5,\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), p.toString(), "line 3", "column 2 ('b')", "'abc' is not a number");
        Path q = csv("empty-cell.csv", "a,b\n1,2\n5,\n");
        DataException f = assertThrows(DataException.class, () -> CsvReader.features().read(q));
        assertContains(f.getMessage(), "line 3", "empty cell");
        Path r = csv("suffix.csv", "1.5f,2\n");
        assertThrows(DataException.class, () -> CsvReader.features().read(r)); // read as a header, then no data
    }

    @Test
    void raggedRow() throws IOException {
        Path p = csv("rag.csv", "1,2,3\n4,5,6\n7,8\n");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), p.toString(), "line 3 has 2 columns, expected 3", "line 1");
    }

    @Test
    void badLabels() throws IOException {
        Path neg = csv("neg.csv", "1,0.5\n-1,0.5\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.labelColumn(0).read(neg)).getMessage(),
                neg.toString(), "line 2", "column 1", "'-1'", "negative");
        Path frac = csv("frac.csv", "y,x\n1.5,0\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.labelColumn("y").read(frac)).getMessage(),
                "line 2", "column 1 ('y')", "'1.5'", "not an integer");
        Path text = csv("cat.csv", "y,x\ncat,0\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.labelColumn(0).read(text)).getMessage(),
                "line 2", "'cat'", "non-negative integer");
    }

    @Test
    void emptyAndHeaderOnly() throws IOException {
        Path e1 = csv("e.csv", "\n\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.features().read(e1)).getMessage(),
                e1.toString(), "empty file");
        Path e2 = csv("ho.csv", "a,b\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.features().read(e2)).getMessage(),
                "no data rows");
    }

    @Test
    void onlyLabelColumn() throws IOException {
        Path p = csv("one.csv", "3\n4\n");
        assertContains(assertThrows(DataException.class, () -> CsvReader.labelColumn(0).read(p)).getMessage(),
                "no feature column");
    }

    @Test
    void gzipAndStream() {
        byte[] gz = IdxTestFiles.gzip("a,b\n1,2\n".getBytes(StandardCharsets.UTF_8));
        Dataset d = CsvReader.features().read(new ByteArrayInputStream(gz), "mem.csv.gz", "mem");
        assertArrayEquals(new float[] {1, 2}, d.features());
        assertEquals("mem", d.name());
    }

    @Test
    void missingFile() {
        Path p = tmp.resolve("missing.csv");
        DataException e = assertThrows(DataException.class, () -> CsvReader.features().read(p));
        assertContains(e.getMessage(), p.toString(), "file not found");
    }

    @Test
    void decimalSyntax() {
        for (String ok : new String[] {"0", "-1", "+2.", ".5", "1e5", "1E-5", "3.25e+2"}) {
            assertTrue(CsvReader.isDecimal(ok), ok);
        }
        for (String bad : new String[] {"", "-", ".", "e5", "1e", "0x10", "1f", "NaN", "1,2", " 1"}) {
            assertFalse(CsvReader.isDecimal(bad), bad);
        }
    }

    @Test
    void argumentValidation() {
        assertContains(assertThrows(IllegalArgumentException.class, () -> CsvReader.labelColumn(-2)).getMessage(),
                "-2");
        assertContains(assertThrows(IllegalArgumentException.class,
                () -> CsvReader.labelColumn(0).withNumClasses(0)).getMessage(), "got 0");
        assertThrows(IllegalStateException.class, () -> CsvReader.features().withNumClasses(3));
    }
}
