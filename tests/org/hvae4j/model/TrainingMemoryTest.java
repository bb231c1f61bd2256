package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.hvae4j.data.Datasets;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.CachingAllocator;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.tensor.TestSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Training steps at a steady batch size reach the raw allocator (malloc, cudaMalloc) only during the first steps,
 * and a long run holds no more memory than a short one.
 */
class TrainingMemoryTest {
    static void steadyStepsAllocateNothingNewAndDoNotGrow(Backend be) {
        steadyStepsAllocateNothingNewAndDoNotGrow(be, ModelCorrectnessTest.small(Inference.BOTTOM_UP), 100);
    }

    /** A small convolutional hierarchy over 28 x 28 images (NVAE-style cells, residual posterior). */
    static ModelSpec smallConv() {
        return ConvHierarchy.image(1, 28, 28, org.hvae4j.latent.Likelihood.parse("bernoulli-binarized"))
                .scale(2, 1, 2, 8).scale(4, 1, 2, 8).cells(1).expand(2).build();
    }

    static void steadyStepsAllocateNothingNewAndDoNotGrow(Backend be, ModelSpec spec, int steps) {
        float[] data = java.util.Arrays.copyOf(Datasets.embeddedMnist().features(), 50 * 784);
        try (Hvae m = new Hvae(spec, be, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1)
                .withObjective(Objective.iwae(3))); Tensor x = be.fromArray(data, 50, 784)) {
            for (int i = 0; i < 3; i++) {
                t.step(x, null, 1e-3);
            }
            CachingAllocator.Stats warm = be.memoryStats();
            for (int i = 0; i < steps; i++) {
                t.step(x, null, 1e-3);
            }
            CachingAllocator.Stats later = be.memoryStats();
            assertEquals(warm.rawAllocations(), later.rawAllocations(), "raw allocations after the first steps");
            assertEquals(warm.bytesInUse(), later.bytesInUse(), "memory held between steps");
        }
    }

    @Test
    void cpuTrainingStepsReuseMemory() {
        steadyStepsAllocateNothingNewAndDoNotGrow(Backend.cpu());
    }

    @Test
    void convolutionalTrainingStepsReuseMemory() {
        steadyStepsAllocateNothingNewAndDoNotGrow(Backend.cpu(), smallConv(), 20);
    }

    @Test
    void batchNormalizedConvolutionalTrainingStepsReuseMemory() {
        steadyStepsAllocateNothingNewAndDoNotGrow(Backend.cpu(), smallConvBatchNorm(), 20);
    }

    /** {@link #smallConv} with batch normalization in its residual cells. */
    static ModelSpec smallConvBatchNorm() {
        return ConvHierarchy.image(1, 28, 28, org.hvae4j.latent.Likelihood.parse("bernoulli-binarized"))
                .scale(2, 1, 2, 8).scale(4, 1, 2, 8).cells(1).expand(2).batchNorm(true).build();
    }

    @Tag("gpu")
    @Test
    void gpuConvolutionalTrainingStepsCallCudaMallocZeroTimesAfterTheFirst() {
        steadyStepsAllocateNothingNewAndDoNotGrow(TestSupport.cudaOrSkip(), smallConv(), 20);
    }

    @Tag("gpu")
    @Test
    void gpuTrainingStepsCallCudaMallocZeroTimesAfterTheFirst() {
        steadyStepsAllocateNothingNewAndDoNotGrow(TestSupport.cudaOrSkip());
    }

    /** One training step's gradients on CUDA against the CPU backend, for each inference scheme. */
    @Tag("gpu")
    @Test
    void gpuGradientsMatchCpu() {
        Backend gpu = TestSupport.cudaOrSkip();
        Backend cpu = Backend.cpu();
        float[] data = java.util.Arrays.copyOf(Datasets.embeddedMnist().features(), 64 * 784);
        List<ModelSpec> specs = new java.util.ArrayList<>();
        for (Inference inf : Inference.values()) {
            specs.add(ModelCorrectnessTest.small(inf));
        }
        specs.add(smallConv());   // cuDNN's convolutions and the spatial kernels against oneDNN and the CPU loops
        specs.add(smallConvBatchNorm());   // batch normalization, in a training pass (below)
        for (ModelSpec spec : specs) {
            String inf = spec.toString();
            float[][][] grads = new float[2][][];
            for (int b = 0; b < 2; b++) {
                Backend be = b == 0 ? cpu : gpu;
                try (Hvae m = new Hvae(spec, be, 3); MemoryScope s = MemoryScope.open()) {
                    Tensor x = be.fromArray(data, 64, 784);
                    m.zeroGrad();
                    org.hvae4j.nn.BatchNorm.training(() -> Passes.backward(m, x, null, Objective.iwae(4),
                            NoiseStreams.of(9, 1)));
                    grads[b] = m.parameters().stream().map(p -> p.grad().toArray()).toArray(float[][]::new);
                }
            }
            for (int i = 0; i < grads[0].length; i++) {
                double e = TestSupport.relativeError(grads[1][i], grads[0][i]);
                assertTrue(e < 1e-4, inf + " gradient " + i + " relative error " + e);
            }
        }
    }
}
