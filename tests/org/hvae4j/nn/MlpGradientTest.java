package org.hvae4j.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** An MLP cell's input and parameter gradients against central finite differences of Σ w ⊙ output. */
class MlpGradientTest {
    static final Backend CPU = Backend.cpu();

    @ParameterizedTest(name = "{0} residual={1}")
    @CsvSource({"tanh,false", "relu,false", "silu,false", "elu,false", "sigmoid,false", "tanh,true", "silu,true"})
    void gradientsMatchFiniteDifferences(String act, boolean residual) {
        SplittableRandom r = new SplittableRandom(1);
        List<Param> params = new ArrayList<>();
        Cell mlp = new MlpCellSpec(new int[] {5, 5, 5}, residual).create(
                new CellContext(CPU, Activation.parse(act), r, params), "m", Param.Role.GENERATIVE, new int[] {4, 2});
        assertEquals(residual ? ResidualMlpCell.class : MlpCell.class, mlp.getClass());
        int rows = 3;
        float[] x = new float[rows * 4], c = new float[rows * 2], w = new float[rows * 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-2, 2);
        }
        for (int i = 0; i < c.length; i++) {
            c[i] = (float) r.nextDouble(-2, 2);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-1, 1);
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor tx = CPU.fromArray(x, rows, 4), tc = CPU.fromArray(c, rows, 2);
            Cell.Trace t = mlp.forward(List.of(tx, tc));
            List<Tensor> dIn = mlp.backward(t, List.of(CPU.fromArray(w, rows, 5)), true, new boolean[] {true, false});
            float[] gx = dIn.get(0).toArray();
            double h = 1e-2;
            for (int i = 0; i < x.length; i++) {
                float[] xp = x.clone(), xm = x.clone();
                xp[i] += h;
                xm[i] -= h;
                double fd = (value(mlp, xp, c, w, rows) - value(mlp, xm, c, w, rows)) / (2 * h);
                assertEquals(fd, gx[i], 2e-3 + 2e-3 * Math.abs(fd), act + " dx[" + i + "]");
            }
            Param p0 = params.get(0);
            float[] g = p0.grad().toArray(), v = p0.value().toArray();
            for (int i = 0; i < v.length; i++) {
                float[] vp = v.clone(), vm = v.clone();
                vp[i] += h;
                vm[i] -= h;
                CPU.copyFrom(vp, p0.value());
                double a = value(mlp, x, c, w, rows);
                CPU.copyFrom(vm, p0.value());
                double b = value(mlp, x, c, w, rows);
                CPU.copyFrom(v, p0.value());
                assertEquals((a - b) / (2 * h), g[i], 2e-3 + 2e-3 * Math.abs((a - b) / (2 * h)), act + " dW[" + i + "]");
            }
        }
    }

    static double value(Cell mlp, float[] x, float[] c, float[] w, int rows) {
        try (MemoryScope s = MemoryScope.open()) {
            float[] y = mlp.forward(List.of(CPU.fromArray(x, rows, 4), CPU.fromArray(c, rows, 2))).outputs().get(0)
                    .toArray();
            double v = 0;
            for (int i = 0; i < y.length; i++) {
                v += (double) w[i] * y[i];
            }
            return v;
        }
    }
}
