package org.hvae4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Convolutional cells and heads: input and parameter gradients against central differences of Σ r ⊙ output, for every
 * resampling and cell style, with an image and a vector input; shapes and refused descriptions.
 */
class ConvCellGradientTest {
    static final Backend CPU = Backend.cpu();
    static final double H = 1e-2;

    static float[] uniform(SplittableRandom r, int n, double a) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextDouble(-a, a);
        }
        return x;
    }

    static double value(Cell cell, List<float[]> ins, int[] widths, float[] r, int rows) {
        try (MemoryScope s = MemoryScope.open()) {
            List<Tensor> ts = new ArrayList<>();
            for (int i = 0; i < ins.size(); i++) {
                ts.add(CPU.fromArray(ins.get(i), rows, widths[i]));
            }
            float[] y = cell.forward(ts).outputs().get(0).toArray();
            double v = 0;
            for (int i = 0; i < y.length; i++) {
                v += (double) y[i] * r[i];
            }
            return v;
        }
    }

    static void close(double fd, float got, String what) {
        assertEquals(fd, got, 4e-3 + 4e-3 * Math.abs(fd), what);
    }

    @ParameterizedTest(name = "resample {0}, {1} cells")
    @CsvSource({"NONE,ENCODER", "DOWN,ENCODER", "UP,DECODER", "NONE,DECODER", "DOWN,DECODER", "UP,ENCODER"})
    void gradientsMatchCentralDifferences(ConvCellSpec.Resample resample, ConvCellSpec.Style style) {
        SplittableRandom r = new SplittableRandom(resample.ordinal() * 7L + style.ordinal());
        List<Param> params = new ArrayList<>();
        ConvCellSpec spec = new ConvCellSpec(4, 4, 3, 1, resample, style, 2);
        int[] widths = {2 * 16, 5};   // a 2-channel 4x4 image and a 5-vector
        Cell cell = spec.create(new CellContext(CPU, Activation.SILU, r, params), "c", Param.Role.GENERATIVE, widths);
        int rows = 2, out = cell.outputWidths()[0];
        assertEquals(3 * spec.outHeight() * spec.outWidth(), out);
        List<float[]> ins = List.of(uniform(r, rows * widths[0], 1.5), uniform(r, rows * widths[1], 1.5));
        float[] weights = uniform(r, rows * out, 1);
        List<Tensor> dIn;
        try (MemoryScope s = MemoryScope.open()) {
            List<Tensor> ts = List.of(CPU.fromArray(ins.get(0), rows, widths[0]), CPU.fromArray(ins.get(1), rows,
                    widths[1]));
            for (Param p : params) {
                p.zeroGrad();
            }
            Cell.Trace t = cell.forward(ts);
            List<Tensor> d = cell.backward(t, List.of(CPU.fromArray(weights, rows, out)), true,
                    new boolean[] {true, true});
            List<float[]> grads = List.of(d.get(0).toArray(), d.get(1).toArray());
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < ins.get(i).length; k++) {
                    List<float[]> up = new ArrayList<>(ins), down = new ArrayList<>(ins);
                    float[] a = ins.get(i).clone(), b = ins.get(i).clone();
                    a[k] += (float) H;
                    b[k] -= (float) H;
                    up.set(i, a);
                    down.set(i, b);
                    double fd = (value(cell, up, widths, weights, rows) - value(cell, down, widths, weights, rows))
                            / (2 * H);
                    close(fd, grads.get(i)[k], spec + " d input" + i + "[" + k + "]");
                }
            }
        }
        // Every parameter tensor, at up to 5 positions each (the gradients were accumulated above).
        for (Param p : params) {
            float[] g = p.grad().toArray(), v = p.value().toArray();
            for (int j = 0; j < Math.min(5, v.length); j++) {
                int k = (int) ((long) j * 7919 % v.length);
                float[] a = v.clone(), b = v.clone();
                a[k] += (float) H;
                b[k] -= (float) H;
                CPU.copyFrom(a, p.value());
                double fa = value(cell, ins, widths, weights, rows);
                CPU.copyFrom(b, p.value());
                double fb = value(cell, ins, widths, weights, rows);
                CPU.copyFrom(v, p.value());
                close((fa - fb) / (2 * H), g[k], spec + " d " + p.name() + "[" + k + "]");
            }
        }
    }

    @Test
    void aConvolutionalHeadHasTheGradientsOfItsConvolution() {
        SplittableRandom r = new SplittableRandom(3);
        List<Param> params = new ArrayList<>();
        ConvCellSpec spec = ConvCellSpec.encoder(6, 6, 4, 0, true);   // features 4 x 3 x 3
        CellContext ctx = new CellContext(CPU, Activation.SILU, r, params);
        Head head = spec.head(ctx, "h", Param.Role.INFERENCE, new int[] {36}, 2 * 9);
        assertEquals(18, head.out());
        int rows = 3;
        float[] f = uniform(r, rows * 36, 1), w = uniform(r, rows * 18, 1);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor tf = CPU.fromArray(f, rows, 36);
            Tensor dF = CPU.full(1f, rows, 36);
            head.backward(List.of(tf), CPU.fromArray(w, rows, 18), true, List.of(dF), true);
            float[] got = dF.toArray();
            for (int k = 0; k < f.length; k++) {
                float[] a = f.clone(), b = f.clone();
                a[k] += (float) H;
                b[k] -= (float) H;
                double fd = (dot(head, a, w, rows) - dot(head, b, w, rows)) / (2 * H);
                close(fd, got[k] - 1f, "head d features[" + k + "] (accumulated onto 1)");
            }
        }
    }

    private static double dot(Head head, float[] f, float[] w, int rows) {
        try (MemoryScope s = MemoryScope.open()) {
            float[] y = head.forward(List.of(CPU.fromArray(f, rows, 36))).toArray();
            double v = 0;
            for (int i = 0; i < y.length; i++) {
                v += (double) y[i] * w[i];
            }
            return v;
        }
    }

    @Test
    void badDescriptionsAreRefusedNamingTheProblem() {
        assertMessage(() -> ConvCellSpec.encoder(7, 7, 8, 1, true), "halves its input's resolution needs an even "
                + "height and width, got 7x7");
        assertMessage(() -> ConvCellSpec.encoder(8, 8, 0, 1, false), "needs channels > 0, got 0");
        List<Param> params = new ArrayList<>();
        CellContext ctx = new CellContext(CPU, Activation.SILU, new SplittableRandom(1), params);
        assertMessage(() -> ConvCellSpec.encoder(4, 4, 2, 1, false).create(ctx, "c", Param.Role.INFERENCE,
                new int[] {10}), "c: a convolutional block over 4x4 images got no image input");
        assertMessage(() -> ConvCellSpec.encoder(4, 4, 2, 1, false).head(ctx, "h", Param.Role.INFERENCE,
                new int[] {32}, 20), "h: 20 values do not make whole 4x4 channels");
        ConvCellSpec spec = new ConvCellSpec(8, 6, 5, 2, ConvCellSpec.Resample.DOWN, ConvCellSpec.Style.ENCODER, 6);
        ConvCellSpec back = spec.mirrored();
        assertEquals(4, back.height());
        assertEquals(3, back.width());
        assertEquals(ConvCellSpec.Resample.UP, back.resample());
        assertEquals(ConvCellSpec.Style.DECODER, back.style());
        assertEquals(spec, back.mirrored());
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should contain '" + part + "'");
    }
}
