package org.hvae4j.data;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Mini-batches over a {@link Dataset}, epoch by epoch, reproducibly: the row order of epoch {@code e} is a
 * function of {@code (seed, e)} only, so the same seed gives the same batches, and a run resumed at epoch
 * {@code e} sees the same order as one that never stopped.
 *
 * <pre>{@code
 * Batcher b = Batcher.of(data, 128, seed).withDropLast(true);
 * float[] x = b.newFeatureBuffer();
 * int[] y = b.newLabelBuffer();
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     Batcher.Epoch it = b.epoch(epoch);
 *     int n;
 *     while ((n = it.next(x, y)) > 0) { train(x, y, n); }
 * }
 * }</pre>
 * Filling a batch allocates nothing (one {@link System#arraycopy} per row); each epoch allocates its
 * permutation once. A {@code Batcher} is immutable; an {@link Epoch} is a cursor for one thread.
 */
public final class Batcher {
    private final Dataset data;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;

    private Batcher(Dataset data, int batchSize, long seed, boolean shuffle, boolean dropLast) {
        this.data = Objects.requireNonNull(data, "data");
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (data.rows() == 0) throw new IllegalArgumentException("dataset " + data.name() + " has no rows");
        if (dropLast && batchSize > data.rows()) {
            throw new IllegalArgumentException("batch size " + batchSize + " is larger than the " + data.rows()
                    + " rows of " + data.name() + ": with drop-last no batch would be produced");
        }
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
    }

    /** Shuffled batches of {@code batchSize} rows with the given seed; the last, smaller batch is kept. */
    public static Batcher of(Dataset data, int batchSize, long seed) {
        return new Batcher(data, batchSize, seed, true, false);
    }

    /** This batcher with drop-last set: when true, a final batch smaller than the batch size is skipped. */
    public Batcher withDropLast(boolean drop) {
        return new Batcher(data, batchSize, seed, shuffle, drop);
    }

    /** This batcher with shuffling on or off (off: rows in dataset order every epoch). */
    public Batcher withShuffle(boolean on) {
        return new Batcher(data, batchSize, seed, on, dropLast);
    }

    /** This batcher with another seed. */
    public Batcher withSeed(long newSeed) {
        return new Batcher(data, batchSize, newSeed, shuffle, dropLast);
    }

    public Dataset data() {
        return data;
    }

    public int batchSize() {
        return batchSize;
    }

    public long seed() {
        return seed;
    }

    public boolean shuffle() {
        return shuffle;
    }

    public boolean dropLast() {
        return dropLast;
    }

    /** Number of batches each epoch yields. */
    public int batchesPerEpoch() {
        int rows = data.rows();
        return dropLast ? rows / batchSize : (rows + batchSize - 1) / batchSize;
    }

    /** Number of rows each epoch yields ({@code rows()} less the dropped remainder). */
    public int rowsPerEpoch() {
        return dropLast ? (data.rows() / batchSize) * batchSize : data.rows();
    }

    /** A feature buffer sized for one batch: {@code batchSize × cols}. */
    public float[] newFeatureBuffer() {
        return new float[Math.multiplyExact(batchSize, data.cols())];
    }

    /** A label buffer sized for one batch. */
    /** A buffer for one batch of condition vectors, or null when the data has none. */
    public float[] newConditionBuffer() {
        return data.hasConditions() ? new float[batchSize * data.conditionDim()] : null;
    }

    public int[] newLabelBuffer() {
        return new int[batchSize];
    }

    /** The row order of epoch {@code epoch} (a fresh array; the identity when shuffling is off). */
    public int[] permutation(long epoch) {
        if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        int n = data.rows();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        if (shuffle) {
            SplittableRandom rng = new SplittableRandom(mix64(seed ^ mix64(epoch + 0x632BE59BD9B4E019L)));
            for (int i = n - 1; i > 0; i--) { // Fisher-Yates
                int j = rng.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }

    /** A cursor over the batches of epoch {@code epoch} (0-based). */
    public Epoch epoch(long epoch) {
        return new Epoch(epoch, permutation(epoch));
    }

    /** Stafford's variant 13 of the MurmurHash3 finaliser: decorrelates nearby seeds. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "Batcher[" + data.name() + ", batch " + batchSize + ", seed " + seed
                + (shuffle ? ", shuffled" : ", in order") + (dropLast ? ", drop-last" : "") + "]";
    }

    /** The batches of one epoch, filled into caller-provided buffers. Not thread-safe. */
    public final class Epoch {
        private final long epoch;
        private final int[] order;
        private final int end;
        private int pos;
        private int batch;

        private Epoch(long epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.end = rowsPerEpoch();
        }

        /** The epoch number. */
        public long epoch() {
            return epoch;
        }

        /** Whether another batch remains. */
        public boolean hasNext() {
            return pos < end;
        }

        /** Number of batches already returned by {@link #next}. */
        public int batchIndex() {
            return batch;
        }

        /**
         * Fills the next batch: rows into {@code features[0 .. n*cols)} and, when {@code labels} is not null,
         * their labels into {@code labels[0 .. n)}. Entries past {@code n} are left as they were.
         *
         * @param features buffer of at least {@code batchSize × cols} floats
         * @param labels   buffer of at least {@code batchSize} ints, or null; must be null for an unlabelled dataset
         * @return the number of rows {@code n} in this batch, or 0 when the epoch is over
         */
        public int next(float[] features, int[] labels) {
            return next(features, labels, null);
        }

        /**
         * {@link #next(float[], int[])}, also gathering the rows' condition vectors into {@code conditions} when it is
         * not null (the data must have them).
         */
        public int next(float[] features, int[] labels, float[] conditions) {
            Objects.requireNonNull(features, "features");
            if (features.length < (long) batchSize * data.cols()) {
                throw new IllegalArgumentException("feature buffer has length " + features.length + ", need batch "
                        + batchSize + " x " + data.cols() + " = " + (long) batchSize * data.cols());
            }
            if (labels != null) {
                if (!data.hasLabels()) {
                    throw new IllegalArgumentException("a label buffer was given but dataset " + data.name()
                            + " has no labels; pass null");
                }
                if (labels.length < batchSize) {
                    throw new IllegalArgumentException("label buffer has length " + labels.length + ", need "
                            + batchSize);
                }
            }
            if (pos >= end) return 0;
            int n = Math.min(batchSize, end - pos);
            data.copyRows(order, pos, n, features);
            if (labels != null) data.copyLabels(order, pos, n, labels);
            if (conditions != null) data.copyConditions(order, pos, n, conditions);
            pos += n;
            batch++;
            return n;
        }

        /** A copy of this epoch's full row order. */
        public int[] order() {
            return order.clone();
        }
    }
}
