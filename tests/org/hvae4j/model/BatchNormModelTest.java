package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.nn.ConvCellSpec;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A convolutional model with batch normalization: its running statistics are buffers that training moves (with two
 * workers, worker 0's), that checkpoints, resumption and safetensors exports keep, and that evaluation reads.
 */
class BatchNormModelTest {
    static final Backend CPU = Backend.cpu();

    static float[][] buffers(Hvae m) {
        return m.buffers().stream().map(p -> p.value().toArray()).toArray(float[][]::new);
    }

    @Test
    void runningStatisticsAreTrainedSavedRestoredAndExported(@TempDir Path dir) throws Exception {
        ModelSpec spec = TrainingMemoryTest.smallConvBatchNorm();
        assertTrue(spec.toString().contains("batch norm"), spec.toString());
        assertEquals(spec.toMap(), ModelSpec.fromMap(spec.toMap()).toMap(), "the map form keeps the normalization");
        assertTrue(spec.toMap().toString().contains("norm=batch"), spec.toMap().toString());
        Dataset data = ModelCorrectnessTest.smallMnist().head(200);
        Dataset test = ModelCorrectnessTest.smallMnist().head(20);
        Path ck = dir.resolve("bn.hvae");
        float[][] trained;
        double elbo, ll;
        try (Hvae m = new Hvae(spec, CPU, 3);
                Trainer t = new Trainer(m, TrainConfig.defaults(1).withBatchSize(50)).withWorkers(2)) {
            // 4 blocks' cells, 2 batch norms each, 2 buffers each; none among the parameters.
            assertEquals(16, m.buffers().size());
            assertTrue(m.parameters().stream().allMatch(Param::trainable));
            assertTrue(m.buffers().stream().map(Param::name).allMatch(n -> n.endsWith(".mean") || n.endsWith(".var")),
                    m.buffers().stream().map(Param::name).toList().toString());
            float[][] fresh = buffers(m);
            t.fit(data, ck);
            trained = buffers(m);
            for (int i = 0; i < trained.length; i++) {
                assertFalse(java.util.Arrays.equals(fresh[i], trained[i]), m.buffers().get(i).name() + " moved");
            }
            elbo = new Evaluator(m, 9).elbo(test, 7).objective();
            ll = Evaluator.mean(new Evaluator(m, 9).logLikelihood(test, 4, 4, 7));
            Checkpoint.exportSafetensors(m, dir.resolve("bn.safetensors"));
        }
        try (Hvae m = Checkpoint.loadModel(ck, CPU)) {
            float[][] restored = buffers(m);
            for (int i = 0; i < trained.length; i++) {
                assertArrayEquals(trained[i], restored[i], m.buffers().get(i).name());
            }
            assertEquals(elbo, new Evaluator(m, 9).elbo(test, 7).objective(), 1e-9, "the restored model's ELBO");
            assertEquals(ll, Evaluator.mean(new Evaluator(m, 9).logLikelihood(test, 4, 4, 7)), 1e-9);
        }
        try (Trainer t = Checkpoint.resume(ck, CPU, 2)) {
            float[][] restored = buffers(t.model());
            assertArrayEquals(trained[3], restored[3]);
            t.model().close();
        }
        byte[] b = Files.readAllBytes(dir.resolve("bn.safetensors"));
        long hl = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        @SuppressWarnings("unchecked")
        Map<String, Object> header = new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(new String(b, 8, (int) hl, java.nio.charset.StandardCharsets.UTF_8).trim(), Map.class);
        try (Hvae m = new Hvae(spec, CPU, 3)) {
            for (int i = 0; i < m.buffers().size(); i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> e = (Map<String, Object>) header.get(m.buffers().get(i).name());
                assertNotNull(e, m.buffers().get(i).name() + " exported");
                long start = ((Number) ((List<?>) e.get("data_offsets")).get(0)).longValue();
                float first = ByteBuffer.wrap(b, (int) (8 + hl + start), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
                assertEquals(trained[i][0], first, m.buffers().get(i).name());
            }
        }
    }

    @Test
    void aModelWithoutBatchNormHasNoBuffersAndTheNormIsNamedInItsDescription() {
        ModelSpec spec = TrainingMemoryTest.smallConv();
        try (Hvae m = new Hvae(spec, CPU, 1)) {
            assertTrue(m.buffers().isEmpty());
        }
        assertFalse(spec.toMap().toString().contains("norm"), "the form before norm existed is unchanged");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConvCellSpec.fromMap(
                Map.of("height", 4, "width", 4, "channels", 2, "cells", 1, "norm", "layer")));
        assertTrue(e.getMessage().contains("'norm' must be one of [weight, batch], got 'layer'"), e.getMessage());
    }
}
