package org.hvae4j.data;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Fixed ("once, with a seed") stochastic binarization of 8-bit grey-level images, bit-for-bit identical to
 * the numpy recipe used by the PyTorch reference:
 * <pre>{@code
 * u = numpy.random.RandomState(seed).uniform(size=x.shape)   # x: uint8, shape (rows, cols)
 * bits = (u < x / 255.0).astype(numpy.uint8)
 * }</pre>
 * i.e. one {@link Mt19937} uniform per value in row-major order (row 0 first, then row 1, …), and a value's
 * bit is 1 iff {@code u < k / 255.0} (strict, in double precision) where {@code k} is its grey level
 * {@code 0..255}. A grey level 0 therefore always gives 0 and 255 always gives 1.
 *
 * <p>A {@link Dataset} holds grey levels as {@code k / 255f} (float32, see {@link IdxReader}); the level is
 * recovered exactly as {@code k = Math.round(f * 255)} and the threshold is recomputed in double from
 * {@code k}, as numpy does. (Comparing against the float32 value widened to double would flip a bit whenever a
 * uniform falls between the two thresholds; on the Fashion-MNIST test set with seed 123 that happens to occur
 * for no pixel, but the code does not rely on it.)
 *
 * <p>Because the stream is consumed in row order, the first {@code n} rows of {@code fixed(d, seed)} use only
 * the first {@code n × cols} uniforms: {@code fixed(d, seed).head(n)} and {@code fixed(d.head(n), seed)} hold
 * the same bits (tested). Rows after {@code n} do depend on the rows before them.
 */
public final class Binarize {
    private static final float[] LEVEL_F = new float[256];
    private static final double[] LEVEL_D = new double[256];

    static {
        for (int k = 0; k < 256; k++) {
            LEVEL_F[k] = k / 255f; // exactly what IdxReader stores
            LEVEL_D[k] = k / 255.0; // what numpy compares against
        }
    }

    private Binarize() {
    }

    /**
     * Binarizes every value of {@code grey} with uniforms from {@code new Mt19937(seed)}, row-major.
     * Labels, class count and image shape are kept; the result is named {@code name-bin<seed>}.
     *
     * @param grey a dataset whose every value is an 8-bit grey level {@code k / 255f}, {@code k} in 0..255
     *             (as read from IDX files)
     * @param seed in {@code [0, 2^32 - 1]}, as {@code numpy.random.RandomState(seed)}
     * @return a new dataset of 0f/1f values
     * @throws IllegalArgumentException naming the row and column of the first value that is not a grey level,
     *                                  or when the seed is out of range
     */
    public static Dataset fixed(Dataset grey, long seed) {
        Objects.requireNonNull(grey, "grey");
        Mt19937 rng = new Mt19937(seed);
        float[] src = grey.features();
        float[] out = new float[src.length];
        int cols = grey.cols();
        for (int i = 0; i < src.length; i++) {
            float f = src[i];
            int k = Math.round(f * 255);
            if (k < 0 || k > 255 || LEVEL_F[k] != f) {
                throw new IllegalArgumentException("value " + f + " at row " + i / cols + ", column " + i % cols
                        + " of " + grey.name() + " is not an 8-bit grey level k/255 (k in 0..255);"
                        + " fixed binarization is defined on grey levels only");
            }
            out[i] = rng.nextDouble() < LEVEL_D[k] ? 1f : 0f;
        }
        return Dataset.wrap(grey.name() + "-bin" + seed, out, grey.rows(), cols, grey.labels(), grey.numClasses(),
                grey.imageShape().orElse(null));
    }

    /**
     * SHA-256 (lower-case hex) of the values as one byte each, 0 or 1, row-major — the same as
     * {@code hashlib.sha256(bits.astype(numpy.uint8).tobytes()).hexdigest()} — to record which binarized data
     * a result was computed on.
     *
     * @throws IllegalArgumentException when a value is neither 0 nor 1
     */
    public static String sha256Bits(Dataset bits) {
        Objects.requireNonNull(bits, "bits");
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        float[] v = bits.features();
        byte[] buf = new byte[1 << 16];
        for (int start = 0; start < v.length; start += buf.length) {
            int n = Math.min(buf.length, v.length - start);
            for (int j = 0; j < n; j++) buf[j] = bit(v, start + j, bits);
            md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Number of values equal to 1.
     *
     * @throws IllegalArgumentException when a value is neither 0 nor 1
     */
    public static long ones(Dataset bits) {
        Objects.requireNonNull(bits, "bits");
        float[] v = bits.features();
        long n = 0;
        for (int i = 0; i < v.length; i++) n += bit(v, i, bits);
        return n;
    }

    private static byte bit(float[] v, int i, Dataset d) {
        float f = v[i];
        if (f == 0f) return 0;
        if (f == 1f) return 1;
        throw new IllegalArgumentException("value " + f + " at row " + i / d.cols() + ", column " + i % d.cols()
                + " of " + d.name() + " is not 0 or 1");
    }
}
