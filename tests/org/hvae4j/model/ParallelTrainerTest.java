package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.hvae4j.data.Datasets;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Two workers: each step equals the average of two half-batch passes on their own noise streams, then Adam. */
class ParallelTrainerTest {
    static final Backend CPU = Backend.cpu();

    @Test
    void twoWorkerStepEqualsTheAverageOfItsHalves() {
        check(Float.POSITIVE_INFINITY, 0f);
    }

    /**
     * With clipping active the two workers' norm is summed from their halves of the parameters: the same up to the
     * rounding of that sum, and the clipping must really have applied (a step at the unclipped size would differ).
     */
    @Test
    void twoWorkerClippedStepUsesTheNormOfTheAveragedGradient() {
        check(0.05f, 1e-7f);
    }

    private static void check(float clip, float tolerance) {
        ModelSpec spec = ModelCorrectnessTest.small(Inference.LADDER);
        TrainConfig cfg = TrainConfig.defaults(1).withObjective(Objective.iwae(3)).withSeed(4).withClipNorm(clip);
        float[] data = java.util.Arrays.copyOf(Datasets.embeddedMnist().features(), 40 * 784);
        try (Hvae a = new Hvae(spec, CPU, 3); Hvae b = new Hvae(spec, CPU, 3); Trainer ta = new Trainer(a, cfg).withWorkers(2);
                MemoryScope scope = MemoryScope.open()) {
            Tensor x = CPU.fromArray(data, 40, 784);
            for (int step = 0; step < 3; step++) {
                ta.step(x, null, 1e-3);
            }
            float[] norms = new float[3];
            try (Adam adam = new Adam(b.parameters(), 0.9f, 0.999f, 1e-8f, 0f, clip)) {
                for (int step = 0; step < 3; step++) {
                    float[][] g0 = halfGradient(b, x.rowsView(0, 20), cfg, NoiseStreams.of(4, 2L * step));
                    float[][] g1 = halfGradient(b, x.rowsView(20, 40), cfg, NoiseStreams.of(4, 2L * step + 1));
                    List<Param> ps = b.parameters();
                    for (int i = 0; i < ps.size(); i++) {
                        CPU.copyFrom(g0[i], ps.get(i).grad());
                        try (Tensor t = CPU.fromArray(g1[i], ps.get(i).grad().shape().dims())) {
                            CPU.axpby(0.5f, t, 0.5f, ps.get(i).grad());
                        }
                    }
                    adam.step(1e-3f);
                    norms[step] = adam.lastGradientNorm();
                }
            }
            for (int step = 0; step < 3 && clip < Float.POSITIVE_INFINITY; step++) {
                assertTrue(norms[step] > 2 * clip, "clipping must be active: norm " + norms[step]);
            }
            for (int i = 0; i < a.parameters().size(); i++) {
                assertArrayEquals(b.parameters().get(i).value().toArray(), a.parameters().get(i).value().toArray(),
                        tolerance, a.parameters().get(i).name());
            }
        }
    }

    static float[][] halfGradient(Hvae m, Tensor x, TrainConfig cfg, NoiseStreams streams) {
        m.zeroGrad();
        Passes.backward(m, x, null, cfg.objective(), streams);
        return m.parameters().stream().map(p -> p.grad().toArray()).toArray(float[][]::new);
    }
}
