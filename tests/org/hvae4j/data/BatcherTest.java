package org.hvae4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatcherTest {
    /** Row r holds (r, -r); label r % 3. */
    private static final Dataset DATA = ids(103);

    private static Dataset ids(int rows) {
        float[] f = new float[rows * 2];
        int[] l = new int[rows];
        for (int r = 0; r < rows; r++) {
            f[2 * r] = r;
            f[2 * r + 1] = -r;
            l[r] = r % 3;
        }
        return Dataset.of("ids", f, rows, 2, l, 3);
    }

    /** Row ids seen in one epoch, in order, checking features and labels agree. */
    private static List<Integer> run(Batcher b, long epoch) {
        float[] x = b.newFeatureBuffer();
        int[] y = b.newLabelBuffer();
        List<Integer> seen = new ArrayList<>();
        Batcher.Epoch it = b.epoch(epoch);
        int n;
        int batches = 0;
        while ((n = it.next(x, y)) > 0) {
            assertTrue(n <= b.batchSize());
            for (int k = 0; k < n; k++) {
                int id = (int) x[2 * k];
                assertEquals(-id, x[2 * k + 1], 0f);
                assertEquals(id % 3, y[k]);
                seen.add(id);
            }
            batches++;
            assertEquals(batches, it.batchIndex());
        }
        assertFalse(it.hasNext());
        assertEquals(0, it.next(x, y));
        assertEquals(b.batchesPerEpoch(), batches);
        return seen;
    }

    @Test
    void sameSeedSameOrder() {
        Batcher a = Batcher.of(DATA, 10, 42);
        Batcher b = Batcher.of(DATA, 10, 42);
        for (int e = 0; e < 3; e++) assertEquals(run(a, e), run(b, e), "epoch " + e);
        // resuming at epoch 2 directly gives the same order as after epochs 0 and 1
        assertArrayEquals(a.permutation(2), Batcher.of(DATA, 7, 42).epoch(2).order());
    }

    @Test
    void differentSeedsAndEpochsDiffer() {
        Batcher a = Batcher.of(DATA, 10, 42);
        assertFalse(Arrays.equals(a.permutation(0), a.permutation(1)));
        assertFalse(Arrays.equals(a.permutation(0), a.withSeed(43).permutation(0)));
        int[] identity = Batcher.of(DATA, 10, 0).withShuffle(false).permutation(0);
        assertFalse(Arrays.equals(identity, a.permutation(0)));
    }

    @Test
    void everyIndexExactlyOncePerEpoch() {
        Batcher b = Batcher.of(DATA, 16, 7);
        assertEquals(7, b.batchesPerEpoch());
        for (int e = 0; e < 5; e++) {
            List<Integer> seen = run(b, e);
            assertEquals(DATA.rows(), seen.size());
            boolean[] hit = new boolean[DATA.rows()];
            for (int id : seen) {
                assertFalse(hit[id], "row " + id + " seen twice in epoch " + e);
                hit[id] = true;
            }
        }
    }

    @Test
    void dropLast() {
        Batcher b = Batcher.of(DATA, 16, 7).withDropLast(true);
        assertEquals(6, b.batchesPerEpoch());
        assertEquals(96, b.rowsPerEpoch());
        List<Integer> seen = run(b, 0);
        assertEquals(96, seen.size());
        assertEquals(96, seen.stream().distinct().count());
        // the dropped rows are the tail of the same permutation
        int[] p = b.permutation(0);
        for (int i = 0; i < 96; i++) assertEquals(p[i], seen.get(i));
    }

    @Test
    void lastPartialBatchKept() {
        Batcher b = Batcher.of(DATA, 50, 1);
        float[] x = b.newFeatureBuffer();
        int[] y = b.newLabelBuffer();
        Batcher.Epoch it = b.epoch(0);
        assertEquals(50, it.next(x, y));
        assertEquals(50, it.next(x, y));
        assertEquals(3, it.next(x, y));
        assertEquals(0, it.next(x, y));
    }

    @Test
    void noShuffleIsDatasetOrder() {
        Batcher b = Batcher.of(DATA, 10, 99).withShuffle(false);
        List<Integer> seen = run(b, 3);
        for (int i = 0; i < seen.size(); i++) assertEquals(i, seen.get(i));
    }

    @Test
    void unlabelledAndBufferChecks() {
        Batcher b = Batcher.of(DATA.withoutLabels(), 8, 3);
        float[] x = b.newFeatureBuffer();
        assertEquals(8, b.epoch(0).next(x, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.epoch(0).next(x, new int[8]));
        assertTrue(e.getMessage().contains("no labels"));
        e = assertThrows(IllegalArgumentException.class, () -> b.epoch(0).next(new float[15], null));
        assertTrue(e.getMessage().contains("length 15"), e.getMessage());
    }

    @Test
    void validation() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Batcher.of(DATA, 0, 1)).getMessage()
                .contains("got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Batcher.of(DATA, 200, 1).withDropLast(true))
                .getMessage().contains("batch size 200"));
        assertThrows(IllegalArgumentException.class, () -> Batcher.of(DATA, 10, 1).permutation(-1));
        assertEquals(1, Batcher.of(DATA, 200, 1).batchesPerEpoch());
    }
}
