package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.DoublePointer;
import org.hvae4j.bridge.ReferenceNative;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ActivationTest {
    static Stream<Activation> all() {
        return Stream.of(Activation.IDENTITY, Activation.TANH, Activation.RELU, Activation.leakyRelu(0.1f),
                Activation.SOFTPLUS, Activation.SILU, Activation.elu(1f), Activation.elu(0.5f), Activation.SIGMOID);
    }

    /** Points away from the kinks of relu, leaky relu and elu at 0, plus the extremes. */
    static double[] points() {
        SplittableRandom rng = new SplittableRandom(7);
        double[] x = new double[64];
        for (int i = 0; i < x.length; i++) {
            double v;
            do {
                v = rng.nextDouble(-6, 6);
            } while (Math.abs(v) < 1e-3);
            x[i] = v;
        }
        x[0] = -30;
        x[1] = 30;
        return x;
    }

    static double[] forward64(Activation f, double[] x) {
        try (DoublePointer px = new DoublePointer(x); DoublePointer py = new DoublePointer(x.length)) {
            assertEquals(0, ReferenceNative.hvae4j_cpu_activation_forward_f64(f.code(), f.alpha(), px.address(),
                    py.address(), x.length));
            double[] y = new double[x.length];
            py.get(y);
            return y;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void gradientMatchesCentralFiniteDifferences(Activation f) {
        double[] x = points();
        double[] y = forward64(f, x);
        double[] dy = new double[x.length];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < dy.length; i++) {
            dy[i] = rng.nextDouble(-2, 2);
        }
        double[] dx = new double[x.length];
        try (DoublePointer px = new DoublePointer(x); DoublePointer py = new DoublePointer(y);
                DoublePointer pdy = new DoublePointer(dy); DoublePointer pdx = new DoublePointer(x.length)) {
            assertEquals(0, ReferenceNative.hvae4j_cpu_activation_backward_f64(f.code(), f.alpha(), px.address(),
                    py.address(), pdy.address(), pdx.address(), x.length));
            pdx.get(dx);
        }
        double h = 1e-6;
        double[] xp = x.clone(), xm = x.clone();
        for (int i = 0; i < x.length; i++) {
            xp[i] += h;
            xm[i] -= h;
        }
        double[] yp = forward64(f, xp), ym = forward64(f, xm);
        for (int i = 0; i < x.length; i++) {
            double fd = dy[i] * (yp[i] - ym[i]) / (2 * h);
            assertEquals(fd, dx[i], 1e-7 + 1e-6 * Math.abs(fd), f + " at x=" + x[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void floatPathMatchesDoublePathAndStaysFinite(Activation f) {
        Backend cpu = Backend.cpu();
        double[] x = points();
        float[] xf = new float[x.length + 2];
        for (int i = 0; i < x.length; i++) {
            xf[i] = (float) x[i];
        }
        xf[x.length] = -100f;
        xf[x.length + 1] = 100f;
        double[] x64 = new double[xf.length];
        for (int i = 0; i < xf.length; i++) {
            x64[i] = xf[i];
        }
        double[] want = forward64(f, x64);
        try (Tensor tx = cpu.fromArray(xf, xf.length); Tensor ty = cpu.empty(xf.length);
                Tensor dy = cpu.full(1f, xf.length); Tensor dx = cpu.empty(xf.length)) {
            cpu.activation(f, tx, ty);
            cpu.activationBackward(f, tx, ty, dy, dx);
            float[] got = ty.toArray();
            float[] grad = dx.toArray();
            for (int i = 0; i < xf.length; i++) {
                assertEquals(want[i], got[i], 1e-6 * Math.max(1, Math.abs(want[i])), f + " at " + xf[i]);
                assertTrue(Float.isFinite(grad[i]), f + " gradient at " + xf[i] + " is " + grad[i]);
            }
        }
    }

    @Test
    void parseNamesEveryActivationAndRejectsUnknown() {
        assertEquals(Activation.TANH, Activation.parse("tanh"));
        assertEquals(Activation.leakyRelu(0.2f), Activation.parse("leaky_relu:0.2"));
        assertEquals(Activation.elu(1f), Activation.parse("ELU"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.parse("gelu"));
        assertTrue(e.getMessage().contains("gelu"));
    }

    @Test
    void shapeMismatchNamesBothShapes() {
        Backend cpu = Backend.cpu();
        try (Tensor x = cpu.zeros(2, 3); Tensor y = cpu.zeros(3, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.activation(Activation.TANH, x, y));
            assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 2]"), e.getMessage());
        }
    }

    /** Short blocks (a bias row: a copy loop) and long ones (library copies) alike give k exact copies. */
    @Test
    void repeatRowsCopiesShortAndLongBlocks() {
        Backend cpu = Backend.cpu();
        SplittableRandom rng = new SplittableRandom(5);
        for (int[] shape : new int[][] {{1, 7}, {1, 100}, {3, 5}, {40, 30}, {1, 1024}}) {
            int rows = shape[0], cols = shape[1], k = 13;
            float[] x = TestSupport.randn(rng, rows * cols, 1);
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor y = cpu.full(Float.NaN, rows * k, cols);
                cpu.repeatRows(cpu.fromArray(x, rows, cols), k, y);
                float[] out = y.toArray();
                for (int s = 0; s < k; s++) {
                    for (int i = 0; i < rows * cols; i++) {
                        assertEquals(x[i], out[s * rows * cols + i], 0f, "copy " + s + ", element " + i);
                    }
                }
            }
        }
    }

    @Test
    void reductionsBiasAndNormsMatchDirectSums() {
        Backend cpu = Backend.cpu();
        SplittableRandom rng = new SplittableRandom(11);
        int rows = 37, cols = 13;
        float[] x = TestSupport.randn(rng, rows * cols, 1);
        float[] b = TestSupport.randn(rng, cols, 1);
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor tx = cpu.fromArray(x, rows, cols);
            Tensor colSums = cpu.full(1f, cols);
            Tensor rowSums = cpu.full(1f, rows);
            cpu.sumRows(tx, colSums, 2f, 0.5f);
            cpu.sumCols(tx, rowSums, 1f, 0f);
            float[] cs = colSums.toArray(), rs = rowSums.toArray();
            double total = 0;
            for (int c = 0; c < cols; c++) {
                double s = 0;
                for (int r = 0; r < rows; r++) {
                    s += x[r * cols + c];
                }
                assertEquals(2 * s + 0.5, cs[c], 1e-4);
            }
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int c = 0; c < cols; c++) {
                    s += x[r * cols + c];
                    total += (double) x[r * cols + c] * x[r * cols + c];
                }
                assertEquals(s, rs[r], 1e-4);
            }
            Tensor tb = cpu.fromArray(b, cols);
            double bsq = 0;
            for (float v : b) {
                bsq += v * v;
            }
            assertEquals(Math.sqrt(total + bsq), cpu.globalNorm(List.of(tx, tb)), 1e-4);
            cpu.biasAdd(tx, tb);
            float[] yb = tx.toArray();
            for (int i = 0; i < yb.length; i++) {
                assertEquals(x[i] + b[i % cols], yb[i], 1e-6);
            }
            Tensor y = cpu.full(3f, rows, cols);
            cpu.axpby(2f, tx, -1f, y);
            float[] ya = y.toArray();
            for (int i = 0; i < ya.length; i++) {
                assertEquals(2 * yb[i] - 3, ya[i], 1e-5);
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.biasAdd(tx, cpu.zeros(cols + 1)));
            assertTrue(e.getMessage().contains("[" + (cols + 1) + "]"), e.getMessage());
        }
    }
}
