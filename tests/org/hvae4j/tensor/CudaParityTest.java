package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** CUDA results against the CPU backend. Skipped (by assumption) where no GPU is usable. */
@Tag("gpu")
class CudaParityTest {
    private final Backend cpu = Backend.cpu();

    @Test
    void productsInEveryTransposeCombinationMatchCpu() {
        Backend gpu = TestSupport.cudaOrSkip();
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                MatmulTest.checkProduct(gpu, ta, tb, 100, 200, 784, 1f, 0f, 5);
                MatmulTest.checkProduct(gpu, ta, tb, 33, 17, 65, 0.5f, -2f, 6);
            }
        }
    }

    @Test
    void elementwiseAndReductionsMatchCpu() {
        Backend gpu = TestSupport.cudaOrSkip();
        SplittableRandom rng = new SplittableRandom(1);
        int rows = 1000, cols = 77;
        float[] x = TestSupport.randn(rng, rows * cols, 3);
        float[] b = TestSupport.randn(rng, cols, 1);
        for (Activation f : ActivationTest.all().toList()) {
            float[][] cpuOut = run(cpu, f, x, b, rows, cols);
            float[][] gpuOut = run(gpu, f, x, b, rows, cols);
            for (int i = 0; i < cpuOut.length; i++) {
                assertTrue(TestSupport.relativeError(gpuOut[i], cpuOut[i]) < 1e-5,
                        f + " output " + i + " differs: " + TestSupport.relativeError(gpuOut[i], cpuOut[i]));
            }
        }
    }

    private static float[][] run(Backend be, Activation f, float[] x, float[] b, int rows, int cols) {
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor tx = be.fromArray(x, rows, cols);
            Tensor tb = be.fromArray(b, cols);
            be.biasAdd(tx, tb);
            Tensor y = be.empty(rows, cols);
            be.activation(f, tx, y);
            Tensor dx = be.empty(rows, cols);
            be.activationBackward(f, tx, y, y, dx);
            Tensor colSums = be.zeros(cols);
            be.sumRows(dx, colSums, 1f, 0f);
            Tensor rowSums = be.zeros(rows);
            be.sumCols(dx, rowSums, 1f, 0f);
            float norm = be.globalNorm(List.of(y, dx));
            return new float[][] {y.toArray(), dx.toArray(), colSums.toArray(), rowSums.toArray(), {norm}};
        }
    }

    @Test
    void steadyTrainingStepCallsCudaMallocZeroTimesAfterTheFirst() {
        Backend gpu = TestSupport.cudaOrSkip();
        Runnable step = () -> {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor x = gpu.zeros(100, 784);
                Tensor w = gpu.full(0.01f, 784, 200);
                Tensor h = gpu.matmul(x, w);
                gpu.activation(Activation.TANH, h, h);
                Tensor g = gpu.zeros(784, 200);
                gpu.matmul(x, true, h, false, g, 1f, 0f);
                gpu.globalNorm(List.of(g));
            }
        };
        step.run();
        long raw = gpu.memoryStats().rawAllocations();
        for (int i = 0; i < 50; i++) {
            step.run();
        }
        assertEquals(raw, gpu.memoryStats().rawAllocations(), "cudaMalloc calls after the first step");
    }

    @Test
    void outOfMemoryBecomesExceptionNamingTheCudaError() {
        Backend gpu = TestSupport.cudaOrSkip();
        // 2^31 - 1 columns times 2^10 rows of floats: 8 TiB, more than any GPU has.
        GpuOutOfMemoryException e = assertThrows(GpuOutOfMemoryException.class,
                () -> gpu.empty(1 << 10, Integer.MAX_VALUE));
        assertTrue(e.getMessage().contains("cudaErrorMemoryAllocation"), e.getMessage());
        try (Tensor t = gpu.full(1f, 4)) {  // the device still works afterwards
            assertArrayEquals(new float[] {1, 1, 1, 1}, t.toArray());
        }
    }

    @Test
    void copiesBetweenDevicesRoundTrip() {
        Backend gpu = TestSupport.cudaOrSkip();
        float[] data = {1, -2, 3.5f, 4};
        try (Tensor c = cpu.fromArray(data, 2, 2); Tensor g = c.to(gpu); Tensor back = g.to(cpu)) {
            assertEquals(gpu.device(), g.device());
            assertArrayEquals(data, back.toArray());
        }
    }
}
