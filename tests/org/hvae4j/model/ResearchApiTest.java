package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The public pass, weights, optimizer and generation API: memory ownership, argument checks, and what they compute. */
class ResearchApiTest {
    static final Backend CPU = Backend.cpu();

    static ModelSpec small() {
        return ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(8).latent(LatentSpec.gaussian(4)).hidden(8)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
    }

    static Tensor batch(int n) {
        return CPU.fromArray(java.util.Arrays.copyOf(Datasets.embeddedMnist().features(), n * 784), n, 784);
    }

    @Test
    void aPassIsFreedWithItsScopeOrWhenClosed() {
        try (Hvae m = new Hvae(small(), CPU, 1); Tensor x = batch(10)) {
            long before = CPU.memoryStats().bytesInUse();
            Pass kept;
            try (MemoryScope s = MemoryScope.open()) {
                kept = m.forward(x, null, 3, NoiseStreams.of(1, 1));
                kept.logWeights();
                assertTrue(CPU.memoryStats().bytesInUse() > before);
            }
            assertEquals(before, CPU.memoryStats().bytesInUse(), "the scope closed the pass");
            var e = assertThrows(IllegalStateException.class, kept::logWeights);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            Pass own = m.forward(x, null, 3, NoiseStreams.of(1, 1));  // no scope: the caller owns it
            own.klTerm(0);
            assertTrue(CPU.memoryStats().bytesInUse() > before);
            own.close();
            assertEquals(before, CPU.memoryStats().bytesInUse(), "closing the pass freed everything it made");
        }
    }

    @Test
    void theSameStreamsGiveTheSamePass() {
        try (Hvae m = new Hvae(small(), CPU, 1); Tensor x = batch(10); MemoryScope s = MemoryScope.open()) {
            float[] a = m.forward(x, null, 2, NoiseStreams.of(4, 9)).logWeightsArray();
            float[] b = m.forward(x, null, 2, NoiseStreams.of(4, 9)).logWeightsArray();
            float[] c = m.forward(x, null, 2, NoiseStreams.of(4, 10)).logWeightsArray();
            assertArrayEquals(a, b);
            assertFalse(java.util.Arrays.equals(a, c), "another step draws other noise");
        }
    }

