package org.hvae4j.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable in-memory dataset: {@code rows × cols} float32 features stored row-major in one
 * {@code float[]}, optional integer class labels in {@code [0, numClasses)}, optional condition vectors, an optional
 * {@link ImageShape} describing a row as an image, and a name for logs.
 *
 * <p>The factories {@code of(...)} copy their arrays; {@link #wrap} takes ownership without copying.
 * {@link #features()} exposes the backing array without a copy (for zero-copy hand-off to native code):
 * it must be treated as read-only. Training code should use {@link #copyRows} to gather mini-batches.
 * Instances are safe to share between threads.
 */
public final class Dataset {
    /** Largest number of classes a labelled dataset may declare. */
    public static final int MAX_CLASSES = 1 << 16;

    private final String name;
    private final float[] features;
    private final int rows;
    private final int cols;
    private final int[] labels; // null when unlabelled
    private final int numClasses; // 0 when unlabelled
    private final ImageShape imageShape; // null when not an image
    private final float[] conditions; // null without vector conditions: rows × conditionDim, row-major
    private final int conditionDim;
    private volatile long firstNonFinite = -2; // -2: not scanned yet; -1: every value finite
    private volatile long firstOutsideUnit = -2; // the same for values outside [0, 1]

    private Dataset(String name, float[] features, int rows, int cols, int[] labels, int numClasses,
                    ImageShape imageShape, boolean validateLabels) {
        this(name, features, rows, cols, labels, numClasses, imageShape, validateLabels, null, 0);
    }

    private Dataset(String name, float[] features, int rows, int cols, int[] labels, int numClasses,
                    ImageShape imageShape, boolean validateLabels, float[] conditions, int conditionDim) {
        this.name = checkName(name);
        Objects.requireNonNull(features, "features");
        if (rows < 0) throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        if (cols < 1) throw new IllegalArgumentException("cols must be >= 1, got " + cols);
        long size = (long) rows * cols;
        if (features.length != size) {
            throw new IllegalArgumentException("features has " + features.length + " values but rows x cols = "
                    + rows + " x " + cols + " = " + size);
        }
        if (labels == null) {
            if (numClasses != 0) {
                throw new IllegalArgumentException("numClasses must be 0 without labels, got " + numClasses);
            }
        } else {
            if (labels.length != rows) {
                throw new IllegalArgumentException("labels has " + labels.length + " entries but there are "
                        + rows + " rows");
            }
            if (numClasses < 1 || numClasses > MAX_CLASSES) {
                throw new IllegalArgumentException("numClasses must be in [1, " + MAX_CLASSES + "], got " + numClasses);
            }
            if (validateLabels) {
                for (int i = 0; i < labels.length; i++) {
                    if (labels[i] < 0 || labels[i] >= numClasses) {
                        throw new IllegalArgumentException("label " + labels[i] + " of row " + i
                                + " is outside [0, " + numClasses + ")");
                    }
                }
            }
        }
        if (imageShape != null && imageShape.size() != cols) {
            throw new IllegalArgumentException("image shape " + imageShape + " has " + imageShape.size()
                    + " values but rows have " + cols + " columns");
        }
        if (conditions != null) {
            if (conditionDim < 1 || conditions.length != (long) rows * conditionDim) {
                throw new IllegalArgumentException("conditions must hold " + rows + " rows of conditionDim >= 1 values, got "
                        + conditions.length + " values for conditionDim " + conditionDim);
            }
            for (int i = 0; i < conditions.length; i++) {
                if (!Float.isFinite(conditions[i])) {
                    throw new IllegalArgumentException("condition " + conditions[i] + " of row " + i / conditionDim
                            + ", column " + i % conditionDim + " is not finite");
                }
            }
        }
        this.conditions = conditions;
        this.conditionDim = conditions == null ? 0 : conditionDim;
        this.features = features;
        this.rows = rows;
        this.cols = cols;
        this.labels = labels;
        this.numClasses = numClasses;
        this.imageShape = imageShape;
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("name must not be blank, got '" + name + "'");
        return name;
    }

    /** An unlabelled dataset; {@code features} is copied. */
    public static Dataset of(String name, float[] features, int rows, int cols) {
        return new Dataset(name, Objects.requireNonNull(features, "features").clone(), rows, cols, null, 0, null, true);
    }

    /**
     * A labelled dataset; both arrays are copied.
     *
     * @param labels     one label per row in {@code [0, numClasses)}
     * @param numClasses number of classes, in {@code [1, MAX_CLASSES]}
     */
    public static Dataset of(String name, float[] features, int rows, int cols, int[] labels, int numClasses) {
        return new Dataset(name, Objects.requireNonNull(features, "features").clone(), rows, cols,
                Objects.requireNonNull(labels, "labels").clone(), numClasses, null, true);
    }

    /**
     * A dataset that takes ownership of the given arrays without copying them: the caller must not modify
     * them afterwards. {@code labels} may be null (then {@code numClasses} must be 0), {@code imageShape} may be null.
     */
    public static Dataset wrap(String name, float[] features, int rows, int cols, int[] labels, int numClasses,
                               ImageShape imageShape) {
        return new Dataset(name, features, rows, cols, labels, numClasses, imageShape, true);
    }

    /** Name for logs and reports, e.g. {@code "mnist-embedded"}. */
    public String name() {
        return name;
    }

    /** Number of rows (samples). */
    public int rows() {
        return rows;
    }

    /** Number of columns (features per sample). */
    public int cols() {
        return cols;
    }

    /**
     * The backing row-major feature array of length {@code rows() * cols()}, not a copy.
     * <b>Do not modify it</b>: it is shared by this dataset and every dataset derived from it.
     * Use {@link #copyFeatures()} for a private copy.
     */
    public float[] features() {
        return features;
    }

    /** A fresh copy of the row-major feature array. */
    public float[] copyFeatures() {
        return features.clone();
    }

    /** Feature {@code col} of row {@code row}. */
    public float get(int row, int col) {
        checkRow(row);
        if (col < 0 || col >= cols) throw new IndexOutOfBoundsException("col " + col + " outside [0, " + cols + ")");
        return features[row * cols + col];
    }

    /** Copies row {@code i} into {@code dst[0 .. cols)} and returns {@code dst}. */
    public float[] row(int i, float[] dst) {
        checkRow(i);
        checkDst(dst, cols, 1);
        System.arraycopy(features, i * cols, dst, 0, cols);
        return dst;
    }

    /** Copies the rows {@code idx} (in that order) into {@code dst}, row-major. */
    public void copyRows(int[] idx, float[] dst) {
        copyRows(idx, 0, Objects.requireNonNull(idx, "idx").length, dst);
    }

    /**
     * Gathers the rows {@code idx[from .. from+count)} into {@code dst[0 .. count*cols)}, row-major,
     * one {@link System#arraycopy} per row. Allocates nothing.
     */
    public void copyRows(int[] idx, int from, int count, float[] dst) {
        checkRange(idx, from, count);
        checkDst(dst, cols, count);
        final int c = cols;
        for (int k = 0; k < count; k++) {
            int r = idx[from + k];
            checkRow(r);
            System.arraycopy(features, r * c, dst, k * c, c);
        }
    }

    /** Whether the dataset has class labels. */
    public boolean hasLabels() {
        return labels != null;
    }

    /** Number of classes, or 0 when unlabelled. */
    public int numClasses() {
        return numClasses;
    }

    /** A copy of the labels, or null when unlabelled. */
    public int[] labels() {
        return labels == null ? null : labels.clone();
    }

    /** The label of row {@code i}. */
    public int label(int i) {
        requireLabels();
        checkRow(i);
        return labels[i];
    }

    /** Gathers the labels of rows {@code idx[from .. from+count)} into {@code dst[0 .. count)}. Allocates nothing. */
    public void copyLabels(int[] idx, int from, int count, int[] dst) {
        requireLabels();
        checkRange(idx, from, count);
        Objects.requireNonNull(dst, "dst");
        if (dst.length < count) {
            throw new IllegalArgumentException("label buffer has length " + dst.length + ", need " + count);
        }
        for (int k = 0; k < count; k++) {
            int r = idx[from + k];
            checkRow(r);
            dst[k] = labels[r];
        }
    }

    /** Number of rows of each class (length {@code numClasses()}). */
    public int[] labelCounts() {
        requireLabels();
        int[] counts = new int[numClasses];
        for (int l : labels) counts[l]++;
        return counts;
    }

    /** The image layout of a row, when the rows are images. */
    public Optional<ImageShape> imageShape() {
        return Optional.ofNullable(imageShape);
    }

    /** Rows {@code [from, to)} as a new dataset (copied) named {@code name[from:to]}. */
    public Dataset subset(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IllegalArgumentException("subset [" + from + ", " + to + ") is not within [0, " + rows + "] of "
                    + name);
        }
        if (from == 0 && to == rows) return this;
        float[] f = Arrays.copyOfRange(features, from * cols, to * cols);
        int[] l = labels == null ? null : Arrays.copyOfRange(labels, from, to);
        float[] c = conditions == null ? null : Arrays.copyOfRange(conditions, from * conditionDim, to * conditionDim);
        return new Dataset(name + "[" + from + ":" + to + "]", f, to - from, cols, l, numClasses, imageShape, false, c,
                conditionDim);
    }

    /** The first {@code min(n, rows())} rows; {@code n} must be non-negative. */
    public Dataset head(int n) {
        if (n < 0) throw new IllegalArgumentException("head(n) needs n >= 0, got " + n);
        return subset(0, Math.min(n, rows));
    }

    /** The same data under another name (arrays shared, not copied). */
    public Dataset withName(String newName) {
        return new Dataset(newName, features, rows, cols, labels, numClasses, imageShape, false, conditions,
                conditionDim);
    }

    /** The same data with rows described as images of {@code shape} (null to drop the shape). */
    public Dataset withImageShape(ImageShape shape) {
        return new Dataset(name, features, rows, cols, labels, numClasses, shape, false, conditions, conditionDim);
    }

    /** The same features without labels. */
    public Dataset withoutLabels() {
        return labels == null ? this : new Dataset(name, features, rows, cols, null, 0, imageShape, false, conditions,
                conditionDim);
    }

    /**
     * The same data with a condition vector of {@code dim} values per row ({@code conditions}, rows × dim row-major,
     * copied): what a model conditioned on a vector c ({@code ModelSpec.Builder.conditioning(dim, false)}) reads.
     */
    public Dataset withConditions(float[] conditions, int dim) {
        Objects.requireNonNull(conditions, "conditions");
        return new Dataset(name, features, rows, cols, labels, numClasses, imageShape, false, conditions.clone(), dim);
    }

    /**
     * The same rows with their last {@code n} feature columns taken as condition vectors (a CSV whose trailing
     * columns describe each example: {@code FILE#conditions=N} on the command line).
     */
    public Dataset splitConditions(int n) {
        if (n < 1 || n >= cols) {
            throw new IllegalArgumentException("conditions must be 1 to " + (cols - 1) + " of the " + cols
                    + " columns of " + name + ", got " + n);
        }
        int kept = cols - n;
        float[] f = new float[rows * kept], c = new float[rows * n];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(features, r * cols, f, r * kept, kept);
            System.arraycopy(features, r * cols + kept, c, r * n, n);
        }
        return new Dataset(name, f, rows, kept, labels, numClasses, null, false, c, n);
    }

    /** Whether the rows carry condition vectors. */
    public boolean hasConditions() {
        return conditions != null;
    }

    /** Values per condition vector, or 0 without conditions. */
    public int conditionDim() {
        return conditionDim;
    }

    /** Gathers the condition vectors of rows {@code idx[from .. from+count)} into {@code dst}, row-major. */
    public void copyConditions(int[] idx, int from, int count, float[] dst) {
        if (conditions == null) throw new IllegalStateException("dataset " + name + " has no condition vectors");
        checkRange(idx, from, count);
        checkDst(dst, conditionDim, count);
        for (int k = 0; k < count; k++) {
            int r = idx[from + k];
            checkRow(r);
            System.arraycopy(conditions, r * conditionDim, dst, k * conditionDim, conditionDim);
        }
    }

    /**
     * The flat index of the first NaN or infinite feature value, or -1 when every value is finite. Scanned once
     * (the dataset is immutable) and remembered.
     */
    public long firstNonFinite() {
        long v = firstNonFinite;
        if (v == -2) {
            v = firstWhere(f -> !Float.isFinite(f));
            firstNonFinite = v;
        }
        return v;
    }

    /**
     * The flat index of the first feature value outside {@code [0, 1]} (NaN included), or -1 when every value lies in
     * it (grey levels, binary data: what a Bernoulli likelihood scores). Scanned once and remembered.
     */
    public long firstOutsideUnitInterval() {
        long v = firstOutsideUnit;
        if (v == -2) {
            v = firstWhere(f -> !(f >= 0f && f <= 1f));
            firstOutsideUnit = v;
        }
        return v;
    }

    private interface FloatTest {
        boolean test(float f);
    }

    /** The flat index of the first feature value that passes {@code t}, or -1. */
    private long firstWhere(FloatTest t) {
        for (int i = 0; i < features.length; i++) {
            if (t.test(features[i])) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ": " + rows + " x " + cols
                + (imageShape != null ? " (" + imageShape + ")" : "")
                + (labels != null ? ", " + numClasses + " classes" : ", unlabelled")
                + (conditions != null ? ", conditions of " + conditionDim : "") + "]";
    }

    private void checkRow(int r) {
        if (r < 0 || r >= rows) throw new IndexOutOfBoundsException("row " + r + " outside [0, " + rows + ") of " + name);
    }

    private void requireLabels() {
        if (labels == null) throw new IllegalStateException("dataset " + name + " has no labels");
    }

    private static void checkRange(int[] idx, int from, int count) {
        Objects.requireNonNull(idx, "idx");
        if (from < 0 || count < 0 || from > idx.length - count) {
            throw new IllegalArgumentException("index range from=" + from + " count=" + count
                    + " does not fit an index array of length " + idx.length);
        }
    }

    private static void checkDst(float[] dst, int cols, int count) {
        Objects.requireNonNull(dst, "dst");
        long need = (long) count * cols;
        if (dst.length < need) {
            throw new IllegalArgumentException("destination has length " + dst.length + ", need " + count + " rows x "
                    + cols + " = " + need);
        }
    }
}
