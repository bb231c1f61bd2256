package org.hvae4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class BinarizeTest {
    private static Dataset greyLevels(String name, int[][] levels, int[] labels) {
        int rows = levels.length;
        int cols = levels[0].length;
        float[] f = new float[rows * cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) f[i * cols + j] = levels[i][j] / 255f;
        return labels == null ? Dataset.of(name, f, rows, cols) : Dataset.of(name, f, rows, cols, labels, 10);
    }

    /** numpy: (RandomState(7).uniform(size=x.shape) < x / 255.0).astype(uint8) for this uint8 x. */
    @Test
    void smallImageMatchesNumpy() {
        Dataset grey = greyLevels("tiny", new int[][] {{0, 255, 128, 1, 254, 77}, {200, 3, 100, 50, 255, 0}},
                new int[] {4, 9});
        Dataset bits = Binarize.fixed(grey, 7);
        assertArrayEquals(new float[] {0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0}, bits.features());
        assertArrayEquals(new int[] {4, 9}, bits.labels());
        assertEquals(10, bits.numClasses());
        assertEquals("tiny-bin7", bits.name());
        assertEquals(6, Binarize.ones(bits));
    }

    /** One uniform per value, row-major, strict comparison against k / 255.0 in double. */
    @Test
    void followsTheStreamValueByValue() {
        int rows = 40;
        int cols = 50;
        int[][] lv = new int[rows][cols];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) lv[i][j] = (i * 37 + j * 11) % 256;
        Dataset grey = greyLevels("ramp", lv, null).withImageShape(new ImageShape(2, 5, 5));
        Dataset bits = Binarize.fixed(grey, 99);
        Mt19937 r = new Mt19937(99);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float expect = r.nextDouble() < lv[i][j] / 255.0 ? 1f : 0f;
                assertEquals(expect, bits.get(i, j), "row " + i + " col " + j);
            }
        }
        assertEquals(new ImageShape(2, 5, 5), bits.imageShape().orElseThrow());
        assertTrue(!bits.hasLabels());
    }

    @Test
    void blackIsAlwaysZeroAndWhiteAlwaysOne() {
        float[] f = new float[2000];
        for (int i = 1000; i < 2000; i++) f[i] = 1f;
        Dataset bits = Binarize.fixed(Dataset.of("bw", f, 2, 1000), 5);
        assertArrayEquals(f, bits.features());
    }

    @Test
    void headCommutesWithBinarization() {
        int[][] lv = new int[30][33];
        for (int i = 0; i < 30; i++) for (int j = 0; j < 33; j++) lv[i][j] = (i * 7 + j * 13) % 256;
        Dataset grey = greyLevels("g", lv, null);
        for (int n : new int[] {0, 1, 19, 30}) {
            assertArrayEquals(Binarize.fixed(grey, 123).head(n).features(),
                    Binarize.fixed(grey.head(n), 123).features(), "n = " + n);
        }
    }

    @Test
    void rejectsValuesThatAreNotGreyLevels() {
        Dataset d = Dataset.of("half", new float[] {0f, 0.5f, 1f, 0f}, 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Binarize.fixed(d, 1));
        assertTrue(e.getMessage().contains("row 0, column 1 of half"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Binarize.fixed(Dataset.of("neg", new float[] {-1 / 255f}, 1, 1), 1));
        assertThrows(IllegalArgumentException.class,
                () -> Binarize.fixed(Dataset.of("nan", new float[] {Float.NaN}, 1, 1), 1));
        assertThrows(IllegalArgumentException.class,
                () -> Binarize.fixed(Dataset.of("big", new float[] {256 / 255f}, 1, 1), 1));
        assertThrows(IllegalArgumentException.class,
                () -> Binarize.fixed(Dataset.of("ok", new float[] {0f}, 1, 1), -1));
    }

    @Test
    void sha256BitsHashesOneBytePerValue() {
        // hashlib.sha256(bytes([0, 1, 1, 0, 1])).hexdigest()
        Dataset d = Dataset.of("b", new float[] {0, 1, 1, 0, 1}, 1, 5);
        assertEquals("abc55ef8f1d293376e9dcfaa041fac6b193e352ebaa466a5f7f53b8f54316f18", Binarize.sha256Bits(d));
        assertEquals(3, Binarize.ones(d));
        Dataset notBits = Dataset.of("g", new float[] {0, 0.5f}, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> Binarize.sha256Bits(notBits));
        assertThrows(IllegalArgumentException.class, () -> Binarize.ones(notBits));
    }

    // ---- the evaluation protocol on the real Fashion-MNIST test set (skipped when it is not installed) ----

    private static Dataset fashionTest() {
        assumeTrue(Files.isDirectory(Datasets.FASHION_MNIST_DIR), "Fashion-MNIST is not installed at "
                + Datasets.FASHION_MNIST_DIR);
        return Datasets.fashionMnist(null, false);
    }

    @Test
    void fashionMnistTestSetMatchesTheReference() {
        Dataset test = fashionTest();
        assertEquals(10_000, test.rows());
        Dataset all = Binarize.fixed(test, 123);
        assertEquals(2_249_057, Binarize.ones(all));
        assertEquals("8201aab43eea3e9c88d96ddb3a07795d10d57919997170ba55f1b9f6c80958b2", Binarize.sha256Bits(all));
        Dataset first = all.head(1000);
        assertEquals(227_758, Binarize.ones(first));
        assertEquals("8bad3b5dfc542af9c851b90ccc3b68cec12cfc90020d31367fd2eff73fe181b9", Binarize.sha256Bits(first));
        assertArrayEquals(test.head(1000).labels(), first.labels());
        // the head only consumes the first 1000 x 784 uniforms: binarizing it alone gives the same bits
        assertArrayEquals(first.features(), Binarize.fixed(test.head(1000), 123).features());
    }

    @Test
    void fashionMnistTestBinarizedIsTheProtocolSubset() {
        fashionTest();
        Dataset d = Datasets.fashionMnistTestBinarized(null, 1000);
        assertEquals(1000, d.rows());
        assertEquals(784, d.cols());
        assertEquals(10, d.numClasses());
        assertEquals(ImageShape.grey(28, 28), d.imageShape().orElseThrow());
        assertEquals(227_758, Binarize.ones(d));
        assertEquals("8bad3b5dfc542af9c851b90ccc3b68cec12cfc90020d31367fd2eff73fe181b9", Binarize.sha256Bits(d));
        assertEquals("8201aab43eea3e9c88d96ddb3a07795d10d57919997170ba55f1b9f6c80958b2",
                Binarize.sha256Bits(Datasets.fashionMnistTestBinarized(null, 10_000)));
        assertThrows(IllegalArgumentException.class, () -> Datasets.fashionMnistTestBinarized(null, 10_001));
        assertThrows(IllegalArgumentException.class, () -> Datasets.fashionMnistTestBinarized(null, -1));
    }
}
