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

/**
 * Data-dependent initialization of weight-normalized convolutions: after it, the layer that makes a cell's output
 * gives outputs of mean 0 and variance 1 per channel on the batch it was initialized on (exactly, up to float
 * rounding), every weight-normalized convolution the pass reached is counted, and passes outside it change nothing.
 */
class DataInitTest {
    static final Backend CPU = Backend.cpu();

    /** Per channel (mean, variance) over the rows and positions of y [rows, channels·hw]. */
    static double[][] moments(float[] y, int rows, int channels, int hw) {
        double[][] m = new double[channels][2];
        for (int c = 0; c < channels; c++) {
            double s = 0, ss = 0;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < hw; k++) {
                    s += y[(r * channels + c) * hw + k];
                }
            }
            double mean = s / (rows * hw);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < hw; k++) {
                    double d = y[(r * channels + c) * hw + k] - mean;
                    ss += d * d;
                }
            }
            m[c] = new double[] {mean, ss / (rows * hw)};
        }
        return m;
    }

    static float[] out(Cell cell, float[] x, int rows, int width) {
        try (MemoryScope s = MemoryScope.open()) {
            return cell.forward(List.of(CPU.fromArray(x, rows, width))).outputs().get(0).toArray();
        }
    }

    static float[] values(List<Param> params) {
        int n = 0;
        for (Param p : params) {
            n += (int) p.value().numel();
        }
        float[] all = new float[n];
        int at = 0;
        for (Param p : params) {
            float[] v = p.value().toArray();
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return all;
    }

    @Test
    void theOutputLayerIsNormalizedOnItsBatchAndEveryConvolutionIsCounted() {
        SplittableRandom r = new SplittableRandom(3);
        List<Param> params = new ArrayList<>();
        // No residual cells: the output is the stride-2 convolution's, after the 1x1 combination of the input.
        ConvCellSpec spec = new ConvCellSpec(8, 8, 5, 0, ConvCellSpec.Resample.DOWN, ConvCellSpec.Style.ENCODER, 1);
        int width = 2 * 64, rows = 12;
        Cell cell = spec.create(new CellContext(CPU, Activation.SILU, r, params), "c", Param.Role.INFERENCE,
                new int[] {width});
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.7 + 3 * r.nextDouble());   // far from zero mean and unit variance
        }
        int hw = spec.outHeight() * spec.outWidth();
        double[][] before = moments(out(cell, x, rows, width), rows, 5, hw);
        assertTrue(Math.abs(before[0][1] - 1) > 0.05 || Math.abs(before[0][0]) > 0.05, "not normalized already");

        DataInit.Result<float[]> res = DataInit.during(() -> out(cell, x, rows, width));
        assertEquals(2, res.layers(), "the combination and the stride-2 convolution");
        double[][] during = moments(res.value(), rows, 5, hw);
        double[][] after = moments(out(cell, x, rows, width), rows, 5, hw);
        for (int c = 0; c < 5; c++) {
            assertEquals(0, during[c][0], 1e-4, "channel " + c + " mean in the initializing pass");
            assertEquals(1, during[c][1], 1e-3, "channel " + c + " variance in the initializing pass");
            assertEquals(0, after[c][0], 1e-4, "channel " + c + " mean");
            assertEquals(1, after[c][1], 1e-3, "channel " + c + " variance");
        }
        float[] p = values(params);
        out(cell, x, rows, width);
        assertArrayEquals(p, values(params), "an ordinary pass changes no parameter");
    }

    @Test
    void residualCellsCountEachBranchConvolutionAndNestingIsRefused() {
        SplittableRandom r = new SplittableRandom(4);
        List<Param> params = new ArrayList<>();
        ConvCellSpec spec = new ConvCellSpec(4, 4, 3, 2, ConvCellSpec.Resample.UP, ConvCellSpec.Style.DECODER, 2);
        int width = 3 * 16, rows = 6;
        Cell cell = spec.create(new CellContext(CPU, Activation.SILU, r, params), "c", Param.Role.GENERATIVE,
                new int[] {width});
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        DataInit.Result<float[]> res = DataInit.during(() -> out(cell, x, rows, width));
        assertEquals(1 + 1 + 2 * 3, res.layers(), "combination, upsampling convolution, 2 cells x 3 convolutions");
        for (float v : res.value()) {
            assertTrue(Float.isFinite(v));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DataInit.during(() -> DataInit.during(() -> 0)));
        assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }
}
