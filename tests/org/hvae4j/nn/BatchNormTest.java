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
 * Batch normalization in convolutional cells: the running statistics against their definition (computed here in
 * double precision), training and evaluation passes, replicas that leave the statistics alone, and the cells'
 * gradients against central differences in both kinds of pass.
 */
class BatchNormTest {
    static final Backend CPU = Backend.cpu();

    @Test
    void aTrainingPassNormalizesByTheBatchAndMovesTheRunningStatisticsAnEvaluationPassUsesThem() {
        int n = 3, c = 2, hw = 5;
        List<Param> reg = new ArrayList<>();
        BatchNorm bn = BatchNorm.create(new CellContext(CPU, Activation.SILU, new SplittableRandom(1), reg), "bn",
                Param.Role.INFERENCE, c);
        assertEquals(List.of("bn.gamma", "bn.beta", "bn.mean", "bn.var"), reg.stream().map(Param::name).toList());
        assertEquals(List.of(true, true, false, false), reg.stream().map(Param::trainable).toList());
        Param gamma = reg.get(0), beta = reg.get(1), mean = reg.get(2), var = reg.get(3);
        CPU.copyFrom(new float[] {1.5f, -0.5f}, gamma.value());
        CPU.copyFrom(new float[] {0.25f, 2f}, beta.value());
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[n * c * hw];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 + 2 * r.nextGaussian());
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor tx = CPU.fromArray(x, n, c * hw);
            float[] y = BatchNorm.training(() -> bn.forward(new Tape(CPU, List.of(tx)), tx)).toArray();
            float[] rm = mean.value().toArray(), rv = var.value().toArray();
            for (int ch = 0; ch < c; ch++) {
                double[] mv = DataInitTest.moments(x, n, c, hw)[ch];
                assertEquals(BatchNorm.MOMENTUM * mv[0], rm[ch], 1e-5, "running mean " + ch);
                double unbiased = mv[1] * n * hw / (n * hw - 1);
                assertEquals(1 - BatchNorm.MOMENTUM + BatchNorm.MOMENTUM * unbiased, rv[ch], 1e-5, "running var " + ch);
                float[] g = gamma.value().toArray(), b = beta.value().toArray();
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < hw; p++) {
                        int at = (i * c + ch) * hw + p;
                        double want = g[ch] * (x[at] - mv[0]) / Math.sqrt(mv[1] + BatchNorm.EPS) + b[ch];
                        assertEquals(want, y[at], 1e-4, "training output " + at);
                    }
                }
            }
            assertFalse(BatchNorm.isTraining(), "the switch is off again after the pass");
            // An evaluation pass: the running statistics, which it leaves as they are.
            float[] ye = bn.forward(new Tape(CPU, List.of(tx)), tx).toArray();
            assertArrayEquals(rm, mean.value().toArray());
            assertArrayEquals(rv, var.value().toArray());
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < n; i++) {
                    int at = (i * c + ch) * hw;
                    double want = gamma.value().toArray()[ch] * (x[at] - rm[ch]) / Math.sqrt(rv[ch] + BatchNorm.EPS)
                            + beta.value().toArray()[ch];
                    assertEquals(want, ye[at], 1e-4, "evaluation output " + at);
                }
            }
        }
    }

    @Test
    void aReplicaReadsTheRunningStatisticsAndLeavesThemAlone() {
        int c = 2, hw = 4;
        List<Param> base = new ArrayList<>(), rep = new ArrayList<>();
        BatchNorm a = BatchNorm.create(new CellContext(CPU, Activation.SILU, new SplittableRandom(1), base), "bn",
                Param.Role.INFERENCE, c);
        BatchNorm b = BatchNorm.create(new CellContext(CPU, Activation.SILU, new SplittableRandom(1), rep), "bn",
                Param.Role.INFERENCE, c);
        for (int i = 0; i < base.size(); i++) {
            rep.get(i).shareValueOf(base.get(i));
        }
        CPU.copyFrom(new float[] {0.5f, -1f}, base.get(2).value());
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = CPU.fromArray(new float[] {1, 2, 3, 4, 5, 6, 7, 9, 0, 1, 0, 1, 2, 2, 2, 8}, 2, c * hw);
            BatchNorm.training(() -> b.forward(new Tape(CPU, List.of(x)), x));
            assertArrayEquals(new float[] {0.5f, -1f}, base.get(2).value().toArray(), "the replica's pass");
            assertArrayEquals(new float[] {1f, 1f}, base.get(3).value().toArray());
            BatchNorm.training(() -> a.forward(new Tape(CPU, List.of(x)), x));
            assertNotEquals(0.5f, base.get(2).value().toArray()[0], "the owner's pass moves them");
            // The replica's evaluation pass reads the owner's statistics.
            assertArrayEquals(a.forward(new Tape(CPU, List.of(x)), x).toArray(),
                    b.forward(new Tape(CPU, List.of(x)), x).toArray());
        }
        base.forEach(Param::close);
        rep.forEach(Param::close);
        assertThrows(IllegalStateException.class, () -> base.get(2).grad(), "a buffer has no gradient");
    }

    @Test
    void evaluationComputesEachExampleOnItsOwnTrainingDoesNot() {
        List<Param> params = new ArrayList<>();
        ConvCellSpec spec = new ConvCellSpec(4, 4, 3, 1, ConvCellSpec.Resample.NONE, ConvCellSpec.Style.DECODER, 2,
                ConvCellSpec.Norm.BATCH);
        Cell cell = spec.create(new CellContext(CPU, Activation.SILU, new SplittableRandom(4), params), "c",
                Param.Role.GENERATIVE, new int[] {16});
        SplittableRandom r = new SplittableRandom(5);
        float[] x = ConvCellGradientTest.uniform(r, 3 * 16, 2);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor all = CPU.fromArray(x, 3, 16), first = CPU.fromArray(java.util.Arrays.copyOf(x, 16), 1, 16);
            BatchNorm.training(() -> cell.forward(List.of(all)));  // running statistics away from 0 and 1
            float[] e3 = cell.forward(List.of(all)).outputs().get(0).toArray();
            float[] e1 = cell.forward(List.of(first)).outputs().get(0).toArray();
            assertArrayEquals(e1, java.util.Arrays.copyOf(e3, e1.length), 1e-6f);
            float[] t3 = BatchNorm.training(() -> cell.forward(List.of(all))).outputs().get(0).toArray();
            float[] t2 = BatchNorm.training(() -> cell.forward(List.of(CPU.fromArray(java.util.Arrays.copyOf(x, 32),
                    2, 16)))).outputs().get(0).toArray();
            double diff = 0;
            for (int i = 0; i < 16 * 3; i++) {
                diff = Math.max(diff, Math.abs(t3[i] - t2[i]));
            }
            assertTrue(diff > 1e-4, "a training pass normalizes by its batch: " + diff);
        }
        params.forEach(Param::close);
    }

    @ParameterizedTest(name = "{0} cells, {1} pass, resample {2}")
    @CsvSource({"ENCODER,training,NONE", "DECODER,training,NONE", "ENCODER,evaluation,DOWN",
        "DECODER,evaluation,UP", "DECODER,training,DOWN"})
    void gradientsMatchCentralDifferences(ConvCellSpec.Style style, String pass, ConvCellSpec.Resample resample) {
        boolean training = pass.equals("training");
        SplittableRandom r = new SplittableRandom(style.ordinal() * 5L + resample.ordinal() + (training ? 1 : 0));
        List<Param> params = new ArrayList<>();
        ConvCellSpec spec = new ConvCellSpec(4, 4, 3, 1, resample, style, 2, ConvCellSpec.Norm.BATCH);
        int[] widths = {2 * 16};
        Cell cell = spec.create(new CellContext(CPU, Activation.SILU, r, params), "c", Param.Role.GENERATIVE, widths);
        int rows = 3, out = cell.outputWidths()[0];
        List<float[]> ins = List.of(ConvCellGradientTest.uniform(r, rows * widths[0], 1.5));
        float[] w = ConvCellGradientTest.uniform(r, rows * out, 1);
        // Non-trivial affine parameters and running statistics (these from a training pass).
        for (Param p : params) {
            if (p.name().endsWith(".gamma") || p.name().endsWith(".beta")) {
                float[] v = p.value().toArray();
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) r.nextDouble(-0.5, 0.5);
                }
                CPU.copyFrom(v, p.value());
            }
        }
        java.util.function.Supplier<Double> f = () -> ConvCellGradientTest.value(cell, ins, widths, w, rows);
        for (int i = 0; i < 5; i++) {
            BatchNorm.training(f);
        }
        List<Param> trained = params.stream().filter(Param::trainable).toList();
        List<float[]> frozen = params.stream().filter(p -> !p.trainable()).map(p -> p.value().toArray()).toList();
        java.util.function.Supplier<Double> value = () -> {
            double v = training ? BatchNorm.training(f) : f.get();
            List<Param> buffers = params.stream().filter(p -> !p.trainable()).toList();
            for (int i = 0; i < buffers.size(); i++) {
                CPU.copyFrom(frozen.get(i), buffers.get(i).value());  // each difference at the same statistics
            }
            return v;
        };
        float[] dx;
        try (MemoryScope s = MemoryScope.open()) {
            trained.forEach(Param::zeroGrad);
            Tensor tx = CPU.fromArray(ins.get(0), rows, widths[0]);
            java.util.function.Supplier<Cell.Trace> fwd = () -> cell.forward(List.of(tx));
            Cell.Trace t = training ? BatchNorm.training(fwd) : fwd.get();
            dx = cell.backward(t, List.of(CPU.fromArray(w, rows, out)), true, new boolean[] {true}).get(0).toArray();
        }
        for (int i = 0; i < params.stream().filter(p -> !p.trainable()).count(); i++) {
            CPU.copyFrom(frozen.get(i), params.stream().filter(p -> !p.trainable()).toList().get(i).value());
        }
        double h = ConvCellGradientTest.H;
        float[] x0 = ins.get(0).clone();
        for (int k = 0; k < x0.length; k += 3) {
            float[] x = ins.get(0);
            x[k] = (float) (x0[k] + h);
            double up = value.get();
            x[k] = (float) (x0[k] - h);
            double down = value.get();
            x[k] = x0[k];
            ConvCellGradientTest.close((up - down) / (2 * h), dx[k], spec + " " + pass + " d input[" + k + "]");
        }
        for (Param p : trained) {
            float[] g = p.grad().toArray(), v = p.value().toArray();
            for (int j = 0; j < Math.min(4, v.length); j++) {
                int k = (int) ((long) j * 7919 % v.length);
                float[] a = v.clone(), b = v.clone();
                a[k] += (float) h;
                b[k] -= (float) h;
                CPU.copyFrom(a, p.value());
                double fa = value.get();
                CPU.copyFrom(b, p.value());
                double fb = value.get();
                CPU.copyFrom(v, p.value());
                ConvCellGradientTest.close((fa - fb) / (2 * h), g[k], spec + " " + pass + " d " + p.name() + "[" + k
                        + "]");
            }
        }
        params.forEach(Param::close);
    }
}
