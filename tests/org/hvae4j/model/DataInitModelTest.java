package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.junit.jupiter.api.Test;

/** Data-dependent initialization through the trainer: conv models change, MLP models do not, trained ones refuse. */
class DataInitModelTest {
    static float[] values(Hvae m) {
        return org.hvae4j.tensor.TestSupport.concat(m.parameters().stream().map(Param::value).toList());
    }

    @Test
    void aFreshConvolutionalModelIsInitializedAndStillTrains() {
        Dataset data = Datasets.embeddedMnist().head(64);
        Backend be = Backend.cpu();
        try (Hvae m = new Hvae(TrainingMemoryTest.smallConv(), be, 2);
                Trainer t = new Trainer(m, TrainConfig.defaults(1).withBatchSize(32))) {
            float[] before = values(m);
            int layers = t.initializeFromData(data, 32);
            assertTrue(layers > 10, "convolutions initialized: " + layers);
            float[] after = values(m);
            assertFalse(java.util.Arrays.equals(before, after), "the gains and biases moved");
            assertEquals(before.length, after.length);
            try (MemoryScope s = MemoryScope.open()) {
                t.step(be.fromArray(java.util.Arrays.copyOf(data.features(), 32 * 784), 32, 784), null, 1e-3);
            }
            assertEquals(1, t.step());
            for (float v : values(m)) {
                assertTrue(Float.isFinite(v), "parameters after a step from the initialized model");
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.initializeFromData(data, 32));
            assertTrue(e.getMessage().contains("fresh model"), e.getMessage());
        }
    }

    @Test
    void aModelWithoutConvolutionsIsLeftAsItIs() {
        Dataset data = Datasets.embeddedMnist().head(20);
        try (Hvae m = new Hvae(ModelCorrectnessTest.small(Inference.BOTTOM_UP), Backend.cpu(), 2);
                Trainer t = new Trainer(m, TrainConfig.defaults(1).withBatchSize(10))) {
            float[] before = values(m);
            assertEquals(0, t.initializeFromData(data, 10));
            assertArrayEquals(before, values(m));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.initializeFromData(data, 1));
            assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        }
    }
}
