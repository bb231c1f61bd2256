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
    void aConfigurationWithDataInitInitializesInFitAsTheExplicitCallDoes() {
        Dataset data = Datasets.embeddedMnist().head(64);
        TrainConfig cfg = TrainConfig.defaults(1).withBatchSize(32);
        float[][] out = new float[3][];
        for (int run = 0; run < 3; run++) {
            try (Hvae m = new Hvae(TrainingMemoryTest.smallConv(), Backend.cpu(), 2);
                    Trainer t = new Trainer(m, run == 1 ? cfg.withDataInit(true) : cfg)) {
                if (run == 2) {
                    t.initializeFromData(data, 32);
                }
                t.fit(data, null);
                out[run] = values(m);
            }
        }
        assertArrayEquals(out[2], out[1], "fit with dataInit = the explicit call on the first batch-size rows");
        assertFalse(java.util.Arrays.equals(out[0], out[1]), "and not the run without it");
        TrainConfig on = cfg.withDataInit(true);
        assertEquals(on, TrainConfig.fromMap(on.toMap()));
        assertFalse(TrainConfig.fromMap(cfg.toMap()).dataInit());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromMap(java.util.Map.of("dataInit", "maybe")));
        assertTrue(e.getMessage().contains("'dataInit' must be true or false"), e.getMessage());
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