    @Test
    void badInputsAreRefusedNamingTheProblem() {
        try (Hvae m = new Hvae(small(), CPU, 1); MemoryScope s = MemoryScope.open()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(CPU.zeros(5, 100), null, 1, NoiseStreams.of(0, 0)));
            assertTrue(e.getMessage().contains("784"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.forward(batch(5), CPU.zeros(5, 2), 1,
                    NoiseStreams.of(0, 0)));
            assertTrue(e.getMessage().contains("not conditional"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.forward(batch(5), null, 0, NoiseStreams.of(0, 0)));
            assertTrue(e.getMessage().contains("k must be >= 1"), e.getMessage());
            Pass p = m.forward(batch(5), null, 2, NoiseStreams.of(0, 0));
            e = assertThrows(IllegalArgumentException.class, () -> Weights.of(p).likelihood(CPU.zeros(5)));
            assertTrue(e.getMessage().contains("one value per row (10)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Weights.of(p).kl(2, CPU.zeros(10)));
            assertTrue(e.getMessage().contains("layer 2 out of range"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.decode(CPU.zeros(2, 3), null));
            assertTrue(e.getMessage().contains("[rows, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.sample(2, null, -1, 0));
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
        }
    }

    /** An optimizer made inside a scope keeps its state after the scope closes (its moments are its own). */
    @Test
    void anOptimizerOutlivesTheScopeItWasMadeIn() {
        try (Hvae m = new Hvae(small(), CPU, 1); Tensor x = batch(20)) {
            Adam adam;
            try (MemoryScope s = MemoryScope.open()) {
                adam = Adam.defaults(m.parameters());
            }
            try (adam; ObjectiveContext ctx = new ObjectiveContext(CPU, m.depth())) {
                for (int step = 0; step < 3; step++) {
                    m.zeroGrad();
                    try (MemoryScope s = MemoryScope.open()) {
                        Pass p = m.forward(x, null, 1, NoiseStreams.of(0, step));
                        p.backward(Objective.elbo().weights(p, ctx));
                        adam.step(1e-3);
                    }
                }
                assertEquals(3, adam.steps());
                assertTrue(Float.isFinite(adam.lastGradientNorm()) && adam.lastGradientNorm() > 0);
                assertFalse(adam.lastStepSkipped());
            }
        }
    }

    /** A model made inside a scope owns its parameters: they live on after the scope closes. */
    @Test
    void aModelOwnsItsParameters() {
        Hvae m;
        try (MemoryScope s = MemoryScope.open()) {
            m = new Hvae(small(), CPU, 1);
        }
        try (m; Tensor x = batch(4); MemoryScope s = MemoryScope.open()) {
            assertTrue(Float.isFinite(m.forward(x, null, 1, NoiseStreams.of(0, 0)).logWeightsArray()[0]));
        }
    }

    /** The objective's device weights give what its host evaluation says, and the statistics it writes agree. */
    @Test
    void objectiveStatisticsOnTheDeviceEqualTheHostEvaluation() {
        try (Hvae m = new Hvae(small(), CPU, 1); Tensor x = batch(30); MemoryScope s = MemoryScope.open();
                ObjectiveContext ctx = new ObjectiveContext(CPU, 2)) {
            for (Objective o : List.of(Objective.elbo(), Objective.iwae(4), Objective.elbo().withFreeBits(1.5))) {
                Pass p = m.forward(x, null, o.k(), NoiseStreams.of(2, 3));
                ctx.setBeta(0.5);
                o.weights(p, ctx);
                StepResult device = ctx.result(), host = o.evaluate(p, 0.5);
                assertEquals(host.objective(), device.objective(), 1e-3 * Math.abs(host.objective()), o.toString());
                assertEquals(host.loss(), device.loss(), 1e-3 * Math.abs(host.loss()), o.toString());
                assertEquals(host.reconstruction(), device.reconstruction(), 1e-3 * Math.abs(host.reconstruction()));
                for (int l = 0; l < 2; l++) {
                    assertEquals(host.kl()[l], device.kl()[l], 1e-3 * Math.max(1, Math.abs(host.kl()[l])));
                }
            }
        }
    }

    /** A user's own objective trains through the trainer: here the ELBO with the KL terms left out (an autoencoder). */
    @Test
    void aTrainerTrainsAResearchersObjective() {
        TrainingObjective reconstructionOnly = new TrainingObjective() {
            @Override
            public int samples() {
                return 1;
            }

            @Override
            public List<Weights> weights(Pass pass, ObjectiveContext ctx) {
                // Statistics: the ELBO's; the gradient: the reconstruction term's alone.
                Objective.elbo().weights(pass, ctx);
                Tensor w = pass.model().backend().full(-1f / pass.batch(), pass.rows());
                return List.of(Weights.of(pass).likelihood(w));
            }
        };
        Dataset data = Datasets.embeddedMnist().head(200);
        double[] kl = new double[2];
        for (int run = 0; run < 2; run++) {
            try (Hvae m = new Hvae(small(), CPU, 1);
                    Trainer t = new Trainer(m, TrainConfig.defaults(20).withBatchSize(50).withLearningRate(3e-3))) {
                if (run == 0) {
                    t.withObjective(reconstructionOnly);
                }
                int r = run;
                t.addListener(new TrainingListener() {
                    @Override
                    public void onEpoch(int epoch, StepResult mean, long step) {
                        kl[r] = mean.klTotal();
                    }
                });
                t.fit(data, null);
            }
        }
        // Without the KL term nothing holds the posterior to the prior: its KL ends far above the ELBO-trained one's.
        assertTrue(kl[0] > 3 * kl[1] && kl[0] > 10, "KL without the term " + kl[0] + ", with it " + kl[1]);
    }

    @Test
    void temperatureZeroSamplesAreTheModes() {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(8)
                .latent(LatentSpec.bernoulli(6, Estimator.straightThrough())).hidden(8)
                .observed(784, Likelihood.parse("bernoulli")).build();
        try (Hvae m = new Hvae(spec, CPU, 1); MemoryScope s = MemoryScope.open()) {
            float[] a = m.sample(4, null, 0, 1).toArray(), b = m.sample(4, null, 0, 2).toArray();
            assertArrayEquals(a, b, "temperature 0 draws nothing: every seed gives the modes");
            for (int i = 1; i < 4; i++) {
                assertEquals(a[0], a[i * 784], 1e-6, "with the standard prior every row is the same mode");
            }
            float[] c = m.sample(4, null, 1, 1).toArray(), d = m.sample(4, null, 1, 2).toArray();
            assertFalse(java.util.Arrays.equals(c, d), "temperature 1 samples");
        }
    }

    /** Only the roles asked for get gradients. */
    @Test
    void weightsForOneRoleLeaveTheOtherRolesGradientsAtZero() {
        try (Hvae m = new Hvae(small(), CPU, 1); Tensor x = batch(10); MemoryScope s = MemoryScope.open();
                ObjectiveContext ctx = new ObjectiveContext(CPU, 2)) {
            m.zeroGrad();
            Pass p = m.forward(x, null, 1, NoiseStreams.of(0, 0));
            p.backward(Objective.elbo().weights(p, ctx).get(0).roles(java.util.EnumSet.of(Param.Role.GENERATIVE)));
            for (Param q : m.parameters()) {
                double n = 0;
                for (float g : q.grad().toArray()) {
                    n += Math.abs(g);
                }
                if (q.role() == Param.Role.INFERENCE) {
                    assertEquals(0, n, q.name());
                } else if (q.name().startsWith("dec")) {
                    assertTrue(n > 0, q.name());
                }
            }
        }
    }
}
