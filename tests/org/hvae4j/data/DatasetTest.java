package org.hvae4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DatasetTest {
    /** rows × cols with value r*100 + c, label r % 3. */
    static Dataset grid(int rows, int cols) {
        float[] f = new float[rows * cols];
        int[] l = new int[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) f[r * cols + c] = r * 100 + c;
            l[r] = r % 3;
        }
        return Dataset.of("grid", f, rows, cols, l, 3);
    }

    private static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), () -> "message '" + t.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void accessors() {
        Dataset d = grid(4, 3);
        assertEquals(4, d.rows());
        assertEquals(3, d.cols());
        assertEquals(3, d.numClasses());
        assertTrue(d.hasLabels());
        assertEquals(201f, d.get(2, 1));
        assertArrayEquals(new float[] {300, 301, 302}, d.row(3, new float[3]));
        assertArrayEquals(new int[] {0, 1, 2, 0}, d.labels());
        assertArrayEquals(new int[] {2, 1, 1}, d.labelCounts());
        assertSame(d.features(), d.features());
        assertTrue(d.toString().contains("grid") && d.toString().contains("4 x 3"));
    }

    @Test
    void factoriesCopyAndLabelsAreCopies() {
        float[] f = {1, 2};
        Dataset d = Dataset.of("x", f, 1, 2);
        f[0] = 99;
        assertEquals(1f, d.get(0, 0));
        Dataset g = grid(2, 1);
        g.labels()[0] = 2;
        assertEquals(0, g.label(0));
    }

    @Test
    void copyRowsGathers() {
        Dataset d = grid(5, 2);
        float[] dst = new float[8];
        d.copyRows(new int[] {4, 0, 2}, dst);
        assertArrayEquals(new float[] {400, 401, 0, 1, 200, 201, 0, 0}, dst);
        int[] lab = new int[2];
        d.copyLabels(new int[] {9, 4, 2}, 1, 2, lab);
        assertArrayEquals(new int[] {1, 2}, lab);
        assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> d.copyRows(new int[] {5}, dst)), "row 5");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.copyRows(new int[] {0, 1, 2, 3, 4}, dst)),
                "length 8", "need 5 rows");
    }

    @Test
    void subsetAndHead() {
        Dataset d = grid(5, 2);
        Dataset s = d.subset(1, 3);
        assertEquals(2, s.rows());
        assertArrayEquals(new float[] {100, 101, 200, 201}, s.features());
        assertArrayEquals(new int[] {1, 2}, s.labels());
        assertEquals(3, s.numClasses());
        assertEquals("grid[1:3]", s.name());
        assertEquals(2, d.head(2).rows());
        assertSame(d, d.head(100));
        assertEquals(0, d.head(0).rows());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.subset(3, 6)), "[3, 6)", "[0, 5]");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.head(-1)), "-1");
    }

    @Test
    void withNameShapeAndNoLabels() {
        Dataset d = grid(2, 4);
        Dataset n = d.withName("other");
        assertEquals("other", n.name());
        assertSame(d.features(), n.features());
        Dataset img = d.withImageShape(ImageShape.grey(2, 2));
        assertEquals(ImageShape.grey(2, 2), img.imageShape().orElseThrow());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.withImageShape(ImageShape.grey(3, 3))),
                "3x3", "9 values", "4 columns");
        Dataset u = d.withoutLabels();
        assertTrue(!u.hasLabels());
        assertEquals(0, u.numClasses());
        assertThrows(IllegalStateException.class, () -> u.label(0));
        assertMessage(assertThrows(IllegalArgumentException.class, () -> d.withName(" ")), "blank");
    }

    @Test
    void validation() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Dataset.of("x", new float[5], 2, 3)),
                "5 values", "2 x 3 = 6");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Dataset.of("x", new float[0], 0, 0)),
                "cols must be >= 1, got 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> Dataset.of("x", new float[0], -1, 3)),
                "got -1");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Dataset.of("x", new float[2], 2, 1, new int[] {0, 7}, 3)), "label 7", "row 1", "[0, 3)");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Dataset.of("x", new float[2], 2, 1, new int[] {0}, 3)), "1 entries", "2 rows");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Dataset.of("x", new float[2], 2, 1, new int[] {0, 0}, 0)), "numClasses", "got 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> new ImageShape(1, 0, 3)), "height", "got 0");
    }
}
