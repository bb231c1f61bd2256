package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;

/** Helpers shared by the tensor tests. */
public final class TestSupport {
    private static Backend cuda;
    private static String cudaProblem;

    private TestSupport() {}

    /** CUDA device 0, or skips the calling test (by assumption) saying why none is usable. */
    public static synchronized Backend cudaOrSkip() {
        if (cuda == null && cudaProblem == null) {
            try {
                cuda = Backend.cuda(0);
            } catch (BackendUnavailableException e) {
                cudaProblem = e.getMessage();
            }
        }
        assumeTrue(cuda != null, () -> "no usable CUDA device: " + cudaProblem);
        return cuda;
    }

    public static synchronized boolean cudaUsable() {
        try {
            cudaOrSkip();
            return true;
        } catch (org.opentest4j.TestAbortedException e) {
            return false;
        }
    }

    /** The values of the tensors, one after another (e.g. a model's parameters, or every layer's codes). */
    public static float[] concat(Iterable<Tensor> ts) {
        int n = 0;
        for (Tensor t : ts) {
            n += (int) t.numel();
        }
        float[] all = new float[n];
        int at = 0;
        for (Tensor t : ts) {
            float[] v = t.toArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return all;
    }

    public static float[] randn(SplittableRandom rng, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller from two uniforms: enough for test data.
            double u1 = rng.nextDouble(), u2 = rng.nextDouble();
            a[i] = (float) (scale * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2));
        }
        return a;
    }

    /** ‖a − b‖ / ‖b‖ in double precision. */
    public static double relativeError(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
}
