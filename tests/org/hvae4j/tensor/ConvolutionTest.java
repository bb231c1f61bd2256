package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CPU backend's convolutions (oneDNN) against the direct-loop float64 reference, and the reference's backward
 * passes against central differences of its forward pass; shapes and errors.
 */
class ConvolutionTest {
    private static final Backend CPU = Backend.cpu();

    /** A geometry from "c,h,w,o,kh,kw,stride,padding,groups". */
    static Conv2d geometry(int c, int h, int w, int o, int kh, int kw, int stride, int pad, int groups) {
        return Conv2d.of(c, h, w, o, kh, stride, pad).withKernel(kh, kw).withGroups(groups);
    }

    static double[] d(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }

    /** Max |got − want| / (tol·scale), where scale is the RMS of want: ≤ 1 passes. */
    static void close(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        double ss = 0;
        for (double v : want) {
            ss += v * v;
        }
        double scale = Math.sqrt(ss / Math.max(1, want.length)) + 1e-12;
        for (int i = 0; i < want.length; i++) {
            if (Math.abs(got[i] - want[i]) > tol * scale) {
                fail(what + ": element " + i + " is " + got[i] + ", the float64 reference " + want[i] + " (RMS "
                        + scale + ")");
            }
        }
    }

    /** One geometry's forward and both backward passes on a backend against the reference. */
    static void checkAgainstReference(Backend be, Conv2d g, int n, boolean bias, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = TestSupport.randn(rng, n * g.inSize(), 1);
        float[] w = TestSupport.randn(rng, g.weightCount(), 1 / Math.sqrt(g.weightCount() / g.outChannels()));
        float[] b = TestSupport.randn(rng, g.outChannels(), 1);
        float[] dy = TestSupport.randn(rng, n * g.outSize(), 1);
        try (Tensor tx = be.fromArray(x, n, g.inChannels(), g.height(), g.width());
                Tensor tw = be.fromArray(w, g.weightShape());
                Tensor tb = be.fromArray(b, g.outChannels());
                Tensor ty = be.empty(n, g.outSize());
                Tensor tdy = be.fromArray(dy, n, g.outChannels(), g.outHeight(), g.outWidth());
                Tensor tdx = be.full(Float.NaN, n, g.inSize());
                Tensor tdw = be.full(Float.NaN, g.weightShape());
                Tensor tdb = be.full(Float.NaN, g.outChannels())) {
            be.conv2d(g, tx, tw, bias ? tb : null, ty);
            close(ConvReference.forward(g, n, d(x), d(w), bias ? d(b) : null), ty.toArray(), 1e-5, g + " forward");
            be.conv2dBackwardData(g, tdy, tw, tdx);
            close(ConvReference.backwardData(g, n, d(dy), d(w)), tdx.toArray(), 1e-5, g + " backward data");
            be.conv2dBackwardWeights(g, tx, tdy, tdw, bias ? tdb : null);
            close(ConvReference.backwardWeights(g, n, d(x), d(dy)), tdw.toArray(), 1e-5, g + " backward weights");
            if (bias) {
                close(ConvReference.backwardBias(g, n, d(dy)), tdb.toArray(), 1e-5, g + " backward bias");
            }
        }
    }

