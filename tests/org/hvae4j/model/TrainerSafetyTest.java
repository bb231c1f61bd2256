package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.hvae4j.data.Dataset;
import org.hvae4j.experiments.BurdaModels;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.ParameterPlan;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer refuses what would wreck a model or a machine, and says why. */
class TrainerSafetyTest {
    static final Backend CPU = Backend.cpu();

    static ModelSpec tiny() {
        return ModelSpec.builder().latent(LatentSpec.gaussian(4)).hidden(16)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
    }

    static float[] values(Hvae m) {
        return org.hvae4j.tensor.TestSupport.concat(m.parameters().stream().map(p -> p.value()).toList());
    }


    @Test
    void aBadLearningRateIsRefusedAndChangesNothing() {
        Dataset data = ModelCorrectnessTest.smallMnist().head(100);
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1));
                MemoryScope s = MemoryScope.open()) {
            Tensor x = CPU.fromArray(data.features(), 100, 784);
            float[] before = values(m);
            for (double lr : new double[] {Double.NaN, 0, -1e-3, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.step(x, null, lr));
                assertTrue(e.getMessage().contains("learning rate must be positive and finite, got " + lr),
                        e.getMessage());
            }
            assertArrayEquals(before, values(m), "no parameter changed");
            assertEquals(0, t.step());
            t.step(x, null, 1e-3);
            assertEquals(1, t.step());
        }
    }

    /**
     * A second thread calling into a trainer or its model while the first is inside fit gets a clear exception and
     * changes nothing; made deterministic by holding the first thread inside a listener callback.
     */
    @Test
    void concurrentUseIsDetected() throws Exception {
        Dataset data = ModelCorrectnessTest.smallMnist().head(200);
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicReference<float[]> during = new AtomicReference<>();
            t.addListener(new TrainingListener() {
                @Override
                public void onProgress(long step, int epoch, int batchInEpoch, int batchesPerEpoch) {
                    if (step == 1) {
                        // the owner may use the model from inside its own call
                        new Evaluator(m, 0).elbo(data.head(10), 10);
                        during.set(values(m));
                        inside.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            });
            Thread trainer = new Thread(() -> t.fit(data, null), "fitting-thread");
            AtomicReference<Throwable> failure = new AtomicReference<>();
            trainer.setUncaughtExceptionHandler((th, e) -> failure.set(e));
            trainer.start();
            assertTrue(inside.await(30, TimeUnit.SECONDS));
            try (MemoryScope s = MemoryScope.open()) {
                Tensor x = CPU.fromArray(java.util.Arrays.copyOf(data.features(), 100 * 784), 100, 784);
                ConcurrentModificationException e = assertThrows(ConcurrentModificationException.class,
                        () -> t.step(x, null, 1e-3));
                assertTrue(e.getMessage().contains("trainer is in use by thread \"fitting-thread\"")
                        && e.getMessage().contains("one thread at a time"), e.getMessage());
                e = assertThrows(ConcurrentModificationException.class,
                        () -> m.forward(x, null, 1, NoiseStreams.of(0, 0)));
                assertTrue(e.getMessage().contains("model is in use"), e.getMessage());
                assertThrows(ConcurrentModificationException.class, () -> t.saveCheckpoint(Path.of("unused")));
                assertArrayEquals(during.get(), values(m), "the refused calls changed nothing");
            } finally {
                release.countDown();
                trainer.join(60_000);
            }
            assertEquals(null, failure.get());
            assertEquals(2, t.step(), "200 rows, batch 100: the fitting thread made both of its steps");
            // one after another, threads may take turns
            Thread other = new Thread(() -> {
                try (MemoryScope s = MemoryScope.open()) {
                    t.step(CPU.fromArray(java.util.Arrays.copyOf(data.features(), 100 * 784), 100, 784), null, 1e-3);
                }
            });
            other.start();
            other.join();
            assertEquals(3, t.step());
        }
    }

    /** The two-worker trainer's helper thread runs the replica, so the guard does not get in its way. */
    @Test
    void twoWorkersPassTheGuard() {
        Dataset data = ModelCorrectnessTest.smallMnist().head(200);
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(2)).withWorkers(2)) {
            t.fit(data, null);
            assertEquals(4, t.step());
        }
    }

    @Test
    void theSizePlanMatchesTheBuiltModel() {
        List<ModelSpec> specs = List.of(tiny(), BurdaModels.oneLayer(), BurdaModels.twoLayer(),
                BurdaModels.twoLayerBernoulli(Estimator.parse("st")), BurdaModels.twoLayer(Inference.LADDER),
                BurdaModels.twoLayer(Inference.RESIDUAL),
                ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(8, 8).latent(LatentSpec.gaussian(5))
                        .hidden(7).observed(10, Likelihood.parse("gaussian")).conditioning(4, false)
                        .residualBlocks(true).build());
        for (ModelSpec spec : specs) {
            try (Hvae m = new Hvae(spec, CPU, 0)) {
                ParameterPlan plan = Hvae.plan(spec);
                assertEquals(m.parameterCount(), plan.total(), spec::toString);
                assertEquals(m.parameters().size(), plan.tensors(), spec::toString);
            }
        }
    }

    @Test
    void aModelTooLargeIsRefusedBeforeAllocationNamingItsNeed() {
        ModelSpec huge = ModelSpec.builder().latent(LatentSpec.gaussian(50)).hidden(50_000, 50_000)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Hvae(huge, CPU, 0));
        assertTrue(e.getMessage().contains("[50000, 50000] has 2500000000 values, more than one tensor can hold"),
                e.getMessage());
        long memory = CPU.memoryCapacity();
        int width = (int) Math.min(40_000, Math.sqrt(memory / 4.0 / 2 / 2) + 1000);   // values + grads > memory
        ModelSpec big = ModelSpec.builder().latent(LatentSpec.gaussian(50)).hidden(width, width)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        e = assertThrows(IllegalArgumentException.class, () -> new Hvae(big, CPU, 0));
        assertTrue(e.getMessage().contains("their values and gradients need") && e.getMessage().contains("GiB")
                && e.getMessage().contains("of memory on cpu"), e.getMessage());
    }

    // ---- checkpoints ---------------------------------------------------------------------------------------------

    /** A checkpoint whose header is replaced by {@code json}, with a correct checksum over the new bytes. */
    static Path withHeader(Path good, Path out, String json) throws Exception {
        byte[] b = Files.readAllBytes(good);
        int len = ByteBuffer.wrap(b, 12, 4).getInt();
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer o = ByteBuffer.allocate(b.length - len + h.length);
        o.put(b, 0, 12).putInt(h.length).put(h).put(b, 16 + len, b.length - 16 - len - 8);
        CRC32 crc = new CRC32();
        crc.update(o.array(), 0, o.position());
        o.putLong(crc.getValue());
        Files.write(out, o.array());
        return out;
    }

    static String header(Path ck) throws Exception {
        byte[] b = Files.readAllBytes(ck);
        int len = ByteBuffer.wrap(b, 12, 4).getInt();
        return new String(b, 16, len, StandardCharsets.UTF_8);
    }

    @Test
    void damagedCheckpointHeadersAreNamed(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("c.hvae");
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            t.fit(ModelCorrectnessTest.smallMnist().head(100), ck);
        }
        String h = header(ck);
        Checkpoint.CheckpointException e = assertThrows(Checkpoint.CheckpointException.class,
                () -> Checkpoint.resume(withHeader(ck, dir.resolve("json.hvae"), h.substring(0, h.length() - 5)), CPU));
        assertTrue(e.getMessage().contains("json.hvae") && e.getMessage().contains("header is not valid JSON"),
                e.getMessage());
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(
                withHeader(ck, dir.resolve("noepoch.hvae"), h.replace("\"epoch\":", "\"epoc\":")), CPU));
        assertTrue(e.getMessage().contains("no number \"epoch\""), e.getMessage());
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(
                withHeader(ck, dir.resolve("nomodel.hvae"), h.replace("\"model\":", "\"modell\":")), CPU));
        assertTrue(e.getMessage().contains("no \"model\" section"), e.getMessage());
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(
                withHeader(ck, dir.resolve("badsize.hvae"), h.replace("\"size\":4", "\"size\":-4")), CPU));
        assertTrue(e.getMessage().contains("describes no valid model"), e.getMessage());
        // the bytes of the header damaged in place: the checksum says so before anything is parsed
        byte[] b = Files.readAllBytes(ck);
        b[20] ^= 0x21;
        Path flipped = dir.resolve("flipped.hvae");
        Files.write(flipped, b);
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(flipped, CPU));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
        Path cut = dir.resolve("cut.hvae");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(ck), Files.readAllBytes(ck).length - 100));
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(cut, CPU));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(" of "), e.getMessage());
    }

    /**
     * A run that diverges until a whole epoch's steps are skipped leaves a checkpoint that says so; {@link
     * Checkpoint.Info#lastEpochAllSkipped} is what the program warns with. A normal epoch does not.
     */
    @Test
    void aCheckpointRecordsWhetherItsLastEpochWasAllSkipped(@TempDir Path dir) {
        Dataset data = ModelCorrectnessTest.smallMnist().head(300);
        Path ok = dir.resolve("ok.hvae");
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            t.fit(data, ok);
        }
        Checkpoint.Info info = Checkpoint.info(ok);
        assertEquals(3, info.lastEpochApplied());
        assertEquals(0, info.lastEpochSkipped());
        assertFalse(info.lastEpochAllSkipped());

        Path bad = dir.resolve("bad.hvae");
        TrainConfig wild = TrainConfig.defaults(8).withLearningRate(10).withMaxBadSteps(1000);
        try (Hvae m = new Hvae(BurdaModels.twoLayer(), CPU, 1); Trainer t = new Trainer(m, wild)) {
            t.fit(data, bad);
        }
        Checkpoint.Info diverged = Checkpoint.info(bad);
        assertTrue(diverged.lastEpochAllSkipped(), () -> "applied " + diverged.lastEpochApplied() + ", skipped "
                + diverged.lastEpochSkipped());
        assertEquals(3, diverged.lastEpochSkipped());
        assertTrue(diverged.skippedSteps() >= 3);
    }

    @Test
    void runInformationTravelsWithTheCheckpoint(@TempDir Path dir) {
        Path ck = dir.resolve("c.hvae");
        try (Hvae m = new Hvae(tiny(), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            t.runInfo().put("data", "somewhere");
            t.runInfo().put("limit", 7);
            t.fit(ModelCorrectnessTest.smallMnist().head(100), ck);
        }
        assertEquals(Map.of("data", "somewhere", "limit", 7), Checkpoint.info(ck).run());
        Trainer t = Checkpoint.resume(ck, CPU);
        try (Hvae m = t.model(); t) {
            assertEquals("somewhere", t.runInfo().get("data"));
        }
    }

    // ---- data and descriptions -------------------------------------------------------------------------------------

    @Test
    void aBernoulliModelRefusesDataOutsideTheUnitInterval() {
        float[] f = java.util.Arrays.copyOf(ModelCorrectnessTest.smallMnist().head(10).features(), 10 * 784);
        f[3 * 784 + 5] = 2.5f;
        Dataset scaled = Dataset.of("scaled", f, 10, 784);
        try (Hvae m = new Hvae(tiny(), CPU, 1)) {
            Evaluator ev = new Evaluator(m, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ev.logLikelihood(scaled, 2, 2, 10));
            assertTrue(e.getMessage().contains("the value 2.5 at row 3, column 5, outside [0, 1]")
                    && e.getMessage().contains("Bernoulli"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ev.anomalyScores(scaled, 2));
            try (Trainer t = new Trainer(m, TrainConfig.defaults(1).withBatchSize(5))) {
                assertThrows(IllegalArgumentException.class, () -> t.fit(scaled, null));
            }
        }
    }

    @Test
    void descriptionsAreReadStrictly() {
        Map<String, Object> model = new java.util.LinkedHashMap<>(tiny().toMap());
        model.put("latents", List.of(Map.of("type", "gaussian", "size", 8, "hiden", List.of(500))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(model));
        assertTrue(e.getMessage().contains("unknown field 'hiden' in latent 1"), e.getMessage());
        model.put("latents", List.of(Map.of("type", "gaussian", "size", 8, "estimator", "st")));
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(model));
        assertTrue(e.getMessage().contains("estimator is chosen for Bernoulli latents only"), e.getMessage());
        model.put("latents", List.of(Map.of("type", "gaussian", "size", 8.5)));
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(model));

        for (Object epochs : new Object[] {1.7, 0, 1e12, "many", -3}) {
            e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromMap(Map.of("epochs", epochs)),
                    () -> "epochs " + epochs);
            assertTrue(e.getMessage().contains("training field 'epochs' must be an integer in [1, 2147483647], got "
                    + epochs), e.getMessage());
        }
        assertEquals(12, TrainConfig.fromMap(Map.of("epochs", 12.0)).epochs(), "12.0 is an integer");
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromMap(Map.of("clipNorm", -1)));
        assertTrue(e.getMessage().contains("'clipNorm' must be > 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.defaults(1).withClipNorm(-1));
        assertTrue(e.getMessage().contains("clipNorm must be > 0"), e.getMessage());
    }
}
