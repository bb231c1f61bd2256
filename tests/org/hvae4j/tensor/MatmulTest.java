package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MatmulTest {
    private final Backend cpu = Backend.cpu();

    /** C = alpha op(A) op(B) + beta C in double precision, row-major. */
    static double[] reference(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, float[] b,
            float beta, float[] c) {
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = alpha * s + beta * c[i * n + j];
            }
        }
        return out;
    }

    static void checkProduct(Backend backend, boolean ta, boolean tb, int m, int n, int k, float alpha,
            float beta, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] a = TestSupport.randn(rng, m * k, 1);
        float[] b = TestSupport.randn(rng, k * n, 1);
        float[] c = TestSupport.randn(rng, m * n, 1);
        double[] want = reference(ta, tb, m, n, k, alpha, a, b, beta, c);
        try (Tensor ta_ = backend.fromArray(a, ta ? k : m, ta ? m : k);
                Tensor tb_ = backend.fromArray(b, tb ? n : k, tb ? k : n);
                Tensor tc = backend.fromArray(c, m, n)) {
            backend.matmul(ta_, ta, tb_, tb, tc, alpha, beta);
            float[] got = tc.toArray();
            for (int i = 0; i < got.length; i++) {
                // float32 accumulation over k terms of unit variance: error grows like sqrt(k) ulps.
                double tol = 1e-5 * Math.sqrt(k) * (Math.abs(alpha) * Math.sqrt(k) + Math.abs(beta)) + 1e-6;
                assertEquals(want[i], got[i], tol, "element " + i + " of " + m + "x" + n + "x" + k
                        + " transA=" + ta + " transB=" + tb);
            }
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1} {2}x{3}x{4} alpha={5} beta={6}")
    @CsvSource({
        "false,false,7,5,3,1,0", "true,false,7,5,3,1,0", "false,true,7,5,3,1,0", "true,true,7,5,3,1,0",
        "false,false,64,33,129,0.5,2", "true,false,64,33,129,0.5,2", "false,true,64,33,129,-1.5,1",
        "true,true,64,33,129,2,-0.25", "false,false,1,1,1,1,1", "true,true,100,200,784,1,0"})
    void productMatchesDoublePrecisionReference(boolean ta, boolean tb, int m, int n, int k, float alpha,
            float beta) {
        checkProduct(cpu, ta, tb, m, n, k, alpha, beta, 31L * m + n + k);
    }

    @Test
    void betaZeroIgnoresNaNInOutput() {
        try (Tensor a = cpu.fromArray(new float[] {1, 2, 3, 4}, 2, 2);
                Tensor c = cpu.full(Float.NaN, 2, 2)) {
            cpu.matmul(a, false, a, false, c, 1f, 0f);
            assertArrayEquals(new float[] {7, 10, 15, 22}, c.toArray());
        }
    }

    @Test
    void mismatchedInnerDimensionsNameBothShapes() {
        try (Tensor a = cpu.zeros(3, 4); Tensor b = cpu.zeros(5, 6); Tensor c = cpu.zeros(3, 6)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.matmul(a, false, b, false, c, 1f, 0f));
            assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 6]"), e.getMessage());
        }
    }

    @Test
    void wrongOutputShapeIsRejected() {
        try (Tensor a = cpu.zeros(3, 4); Tensor b = cpu.zeros(4, 6); Tensor c = cpu.zeros(6, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.matmul(a, false, b, false, c, 1f, 0f));
            assertTrue(e.getMessage().contains("[6, 3]") && e.getMessage().contains("[3, 6]"), e.getMessage());
        }
    }

    @Test
    void emptyInnerDimensionScalesOutputByBeta() {
        try (Tensor a = cpu.zeros(2, 0); Tensor b = cpu.zeros(0, 3); Tensor c = cpu.full(2f, 2, 3)) {
            cpu.matmul(a, false, b, false, c, 1f, 0.5f);
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, c.toArray());
        }
    }
}
