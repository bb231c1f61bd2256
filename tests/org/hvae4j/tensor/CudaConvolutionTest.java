package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** cuDNN's convolutions against the float64 reference and the CPU backend (oneDNN). Skipped where no GPU is usable. */
@Tag("gpu")
class CudaConvolutionTest {
    private static final Backend CPU = Backend.cpu();

    @ParameterizedTest(name = "{0}x{1}x{2} -> {3}, kernel {4}x{5}, stride {6}, padding {7}, groups {8}, batch {9}")
    @MethodSource("org.hvae4j.tensor.ConvolutionTest#geometries")
    void cudaMatchesTheReferenceAndTheCpu(int c, int h, int w, int o, int kh, int kw, int s, int p, int groups,
            int n) {
        Backend gpu = TestSupport.cudaOrSkip();
        Conv2d g = ConvolutionTest.geometry(c, h, w, o, kh, kw, s, p, groups);
        ConvolutionTest.checkAgainstReference(gpu, g, n, true, 3L * c + h + o + groups + n);
        ConvolutionTest.checkAgainstReference(gpu, g, n, false, 11L * c + w + o + n);
        SplittableRandom rng = new SplittableRandom(c + 100L * o);
        float[] x = TestSupport.randn(rng, n * g.inSize(), 1);
        float[] wt = TestSupport.randn(rng, g.weightCount(), 0.3);
        float[] b = TestSupport.randn(rng, g.outChannels(), 1);
        float[] dy = TestSupport.randn(rng, n * g.outSize(), 1);
        float[][] onCpu = run(CPU, g, n, x, wt, b, dy);
        float[][] onGpu = run(gpu, g, n, x, wt, b, dy);
        String[] names = {"y", "dx", "dw", "db"};
        for (int i = 0; i < names.length; i++) {
            double e = TestSupport.relativeError(onGpu[i], onCpu[i]);
            assertTrue(e < 1e-5, g + ": " + names[i] + " differs from the CPU's by " + e);
        }
    }

    static float[][] run(Backend be, Conv2d g, int n, float[] x, float[] w, float[] b, float[] dy) {
        try (Tensor tx = be.fromArray(x, n, g.inSize()); Tensor tw = be.fromArray(w, g.weightShape());
                Tensor tb = be.fromArray(b, g.outChannels()); Tensor ty = be.empty(n, g.outSize());
                Tensor tdy = be.fromArray(dy, n, g.outSize()); Tensor tdx = be.empty(n, g.inSize());
                Tensor tdw = be.empty(g.weightShape()); Tensor tdb = be.empty(g.outChannels())) {
            be.conv2d(g, tx, tw, tb, ty);
            be.conv2dBackwardData(g, tdy, tw, tdx);
            be.conv2dBackwardWeights(g, tx, tdy, tdw, tdb);
            return new float[][] {ty.toArray(), tdx.toArray(), tdw.toArray(), tdb.toArray()};
        }
    }

    @Test
    void repeatedCallsAllocateNothingNew() {
        Backend gpu = TestSupport.cudaOrSkip();
        Conv2d g = Conv2d.of(32, 14, 14, 32, 3, 1, 1);
        try (Tensor x = gpu.full(0.5f, 64, g.inSize()); Tensor w = gpu.full(0.01f, g.weightShape());
                Tensor y = gpu.empty(64, g.outSize()); Tensor dx = gpu.empty(64, g.inSize());
                Tensor dw = gpu.empty(g.weightShape())) {
            Runnable call = () -> {
                gpu.conv2d(g, x, w, null, y);
                gpu.conv2dBackwardData(g, y, w, dx);
                gpu.conv2dBackwardWeights(g, x, y, dw, null);
            };
            call.run();
            gpu.synchronize();
            long raw = gpu.memoryStats().rawAllocations();
            for (int i = 0; i < 200; i++) {
                call.run();
            }
            gpu.synchronize();
            assertEquals(raw, gpu.memoryStats().rawAllocations());
            assertTrue(gpu.convolutionImplementation(g, 64).startsWith("cuDNN "));
        }
    }
}
