package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.function.Function;
import org.hvae4j.data.Datasets;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.tensor.TestSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A captured training step (the host-read-free step a CUDA graph replays; on the CPU it runs as it is) computes the
 * ordinary step: the same parameters after every step, the same statistics, the same skips; and the GPU's replayed
 * graph computes the GPU's ordinary step.
 */
class CapturedStepTest {
    static final Backend CPU = Backend.cpu();
    static final int BATCH = 20;

    static float[] data(int rows) {
        return Arrays.copyOf(Datasets.embeddedMnist().features(), rows * 784);
    }

    /** Trains `steps` steps on consecutive batches, ordinary and captured, and compares after each step. */
    static void compare(Backend be, ModelSpec spec, TrainConfig cfg, int steps, double tol) {
        float[] d = data(steps * BATCH);
        int cd = spec.conditioningDim();
        float[] cond = new float[steps * BATCH * Math.max(cd, 1)];
        for (int r = 0; cd > 0 && r < steps * BATCH; r++) {
            cond[r * cd + r % cd] = 1f;
        }
        try (Hvae a = new Hvae(spec, be, 9); Hvae b = new Hvae(spec, be, 9); Trainer ordinary = new Trainer(a, cfg);
                Trainer captured = new Trainer(b, cfg).withCapturedSteps(true); MemoryScope scope = MemoryScope.open()) {
            Tensor x = be.fromArray(d, steps * BATCH, 784);
            Tensor c = cd > 0 ? be.fromArray(cond, steps * BATCH, cd) : null;
            for (int s = 0; s < steps; s++) {
                Tensor xs = x.rowsView(s * BATCH, (s + 1) * BATCH);
                Tensor cs = c == null ? null : c.rowsView(s * BATCH, (s + 1) * BATCH);
                double lr = 1e-3 * (1 + s % 3);
                ordinary.step(xs, cs, lr);
                captured.step(xs, cs, lr);
                StepResult ro = ordinary.lastStepResult();
                StepResult rc = captured.lastStepResult();
                String at = spec.inference() + " " + cfg.objective() + ", step " + s;
                assertEquals(ro.objective(), rc.objective(), tol * Math.abs(ro.objective()), at + ": objective");
                assertEquals(ro.loss(), rc.loss(), tol * Math.abs(ro.loss()), at + ": loss");
                assertEquals(ro.reconstruction(), rc.reconstruction(), tol * Math.abs(ro.reconstruction()),
                        at + ": reconstruction");
                for (int l = 0; l < ro.kl().length; l++) {
                    assertEquals(ro.kl()[l], rc.kl()[l], tol * Math.max(1, Math.abs(ro.kl()[l])), at + ": KL " + l);
                }
                assertEquals(ro.gradNorm(), rc.gradNorm(), tol * ro.gradNorm(), at + ": gradient norm");
                assertEquals(ro.skipped(), rc.skipped(), at + ": skipped");
                for (int i = 0; i < a.parameters().size(); i++) {
                    double err = TestSupport.relativeError(b.parameters().get(i).value().toArray(),
                            a.parameters().get(i).value().toArray());
                    assertTrue(err < tol, at + ": parameter " + a.parameters().get(i).name() + " differs by " + err);
                }
            }
            assertEquals(ordinary.step(), captured.step());
            assertEquals(ordinary.skippedSteps(), captured.skippedSteps());
        }
    }

    static ModelSpec gaussian(Inference inf) {
        return ModelCorrectnessTest.small(inf);
    }

    @Test
    void elboStepsEqualTheOrdinaryStepsForEveryInference() {
        for (Inference inf : Inference.values()) {
            compare(CPU, gaussian(inf), TrainConfig.defaults(1).withSeed(3).withClipNorm(5), 4, 1e-5);
        }
    }

    @Test
    void importanceWeightedStepsEqualTheOrdinarySteps() {
        compare(CPU, gaussian(Inference.RESIDUAL), TrainConfig.defaults(1).withObjective(Objective.iwae(3)), 4, 1e-5);
        compare(CPU, gaussian(Inference.BOTTOM_UP), TrainConfig.defaults(1).withObjective(Objective.iwaeDreg(3)), 4,
                1e-5);
    }

