package org.hvae4j.data;

import static org.hvae4j.data.IdxTestFiles.gzip;
import static org.hvae4j.data.IdxTestFiles.images;
import static org.hvae4j.data.IdxTestFiles.labels;
import static org.hvae4j.data.IdxTestFiles.pattern;
import static org.hvae4j.data.IdxTestFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path tmp;

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "message '" + message + "' lacks '" + p + "'");
        }
    }

    @Test
    void embeddedMnist() {
        Dataset d = Datasets.embeddedMnist();
        assertEquals("mnist-embedded", d.name());
        assertEquals(10_000, d.rows());
        assertEquals(784, d.cols());
        assertEquals(ImageShape.grey(28, 28), d.imageShape().orElseThrow());
        assertEquals(10, d.numClasses());
        float[] f = d.features();
        double sum = 0;
        for (float v : f) {
            assertTrue(v >= 0f && v <= 1f, "pixel " + v);
            sum += v;
        }
        double mean = sum / f.length;
        assertTrue(mean > 0.10 && mean < 0.16, "mean pixel " + mean + " (MNIST is about 0.13)");
        int[] counts = d.labelCounts();
        for (int c = 0; c < 10; c++) {
            assertTrue(counts[c] >= 800 && counts[c] <= 1200, "class " + c + " has " + counts[c] + " rows");
        }
        // shuffled: the first 100 rows already hold every class
        int[] head = d.head(100).labelCounts();
        for (int c = 0; c < 10; c++) assertTrue(head[c] > 0, "class " + c + " missing from the first 100 rows");
    }

    /** Images and labels agree: a nearest-class-mean classifier (about 80% on MNIST) beats chance by far. */
    @Test
    void embeddedMnistLabelsMatchImages() {
        Dataset d = Datasets.embeddedMnist();
        int n = d.rows();
        int p = d.cols();
        float[] f = d.features();
        double[][] mean = new double[10][p];
        int[] counts = d.labelCounts();
        for (int i = 0; i < n; i++) {
            int l = d.label(i);
            for (int j = 0; j < p; j++) mean[l][j] += f[i * p + j];
        }
        for (int c = 0; c < 10; c++) for (int j = 0; j < p; j++) mean[c][j] /= counts[c];
        int correct = 0;
        for (int i = 0; i < n; i++) {
            int best = -1;
            double bestDist = Double.MAX_VALUE;
            for (int c = 0; c < 10; c++) {
                double dist = 0;
                for (int j = 0; j < p; j++) {
                    double diff = f[i * p + j] - mean[c][j];
                    dist += diff * diff;
                }
                if (dist < bestDist) {
                    bestDist = dist;
                    best = c;
                }
            }
            if (best == d.label(i)) correct++;
        }
        double acc = correct / (double) n;
        assertTrue(acc > 0.7, "nearest-mean accuracy " + acc);
    }

    @Test
    void fashionMnistIfInstalled() {
        assumeTrue(Files.isDirectory(Datasets.FASHION_MNIST_DIR),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        Dataset train = Datasets.fashionMnist(null, true);
        assertEquals(60_000, train.rows());
        assertEquals(784, train.cols());
        assertEquals("fashion-mnist-train", train.name());
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, train.labelCounts());
        Dataset test = Datasets.byName("fashion-mnist-test");
        assertEquals(10_000, test.rows());
        assertEquals(10, test.numClasses());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, test.labelCounts());
        for (float v : test.features()) assertTrue(v >= 0f && v <= 1f);
    }

    /** A fake MNIST-style directory: gzip'd train files, plain test files with the dotted names. */
    private Path fakeIdxDir() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("fake"));
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(images(6, 2, 3, pattern(36))));
        write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(new byte[] {0, 1, 2, 9, 8, 7})));
        write(dir.resolve("t10k-images.idx3-ubyte"), images(2, 2, 3, pattern(12)));
        write(dir.resolve("t10k-labels.idx1-ubyte"), labels(new byte[] {5, 4}));
        return dir;
    }

    @Test
    void fashionMnistFromDirectory() throws IOException {
        Path dir = fakeIdxDir();
        Dataset train = Datasets.fashionMnist(dir, true);
        assertEquals(6, train.rows());
        assertEquals(10, train.numClasses());
        Dataset test = Datasets.byName("fashion-mnist-test:" + dir);
        assertEquals(2, test.rows());
        assertArrayEquals(new int[] {5, 4}, test.labels());
        assertEquals(10, test.numClasses());
        assertEquals(6, Datasets.byName("fashion-mnist:" + dir).rows());
    }

    @Test
    void fashionMnistNotFoundSaysHowToGetIt() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        DataException e = assertThrows(DataException.class, () -> Datasets.fashionMnist(empty, true));
        assertContains(e.getMessage(), empty.toString(), "train", "train-images-idx3-ubyte.gz",
                "apt-get install dataset-fashion-mnist", "--data");
        Path none = tmp.resolve("none");
        DataException f = assertThrows(DataException.class, () -> Datasets.fashionMnist(none, false));
        assertContains(f.getMessage(), none.toString(), "no such directory", "apt-get install dataset-fashion-mnist");
    }

    @Test
    void fashionMnistNeedsLabels() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("nolabels"));
        write(dir.resolve("train-images-idx3-ubyte"), images(1, 1, 1, new byte[1]));
        DataException e = assertThrows(DataException.class, () -> Datasets.fashionMnist(dir, true));
        assertContains(e.getMessage(), "train-labels-idx1-ubyte.gz");
    }

    @Test
    void byNameSpecs() throws IOException {
        assertEquals(10_000, Datasets.byName(null).rows());
        assertEquals("mnist-embedded", Datasets.byName(" mnist-embedded ").name());
        Path dir = fakeIdxDir();
        Dataset fromDir = Datasets.byName(dir.toString());
        assertEquals(6, fromDir.rows());
        assertEquals("fake-train", fromDir.name());
        assertEquals(10, fromDir.numClasses()); // largest label 9 + 1
        Dataset file = Datasets.byName(dir.resolve("t10k-images.idx3-ubyte").toString());
        assertEquals(2, file.rows());
        assertArrayEquals(new int[] {5, 4}, file.labels());

        Path csv = Files.writeString(tmp.resolve("d.csv"), "f1,f2,y\n0.5,1,1\n0,0.25,0\n");
        Dataset plain = Datasets.byName(csv.toString());
        assertEquals(3, plain.cols());
        assertFalse(plain.hasLabels());
        Dataset named = Datasets.byName(csv + "#label=y");
        assertEquals(2, named.cols());
        assertArrayEquals(new int[] {1, 0}, named.labels());
        assertArrayEquals(new int[] {1, 0}, Datasets.byName(csv + "#label=2").labels());
    }

    @Test
    void byNameTestSplitOnlyDirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("testonly"));
        write(dir.resolve("t10k-images-idx3-ubyte"), images(3, 1, 2, pattern(6)));
        Dataset d = Datasets.byName(dir.toString());
        assertEquals(3, d.rows());
        assertFalse(d.hasLabels());
        assertEquals("testonly-test", d.name());
    }

    @Test
    void byNameUnknown() {
        DataException e = assertThrows(DataException.class, () -> Datasets.byName("no-such-dataset"));
        assertContains(e.getMessage(), "no-such-dataset", "unknown dataset", "mnist-embedded", "fashion-mnist");
        DataException f = assertThrows(DataException.class, () -> Datasets.byName(tmp + "#label="));
        assertContains(f.getMessage(), "empty label column");
    }
}