    /** The geometries every backend is checked on: c, h, w, o, kh, kw, stride, padding, groups, batch. */
    static Stream<Arguments> geometries() {
        return Stream.of(
                Arguments.of(3, 8, 8, 4, 3, 3, 1, 1, 1, 2),       // 3x3 same
                Arguments.of(3, 7, 9, 5, 3, 3, 2, 1, 1, 3),       // odd sizes, stride 2
                Arguments.of(4, 7, 7, 6, 1, 1, 1, 0, 1, 2),       // 1x1
                Arguments.of(4, 9, 9, 6, 1, 1, 2, 0, 1, 2),       // 1x1 stride 2 (right padding -1 in oneDNN's terms)
                Arguments.of(2, 6, 5, 3, 5, 5, 1, 2, 1, 1),       // 5x5, batch 1
                Arguments.of(6, 8, 8, 6, 3, 3, 1, 1, 6, 2),       // depthwise
                Arguments.of(6, 9, 7, 6, 5, 5, 2, 2, 6, 2),       // depthwise 5x5 stride 2 (oneDNN)
                Arguments.of(5, 9, 7, 5, 5, 5, 1, 2, 5, 3),       // depthwise 5x5 same (hvae4j's loops on the CPU)
                Arguments.of(3, 6, 8, 3, 3, 3, 1, 0, 3, 2),       // depthwise 3x3 without padding
                Arguments.of(2, 4, 5, 2, 3, 3, 1, 2, 2, 1),       // depthwise with padding wider than needed
                Arguments.of(3, 10, 9, 3, 7, 7, 1, 3, 3, 2),      // depthwise 7x7 same
                Arguments.of(3, 6, 7, 3, 4, 4, 1, 1, 3, 2),       // depthwise, an even kernel (the general loops)
                Arguments.of(4, 28, 28, 4, 5, 5, 1, 2, 4, 2),     // depthwise 5x5 at 28x28 (planes of many vectors)
                Arguments.of(4, 6, 6, 6, 3, 3, 1, 1, 2, 2),       // two groups
                Arguments.of(3, 5, 8, 2, 3, 1, 1, 0, 1, 2),       // rectangular kernel, no padding
                Arguments.of(16, 14, 14, 32, 3, 3, 2, 1, 1, 4),   // an NVAE-like downsampling cell shape
                Arguments.of(1, 28, 28, 8, 3, 3, 1, 1, 1, 2));    // a first layer on 28x28 images
    }

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}, kernel {4}x{5}, stride {6}, padding {7}, groups {8}, batch {9}")
    @MethodSource("geometries")
    void cpuMatchesTheReference(int c, int h, int w, int o, int kh, int kw, int s, int p, int groups, int n) {
        Conv2d g = geometry(c, h, w, o, kh, kw, s, p, groups);
        checkAgainstReference(CPU, g, n, true, 17L * c + h * 3L + o + kh + s + p + groups + n);
        checkAgainstReference(CPU, g, n, false, 5L * c + h + w + o + groups + n);
    }

    /** Each backward pass of the reference is the derivative of its forward pass (central differences). */
    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}, kernel {4}, stride {5}, padding {6}, groups {7}")
    @CsvSource({"3,7,6,4,3,2,1,1", "4,5,5,4,3,1,1,4", "2,6,6,3,1,2,0,1", "4,6,5,4,3,1,0,2"})
    void referenceBackwardPassesAreTheForwardPassesDerivatives(int c, int h, int w, int o, int k, int s, int p,
            int groups) {
        Conv2d g = geometry(c, h, w, o, k, k, s, p, groups);
        int n = 2;
        SplittableRandom rng = new SplittableRandom(7);
        double[] x = d(TestSupport.randn(rng, n * g.inSize(), 1));
        double[] wt = d(TestSupport.randn(rng, g.weightCount(), 1));
        double[] b = d(TestSupport.randn(rng, g.outChannels(), 1));
        double[] dy = d(TestSupport.randn(rng, n * g.outSize(), 1));
        double[] dx = ConvReference.backwardData(g, n, dy, wt);
        double[] dw = ConvReference.backwardWeights(g, n, x, dy);
        double[] db = ConvReference.backwardBias(g, n, dy);
        double eps = 1e-5;
        for (int i = 0; i < x.length; i++) {
            assertEquals(central(g, n, x, wt, b, dy, x, i, eps), dx[i], 1e-7, "dx[" + i + "] of " + g);
        }
        for (int i = 0; i < wt.length; i++) {
            assertEquals(central(g, n, x, wt, b, dy, wt, i, eps), dw[i], 1e-7, "dw[" + i + "] of " + g);
        }
        for (int i = 0; i < b.length; i++) {
            assertEquals(central(g, n, x, wt, b, dy, b, i, eps), db[i], 1e-7, "db[" + i + "] of " + g);
        }
    }

    /** d/dv[i] of Σ dy·conv(x, w) + b, by central differences (v is one of x, w, b, perturbed in place). */
    private static double central(Conv2d g, int n, double[] x, double[] w, double[] b, double[] dy, double[] v, int i,
            double eps) {
        double keep = v[i];
        v[i] = keep + eps;
        double up = dot(dy, ConvReference.forward(g, n, x, w, b));
        v[i] = keep - eps;
        double down = dot(dy, ConvReference.forward(g, n, x, w, b));
        v[i] = keep;
        return (up - down) / (2 * eps);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void geometryComputesOutputSizesAsPyTorchDoes() {
        Conv2d g = Conv2d.of(3, 28, 28, 16, 3, 2, 1);
        assertEquals(14, g.outHeight());
        assertEquals(14, g.outWidth());
        assertArrayEquals(new int[] {16, 3, 3, 3}, g.weightShape());
        assertEquals(2L * 16 * 14 * 14 * 27, g.flopsPerExample());
        assertEquals(4, Conv2d.of(1, 9, 9, 1, 1, 2, 0).withKernel(1, 1).outHeight() - 1);
        Conv2d dw = Conv2d.depthwise(8, 7, 7, 5, 1, 2);
        assertArrayEquals(new int[] {8, 1, 5, 5}, dw.weightShape());
        assertEquals(7, dw.outHeight());
        assertEquals(Conv2d.of(3, 28, 28, 16, 3, 2, 1), g);
        assertNotEquals(Conv2d.of(3, 28, 28, 16, 3, 1, 1), g);
    }

    @Test
    void badGeometriesAreRefusedNamingTheProblem() {
        assertMessage(() -> Conv2d.of(0, 28, 28, 8, 3, 1, 1), "input channels must be > 0, got 0");
        assertMessage(() -> Conv2d.of(3, 28, 28, -1, 3, 1, 1), "output channels must be > 0, got -1");
        assertMessage(() -> Conv2d.of(3, 28, 28, 8, 3, 0, 1), "stride must be > 0, got 0");
        assertMessage(() -> Conv2d.of(3, 28, 28, 8, 3, 1, -1), "padding must be >= 0, got -1");
        assertMessage(() -> Conv2d.of(3, 2, 2, 8, 5, 1, 0), "a 5x5 kernel does not fit a 2x2 input");
        assertMessage(() -> Conv2d.of(6, 8, 8, 8, 3, 1, 1).withGroups(4), "groups (4) must divide the input "
                + "channels (6) and the output channels (8)");
    }

    @Test
    void wrongTensorsAreRefusedNamingTheShapes() {
        Conv2d g = Conv2d.of(2, 5, 5, 3, 3, 1, 1);
        try (Tensor x = CPU.zeros(4, 50); Tensor w = CPU.zeros(g.weightShape()); Tensor y = CPU.zeros(4, 75);
                Tensor wrongX = CPU.zeros(4, 49); Tensor wrongW = CPU.zeros(3, 2, 3, 2); Tensor wrongY = CPU.zeros(3, 75);
                Tensor wrongB = CPU.zeros(2)) {
            assertMessage(() -> CPU.conv2d(g, wrongX, w, null, y), "conv2d: x [4, 49] is not a batch of input images "
                    + "of conv 2x5x5 -> 3x5x5 (kernel 3x3, stride 1, padding 1) (50 values per image");
            assertMessage(() -> CPU.conv2d(g, x, wrongW, null, y), "conv2d: w [3, 2, 3, 2] does not hold the weights");
            assertMessage(() -> CPU.conv2d(g, x, w, null, wrongY), "conv2d: y [3, 75] must hold the 4 output images");
            assertMessage(() -> CPU.conv2d(g, x, w, wrongB, y), "bias [2] must hold one value per output channel (3)");
            assertMessage(() -> CPU.conv2dBackwardData(g, y, w, wrongX), "conv2dBackwardData: dx [4, 49] must hold "
                    + "the 4 input images");
            Conv2d same = Conv2d.of(3, 5, 5, 3, 1, 1, 0);
            try (Tensor w1 = CPU.zeros(same.weightShape())) {
                assertMessage(() -> CPU.conv2d(same, y, w1, null, y), "conv2d: x and y overlap in memory");
            }
        }
    }

    @Test
    void anEmptyBatchComputesNothingAndZeroesGradients() {
        Conv2d g = Conv2d.of(2, 4, 4, 3, 3, 1, 1);
        try (Tensor x = CPU.zeros(0, 32); Tensor dy = CPU.zeros(0, 48); Tensor w = CPU.full(1f, g.weightShape());
                Tensor dw = CPU.full(Float.NaN, g.weightShape()); Tensor db = CPU.full(Float.NaN, 3)) {
            CPU.conv2d(g, x, w, null, dy);
            CPU.conv2dBackwardWeights(g, x, dy, dw, db);
            for (float v : dw.toArray()) {
                assertEquals(0f, v);
            }
            for (float v : db.toArray()) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void repeatedCallsAllocateNothingAndThePlanCacheIsBounded() {
        Conv2d g = Conv2d.of(8, 14, 14, 8, 3, 1, 1);
        int n = 16;
        try (Tensor x = CPU.full(0.5f, n, g.inSize()); Tensor w = CPU.full(0.1f, g.weightShape());
                Tensor y = CPU.empty(n, g.outSize()); Tensor dw = CPU.empty(g.weightShape());
                Tensor dx = CPU.empty(n, g.inSize())) {
            Runnable call = () -> {
                CPU.conv2d(g, x, w, null, y);
                CPU.conv2dBackwardData(g, y, w, dx);
                CPU.conv2dBackwardWeights(g, x, y, dw, null);
            };
            for (int i = 0; i < 30; i++) {
                call.run();
            }
            CachingAllocator.Stats ours = CPU.memoryStats();
            long rss = Pointer.physicalBytes();
            for (int i = 0; i < 300; i++) {
                call.run();
            }
            assertEquals(ours.rawAllocations(), CPU.memoryStats().rawAllocations(), "hvae4j allocations");
            long grown = Pointer.physicalBytes() - rss;
            assertTrue(grown < 8L << 20, "resident memory grew by " + (grown >> 10) + " KiB over 300 steady calls");
        }
        DnnlConvolutions c = (DnnlConvolutions) CPU.convolutions();
        Conv2d small = Conv2d.of(1, 3, 3, 1, 1, 1, 0);
        try (Tensor w = CPU.full(1f, small.weightShape())) {
            for (int n2 = 1; n2 <= DnnlConvolutions.KEYS + 20; n2++) {
                try (Tensor x = CPU.full(1f, n2, 9); Tensor y = CPU.empty(n2, 9)) {
                    CPU.conv2d(small, x, w, null, y);
                }
            }
        }
        assertTrue(c.preparedShapes() <= DnnlConvolutions.KEYS, c.preparedShapes() + " shapes kept");
        assertTrue(CPU.convolutionImplementation(g, n).startsWith("oneDNN "), CPU.convolutionImplementation(g, n));
    }

    /**
     * Two threads convolving at once, each on shapes the other also uses (the plan pool hands a primitive to whichever
     * thread asks): every result is the single-threaded one, bit for bit.
     */
    @Test
    void concurrentThreadsGetTheSingleThreadedResults() throws Exception {
        Conv2d[] gs = {Conv2d.of(8, 14, 14, 16, 3, 1, 1), Conv2d.of(16, 14, 14, 8, 1, 1, 0),
            Conv2d.of(8, 14, 14, 8, 3, 2, 1)};
        int n = 6;
        SplittableRandom rng = new SplittableRandom(21);
        float[][] xs = new float[gs.length][], dys = new float[gs.length][], ws = new float[gs.length][];
        float[][][] want = new float[gs.length][][];
        for (int i = 0; i < gs.length; i++) {
            xs[i] = TestSupport.randn(rng, n * gs[i].inSize(), 1);
            dys[i] = TestSupport.randn(rng, n * gs[i].outSize(), 1);
            ws[i] = TestSupport.randn(rng, gs[i].weightCount(), 0.2);
            want[i] = runAll(gs[i], n, xs[i], ws[i], dys[i]);
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int offset = t;
                fs.add(pool.submit(() -> {
                    for (int rep = 0; rep < 40; rep++) {
                        int i = (rep + offset) % gs.length;
                        float[][] got = runAll(gs[i], n, xs[i], ws[i], dys[i]);
                        for (int k = 0; k < got.length; k++) {
                            assertArrayEquals(want[i][k], got[k], gs[i] + " output " + k + " on another thread");
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static float[][] runAll(Conv2d g, int n, float[] x, float[] w, float[] dy) {
        try (MemoryScope s = MemoryScope.open()) {
            Tensor tx = CPU.fromArray(x, n, g.inSize()), tw = CPU.fromArray(w, g.weightShape());
            Tensor tdy = CPU.fromArray(dy, n, g.outSize()), y = CPU.empty(n, g.outSize()), dx = CPU.empty(n, g.inSize());
            Tensor dw = CPU.empty(g.weightShape()), db = CPU.empty(g.outChannels()), b = CPU.full(0.5f, g.outChannels());
            CPU.conv2d(g, tx, tw, b, y);
            CPU.conv2dBackwardData(g, tdy, tw, dx);
            CPU.conv2dBackwardWeights(g, tx, tdy, dw, db);
            return new float[][] {y.toArray(), dx.toArray(), dw.toArray(), db.toArray()};
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should contain '" + part + "'");
    }
}