    @Test
    void bernoulliLayersAndConditioning() {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(4)).hidden(16)
                .latent(LatentSpec.bernoulli(12, Estimator.straightThrough())).hidden(32)
                .observed(784, Likelihood.parse("bernoulli-binarized")).conditioning(10, true).build();
        compare(CPU, spec, TrainConfig.defaults(1).withSeed(8), 4, 1e-5);
    }

    @Test
    void warmUpStepsRunOrdinarilyThenTheCaptureTakesOver() {
        compare(CPU, gaussian(Inference.BOTTOM_UP), TrainConfig.defaults(1).withKlWarmupSteps(3), 6, 1e-5);
    }

    /** A step whose gradient is not finite changes nothing, on the device as on the host, and is counted. */
    @Test
    void nonFiniteStepsAreSkippedOnTheDevice() {
        ModelSpec spec = gaussian(Inference.BOTTOM_UP);
        TrainConfig cfg = TrainConfig.defaults(1).withMaxBadSteps(2);
        try (Hvae a = new Hvae(spec, CPU, 1); Hvae b = new Hvae(spec, CPU, 1); Trainer ordinary = new Trainer(a, cfg);
                Trainer captured = new Trainer(b, cfg).withCapturedSteps(true); MemoryScope scope = MemoryScope.open()) {
            Tensor x = CPU.fromArray(data(BATCH), BATCH, 784);
            for (Trainer t : new Trainer[] {ordinary, captured}) {
                Hvae m = t.model();
                t.step(x, null, 1e-3);
                assertFalse(t.lastStepResult().skipped());
                // One NaN weight in the first layer: every activation above it, and so the gradient, is NaN.
                float[] w = m.parameters().get(0).value().toArray();
                w[3] = Float.NaN;
                CPU.copyFrom(w, m.parameters().get(0).value());
                float[][] before = m.parameters().stream().map(p -> p.value().toArray()).toArray(float[][]::new);
                t.step(x, null, 1e-3);
                StepResult r = t.lastStepResult();
                assertTrue(r.skipped(), "skipped");
                assertFalse(Double.isFinite(r.gradNorm()), "the norm says why: " + r.gradNorm());
                for (int i = 0; i < before.length; i++) {
                    assertArrayEquals(before[i], m.parameters().get(i).value().toArray(), "parameter " + i);
                }
                assertEquals(1, t.skippedSteps());
                assertEquals(1, t.optimizer().steps(), "Adam's counter does not move on a skipped step");
                t.step(x, null, 1e-3);
                var e = assertThrows(TrainingDivergedException.class, t::lastStepResult);
                assertTrue(e.getMessage().contains("2 consecutive steps"), e.getMessage());
            }
        }
    }

    /**
     * Free bits, REINFORCE baselines and KL warm-up used to be decided on the host inside a step; they are computed on
     * the device now, so a captured step runs them too and equals the ordinary step.
     */
    @Test
    void freeBitsAndReinforceStepsAreCapturedAndEqualTheOrdinarySteps() {
        compare(CPU, gaussian(Inference.BOTTOM_UP),
                TrainConfig.defaults(1).withObjective(Objective.elbo().withFreeBits(0.5)).withKlWarmupSteps(2), 5, 1e-5);
        ModelSpec reinforce = ModelSpec.builder().latent(LatentSpec.bernoulli(8, Estimator.reinforce())).hidden(16)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        compare(CPU, reinforce, TrainConfig.defaults(1).withSeed(2), 5, 1e-5);
    }

    @Test
    void capturedStepsRunOnOneWorker() {
        ModelSpec spec = gaussian(Inference.BOTTOM_UP);
        try (Hvae m = new Hvae(spec, CPU, 1)) {
            Function<TrainConfig, Trainer> make = c -> new Trainer(m, c);
            try (Trainer t = make.apply(TrainConfig.defaults(1)).withWorkers(2)) {
                assertThrows(IllegalArgumentException.class, () -> t.withCapturedSteps(true));
            }
            try (Trainer t = make.apply(TrainConfig.defaults(1)).withCapturedSteps(true)) {
                assertThrows(IllegalArgumentException.class, () -> t.withWorkers(2));
            }
        }
    }

    /** On a GPU the step is a CUDA graph replayed at every step; it computes the GPU's ordinary step. */
    @Test
    @Tag("gpu")
    void theReplayedCudaGraphComputesTheOrdinaryStep() {
        Backend gpu = TestSupport.cudaOrSkip();
        compare(gpu, gaussian(Inference.BOTTOM_UP), TrainConfig.defaults(1).withSeed(3), 5, 1e-5);
        compare(gpu, gaussian(Inference.RESIDUAL), TrainConfig.defaults(1).withObjective(Objective.iwae(3)), 5, 1e-5);
        ModelSpec spec = gaussian(Inference.BOTTOM_UP);
        try (Hvae m = new Hvae(spec, gpu, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1)).withCapturedSteps(true);
                MemoryScope scope = MemoryScope.open()) {
            Tensor x = gpu.fromArray(data(BATCH), BATCH, 784);
            t.step(x, null, 1e-3);
            assertTrue(t.capturedGraph(), "a CUDA backend captures a graph");
            long raw = gpu.memoryStats().rawAllocations();
            for (int i = 0; i < 50; i++) {
                t.step(x, null, 1e-3);
            }
            assertEquals(raw, gpu.memoryStats().rawAllocations(), "replays allocate nothing");
        }
    }
}
