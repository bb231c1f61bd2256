package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The spatial helpers of convolutional cells through the Backend API: each backward pass against central differences
 * of its forward pass (batch normalization with the batch's own moments through channelMoments), upsampling's adjoint
 * identity, and the shape checks. The native check (native/check/spatial.cpp) compares the same ops with double loops
 * and the CUDA kernels with the CPU's.
 */
class SpatialOpsTest {
    private static final Backend CPU = Backend.cpu();
    private static final double H = 1e-2;

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Central differences of f at x, compared element by element with the analytic gradient. */
    private static void checkGradient(float[] x, float[] analytic, Function<float[], Double> f, String what) {
        for (int i = 0; i < x.length; i++) {
            float[] up = x.clone(), down = x.clone();
            up[i] += (float) H;
            down[i] -= (float) H;
            double fd = (f.apply(up) - f.apply(down)) / (2 * H);
            assertEquals(fd, analytic[i], 3e-3 + 3e-3 * Math.abs(fd), what + "[" + i + "]");
        }
    }

    @Test
    void batchNormWithBatchMomentsMatchesCentralDifferences() {
        int n = 3, c = 4, hw = 5;
        SplittableRandom rng = new SplittableRandom(3);
        float[] x = TestSupport.randn(rng, n * c * hw, 1);
        float[] r = TestSupport.randn(rng, n * c * hw, 1);
        float[] gamma = {0.7f, 1.3f, -0.4f, 1f}, beta = {0.1f, -0.2f, 0.3f, 0f};
        for (boolean batchStats : new boolean[] {true, false}) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor mean = CPU.empty(c), var = CPU.empty(c), g = CPU.fromArray(gamma, c), b = CPU.fromArray(beta, c);
                Tensor tx = CPU.fromArray(x, n, c, hw);
                CPU.channelMoments(tx, c, mean, var);
                float[] fixedMean = mean.toArray(), fixedVar = var.toArray();
                Function<float[], Double> loss = xs -> {
                    try (MemoryScope inner = MemoryScope.open()) {
                        Tensor t = CPU.fromArray(xs, n, c, hw), m = CPU.empty(c), v = CPU.empty(c), y = CPU.empty(n, c,
                                hw);
                        if (batchStats) {
                            CPU.channelMoments(t, c, m, v);
                        } else {
                            CPU.copyFrom(fixedMean, m);
                            CPU.copyFrom(fixedVar, v);
                        }
                        CPU.batchNorm(t, c, m, v, 1e-5f, g, b, y);
                        return dot(y.toArray(), r);
                    }
                };
                Tensor dx = CPU.empty(n, c, hw), dg = CPU.full(1f, c), db = CPU.full(1f, c);
                CPU.batchNormBackward(tx, CPU.fromArray(r, n, c, hw), c, mean, var, 1e-5f, g, batchStats, true, dx, dg,
                        db);
                checkGradient(x, dx.toArray(), loss, "batch norm dx (batch moments " + batchStats + ")");
                float[] dgamma = dg.toArray(), dbeta = db.toArray();
                checkGradient(gamma, minusOne(dgamma), gs -> {
                    try (MemoryScope inner = MemoryScope.open()) {
                        Tensor y = CPU.empty(n, c, hw);
                        CPU.batchNorm(tx, c, mean, var, 1e-5f, CPU.fromArray(gs, c), b, y);
                        return dot(y.toArray(), r);
                    }
                }, "batch norm dgamma (accumulated onto 1)");
                checkGradient(beta, minusOne(dbeta), bs -> {
                    try (MemoryScope inner = MemoryScope.open()) {
                        Tensor y = CPU.empty(n, c, hw);
                        CPU.batchNorm(tx, c, mean, var, 1e-5f, g, CPU.fromArray(bs, c), y);
                        return dot(y.toArray(), r);
                    }
                }, "batch norm dbeta (accumulated onto 1)");
            }
        }
    }

    private static float[] minusOne(float[] a) {
        float[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] -= 1f;
        }
        return out;
    }

    @Test
    void batchNormNormalizesEachChannel() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 8, c = 3, hw = 49;
        float[] x = TestSupport.randn(rng, n * c * hw, 4);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor t = CPU.fromArray(x, n, c * hw), m = CPU.empty(c), v = CPU.empty(c);
            CPU.channelMoments(t, c, m, v);
            CPU.batchNorm(t, c, m, v, 0f, CPU.full(1f, c), CPU.zeros(c), t);   // in place
            CPU.channelMoments(t, c, m, v);
            for (int k = 0; k < c; k++) {
                assertEquals(0, m.toArray()[k], 1e-5, "mean of channel " + k);
                assertEquals(1, v.toArray()[k], 1e-4, "variance of channel " + k);
            }
        }
    }

    @Test
    void weightNormGradientsMatchCentralDifferences() {
        int rows = 3, cols = 7;
        SplittableRandom rng = new SplittableRandom(9);
        float[] v = TestSupport.randn(rng, rows * cols, 1);
        float[] g = {0.5f, 1.5f, -2f};
        float[] r = TestSupport.randn(rng, rows * cols, 1);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor tv = CPU.fromArray(v, rows, cols), tg = CPU.fromArray(g, rows), w = CPU.empty(rows, cols);
            Tensor norm = CPU.empty(rows), dv = CPU.empty(rows, cols), dg = CPU.empty(rows);
            CPU.weightNorm(tv, tg, w, norm);
            float[] wv = w.toArray();
            for (int i = 0; i < rows; i++) {
                double ss = 0;
                for (int k = 0; k < cols; k++) {
                    ss += (double) wv[i * cols + k] * wv[i * cols + k];
                }
                assertEquals(Math.abs(g[i]), Math.sqrt(ss), 1e-5, "||w|| of row " + i + " is |g|");
            }
            CPU.weightNormBackward(tv, tg, norm, CPU.fromArray(r, rows, cols), 0f, dv, dg);
            Function<float[][], Double> loss = vg -> {
                try (MemoryScope inner = MemoryScope.open()) {
                    Tensor ww = CPU.empty(rows, cols), nn = CPU.empty(rows);
                    CPU.weightNorm(CPU.fromArray(vg[0], rows, cols), CPU.fromArray(vg[1], rows), ww, nn);
                    return dot(ww.toArray(), r);
                }
            };
            checkGradient(v, dv.toArray(), vs -> loss.apply(new float[][] {vs, g}), "weight norm dv");
            checkGradient(g, dg.toArray(), gs -> loss.apply(new float[][] {v, gs}), "weight norm dg");
        }
    }

    @Test
    void upsamplingsBackwardIsItsAdjointAndRowOpsAreExact() {
        SplittableRandom rng = new SplittableRandom(11);
        int planes = 6, h = 5, w = 3, f = 2;
        float[] x = TestSupport.randn(rng, planes * h * w, 1);
        float[] dy = TestSupport.randn(rng, planes * h * w * f * f, 1);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor y = CPU.empty(2, 3 * h * f * w * f), dx = CPU.empty(2, 3, h, w);
            CPU.upsampleNearest(CPU.fromArray(x, 2, 3, h, w), h, w, f, y);
            CPU.upsampleNearestBackward(CPU.fromArray(dy, 2, 3 * h * f * w * f), h, w, f, dx);
            assertEquals(dot(y.toArray(), dy), dot(x, dx.toArray()), 1e-4, "<up(x), dy> = <x, up*(dy)>");
            assertEquals(x[1 * w + 2], y.toArray()[(2 * w * f) + 2 * 2 + 1], "y[0, 0, 2, 5] = x[0, 0, 1, 2]");
            float[] scale = {2f, -1f, 0.5f};
            Tensor m = CPU.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 3, 2), out = CPU.full(1f, 3);
            CPU.scaleRows(m, CPU.fromArray(scale, 3), m);
            assertArrayEquals(new float[] {2, 4, -3, -4, 2.5f, 3}, m.toArray());
            CPU.rowDot(m, m, 2f, out);
            assertArrayEquals(new float[] {22, 27, 17.25f}, out.toArray(), 1e-6f);
        }
    }

    @Test
    void wrongShapesAreRefusedNamingThem() {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = CPU.zeros(2, 3, 4, 4);
            ConvolutionTest.assertMessage(() -> CPU.upsampleNearest(x, 4, 4, 2, CPU.zeros(2, 3, 4, 4)),
                    "upsampleNearest: y [2, 3, 4, 4] must hold the 6 planes of x at 8x8");
            ConvolutionTest.assertMessage(() -> CPU.upsampleNearest(x, 5, 4, 2, CPU.zeros(2, 3, 8, 8)),
                    "x [2, 3, 4, 4] is not made of 5x4 planes");
            ConvolutionTest.assertMessage(() -> CPU.channelMoments(x, 5, CPU.zeros(5), CPU.zeros(5)),
                    "channelMoments: x [2, 3, 4, 4] is not a non-empty batch of images of 5 channels");
            ConvolutionTest.assertMessage(() -> CPU.channelMoments(x, 3, CPU.zeros(3), CPU.zeros(4)),
                    "channelMoments: [4] must hold one value per channel (3)");
            ConvolutionTest.assertMessage(() -> CPU.weightNorm(CPU.zeros(3, 5), CPU.zeros(2), CPU.zeros(3, 5),
                    CPU.zeros(2)), "weightNorm: v [3, 5] must split into g.numel() = 2 rows");
            ConvolutionTest.assertMessage(() -> CPU.scaleRows(CPU.zeros(3, 5), CPU.zeros(2), CPU.zeros(3, 5)),
                    "scaleRows: s [2] must hold one value per row of x [3, 5]");
        }
    }
}
