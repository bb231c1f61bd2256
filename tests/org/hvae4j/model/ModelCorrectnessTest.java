package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact answers: PPCA, an enumerable Bernoulli model, bound orderings, term sums, resumption. */
class ModelCorrectnessTest {
    static final Backend CPU = Backend.cpu();

    /** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: returns eigenvalues. */
    static double[] eigenvalues(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (Math.abs(m[p][q]) < 1e-15) {
                        continue;
                    }
                    double theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k][p], mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p][k], mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                }
            }
        }
        double[] ev = new double[n];
        for (int i = 0; i < n; i++) {
            ev[i] = m[i][i];
        }
        java.util.Arrays.sort(ev);
        return ev;
    }

    /**
     * Data from a PPCA model x = W z + μ + σ ε (D = 5, d = 2). The maximum-likelihood PPCA fit has a closed form
     * (Tipping and Bishop 1999): with S the sample covariance and λ its eigenvalues (ascending), the ML W is
     * U_d (Λ_d − σ²)^½, so log p = −N/2 (D log 2π + Σ_{top d} log λ_i + (D − d) log σ² + d + (tr S − Σ_{top d} λ_i)/σ²),
     * where σ² is the mean of the D − d smallest eigenvalues when it is learned, or the true noise variance when it
     * is known. A linear-Gaussian VAE trained with the ELBO reaches it (Lucas et al. 2019): its IWAE estimate of
     * log p(x) must be within 0.05 nats per example, with σ learned (one log σ² per dimension) and with σ known.
     */
    @Test
    void linearGaussianVaeReachesTheClosedFormPpcaLikelihood() {
        int n = 2000, dim = 5, d = 2;
        SplittableRandom r = new SplittableRandom(3);
        double[][] w = new double[dim][d];
        double[] mu = new double[dim];
        for (int i = 0; i < dim; i++) {
            mu[i] = r.nextDouble(-1, 1);
            for (int j = 0; j < d; j++) {
                w[i][j] = r.nextGaussian() * 1.5;
            }
        }
        float[] x = new float[n * dim];
        for (int k = 0; k < n; k++) {
            double[] z = {r.nextGaussian(), r.nextGaussian()};
            for (int i = 0; i < dim; i++) {
                x[k * dim + i] = (float) (mu[i] + w[i][0] * z[0] + w[i][1] * z[1] + 0.5 * r.nextGaussian());
            }
        }
        double[] mean = new double[dim];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < dim; i++) {
                mean[i] += x[k * dim + i] / (double) n;
            }
        }
        double[][] s = new double[dim][dim];
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < dim; i++) {
                for (int j = 0; j < dim; j++) {
                    s[i][j] += (x[k * dim + i] - mean[i]) * (x[k * dim + j] - mean[j]) / n;
                }
            }
        }
        double[] ev = eigenvalues(s);
        double learnedSigma2 = 0;
        for (int i = 0; i < dim - d; i++) {
            learnedSigma2 += ev[i] / (dim - d);
        }
        Dataset data = Dataset.of("ppca", x, n, dim);
        assertPpca(data, "gaussian-shared", ppcaLogLikelihood(ev, d, learnedSigma2));
        assertPpca(data, "gaussian:0.5", ppcaLogLikelihood(ev, d, 0.25));
    }

    static double ppcaLogLikelihood(double[] ev, int d, double sigma2) {
        int dim = ev.length;
        double logdet = 0, top = 0, trace = 0;
        for (int i = dim - d; i < dim; i++) {
            logdet += Math.log(ev[i]);
            top += ev[i];
        }
        for (double e : ev) {
            trace += e;
        }
        return -0.5 * (dim * Math.log(2 * Math.PI) + logdet + (dim - d) * Math.log(sigma2) + d
                + (trace - top) / sigma2);
    }

    static void assertPpca(Dataset data, String likelihood, double ppca) {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(2))
                .observed(data.cols(), Likelihood.parse(likelihood)).build();
        TrainConfig cfg = TrainConfig.defaults(300).withBatchSize(50).withLearningRate(1e-2).withSchedule("cosine");
        try (Hvae m = new Hvae(spec, CPU, 1); Trainer t = new Trainer(m, cfg)) {
            t.fit(data, null);
            double ll = Evaluator.mean(new Evaluator(m, 2).logLikelihood(data, 1000, 500, 500));
            assertEquals(ppca, ll, 0.05, likelihood + ": IWAE-1000 log-likelihood " + ll + " vs closed-form PPCA "
                    + ppca);
        }
    }

    /** log p(x) of a model with 4 binary latents by summing over all 16 states, through the model's decoder. */
    static double[] exactLogLikelihood(Hvae m, float[] x, int n, int dim) {
        int h = m.latent(0).size(), states = 1 << h;
        float[] z = new float[states * h];
        for (int s = 0; s < states; s++) {
            for (int j = 0; j < h; j++) {
                z[s * h + j] = (s >> j) & 1;
            }
        }
        double[] out = new double[n];
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor tz = CPU.fromArray(z, states, h);
            List<Tensor> heads = m.decoder.forward(List.of(tz)).heads();
            for (int i = 0; i < n; i++) {
                float[] xi = new float[dim];
                System.arraycopy(x, i * dim, xi, 0, dim);
                float[] lpx = Likelihood.parse("bernoulli").logProb(heads, CPU.fromArray(xi, 1, dim),
                        new org.hvae4j.latent.Noise(0, 0)).toArray();
                double max = Double.NEGATIVE_INFINITY;
                for (float v : lpx) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                for (float v : lpx) {
                    sum += Math.exp(v - max);
                }
                out[i] = max + Math.log(sum) - h * Math.log(2);  // p(z) = 2^-h
            }
        }
        return out;
    }

    @Test
    void iwaeBoundOfEnumerableBernoulliModelRisesTowardsExactLogLikelihood() {
        int dim = 8, n = 200;
        SplittableRandom r = new SplittableRandom(8);
        float[] x = new float[n * dim];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < (i % dim < 4 ? 0.8 : 0.2) ? 1 : 0;
        }
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.bernoulli(4, Estimator.straightThroughSigmoid()))
                .hidden(16).observed(dim, Likelihood.parse("bernoulli")).build();
        Dataset data = Dataset.of("binary", x, n, dim);
        try (Hvae m = new Hvae(spec, CPU, 4); Trainer t = new Trainer(m, TrainConfig.defaults(1).withBatchSize(50))) {
            t.fit(data, null);
            double exact = Evaluator.mean(exactLogLikelihood(m, x, n, dim));
            Evaluator ev = new Evaluator(m, 9);
            double previous = Double.NEGATIVE_INFINITY;
            double[] exactPer = exactLogLikelihood(m, x, n, dim);
            for (int k : new int[] {1, 4, 16}) {
                double[] per = ev.logLikelihood(data, k, 500, 200);
                double bound = Evaluator.mean(per);
                // The estimate is random: its mean may exceed log p(x) only by Monte-Carlo error (3 standard errors).
                double var = 0;
                for (int i = 0; i < n; i++) {
                    double g = per[i] - exactPer[i] - (bound - exact);
                    var += g * g / (n - 1);
                }
                double se = Math.sqrt(var / n);
                assertTrue(bound > previous, "IWAE-" + k + " = " + bound + " should exceed " + previous);
                assertTrue(bound <= exact + 3 * se, "IWAE-" + k + " = " + bound + " above exact log p(x) " + exact
                        + " by more than 3 standard errors (" + se + ")");
                previous = bound;
            }
            double big = Evaluator.mean(ev.logLikelihood(data, 2000, 500, 200));
            assertEquals(exact, big, 0.02, "IWAE-2000 close to the exact log-likelihood");
        }
    }

    static Dataset smallMnist() {
        return org.hvae4j.data.Datasets.embeddedMnist().head(1000);
    }

    static ModelSpec small(Inference inf) {
        return ModelSpec.builder().latent(LatentSpec.gaussian(8)).hidden(32).latent(LatentSpec.gaussian(16))
                .hidden(64).observed(784, Likelihood.parse("bernoulli-binarized")).inference(inf).build();
    }

    @Test
    void onATrainedModelElboIsBelowIwae5BelowIwae50AndTermsAddUp() {
        Dataset data = smallMnist();
        try (Hvae m = new Hvae(small(Inference.BOTTOM_UP), CPU, 5);
                Trainer t = new Trainer(m, TrainConfig.defaults(3))) {
            t.fit(data, null);
            Evaluator ev = new Evaluator(m, 3);
            Dataset test = data.head(300);
            StepResult elbo = ev.elbo(test, 100);
            double iwae5 = Evaluator.mean(ev.logLikelihood(test, 5, 5, 100));
            double iwae50 = Evaluator.mean(ev.logLikelihood(test, 50, 50, 100));
            assertTrue(elbo.objective() < iwae5 && iwae5 < iwae50,
                    "ELBO " + elbo.objective() + " ≤ IWAE-5 " + iwae5 + " ≤ IWAE-50 " + iwae50);
            assertEquals(elbo.reconstruction() - elbo.klTotal(), elbo.objective(), 1e-6);
            // The per-variable decomposition against the plain Monte-Carlo ELBO E[log p(x,z) − log q(z|x)]:
            // IWAE-1 averaged over many draws estimates the same quantity.
            double mc = 0;
            int reps = 20;
            for (int i = 0; i < reps; i++) {
                mc += Evaluator.mean(new Evaluator(m, 100 + i).logLikelihood(test, 1, 1, 300)) / reps;
            }
            double analytic = 0;
            for (int i = 0; i < reps; i++) {
                analytic += new Evaluator(m, 200 + i).elbo(test, 300).objective() / reps;
            }
            assertEquals(analytic, mc, 0.5, "per-variable terms add up to the Monte-Carlo ELBO");
        }
    }

    @Test
    void checkpointResumeAndContinueEqualsAnUnbrokenRun(@TempDir Path dir) throws Exception {
        Dataset data = smallMnist().head(400);
        TrainConfig cfg = TrainConfig.defaults(2).withBatchSize(50).withObjective(Objective.iwae(2)).withSeed(7);
        float[][] unbroken;
        try (Hvae m = new Hvae(small(Inference.LADDER), CPU, 7); Trainer t = new Trainer(m, cfg)) {
            t.fit(data, null);
            unbroken = values(m);
        }
        Path ck = dir.resolve("run.hvae");
        try (Hvae m = new Hvae(small(Inference.LADDER), CPU, 7); Trainer t = new Trainer(m, cfg.withEpochs(1))) {
            t.fit(data, ck);
        }
        try (Trainer t = Checkpoint.resume(ck, CPU, 2)) {
            assertEquals(1, t.epoch());
            t.fit(data, ck);
            float[][] resumed = values(t.model());
            for (int i = 0; i < unbroken.length; i++) {
                assertArrayEquals(unbroken[i], resumed[i], "parameter " + t.model().parameters().get(i).name());
            }
            t.model().close();
        }
    }

    static float[][] values(Hvae m) {
        return m.parameters().stream().map(p -> p.value().toArray()).toArray(float[][]::new);
    }

    @Test
    void nonFiniteStepsAreSkippedThenStopTrainingKeepingTheLastCheckpoint(@TempDir Path dir) throws Exception {
        Dataset data = smallMnist().head(300);
        Path ck = dir.resolve("c.hvae");
        try (Hvae m = new Hvae(small(Inference.BOTTOM_UP), CPU, 1);
                Trainer t = new Trainer(m, TrainConfig.defaults(1).withMaxBadSteps(3))) {
            t.fit(data, ck);
            byte[] before = Files.readAllBytes(ck);
            Param p = m.parameters().get(0);
            float[] v = p.value().toArray();
            v[0] = Float.NaN;
            CPU.copyFrom(v, p.value());
            Trainer t2 = new Trainer(m, TrainConfig.defaults(2).withMaxBadSteps(3));
            TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> t2.fit(data, ck));
            assertTrue(e.getMessage().contains("3 consecutive"), e.getMessage());
            assertEquals(3, t2.skippedSteps());
            assertArrayEquals(before, Files.readAllBytes(ck), "the last good checkpoint is untouched");
            t2.close();
        }
    }

    @Test
    void corruptOrMissingCheckpointsAndBadDataAreNamed(@TempDir Path dir) throws Exception {
        Dataset data = smallMnist().head(200);
        Path ck = dir.resolve("c.hvae");
        try (Hvae m = new Hvae(small(Inference.RESIDUAL), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            t.fit(data, ck);
        }
        byte[] bytes = Files.readAllBytes(ck);
        bytes[bytes.length / 2] ^= 0x5A;
        Path bad = dir.resolve("bad.hvae");
        Files.write(bad, bytes);
        Checkpoint.CheckpointException e = assertThrows(Checkpoint.CheckpointException.class,
                () -> Checkpoint.resume(bad, CPU));
        assertTrue(e.getMessage().contains("bad.hvae") && e.getMessage().contains("checksum"), e.getMessage());
        Path cut = dir.resolve("cut.hvae");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(ck), 100));
        e = assertThrows(Checkpoint.CheckpointException.class, () -> Checkpoint.resume(cut, CPU));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.resume(dir.resolve("nope.hvae"), CPU));
        assertTrue(missing.getMessage().contains("does not exist"));
        float[] f = data.copyFeatures();
        f[5 * 784 + 3] = Float.NaN;
        try (Hvae m = new Hvae(small(Inference.BOTTOM_UP), CPU, 1); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                    () -> t.fit(Dataset.of("poisoned", f, 200, 784), null));
            assertTrue(nan.getMessage().contains("row 5, column 3"), nan.getMessage());
        }
    }

    @Test
    void safetensorsExportHasAValidHeaderAndTheParameters(@TempDir Path dir) throws Exception {
        try (Hvae m = new Hvae(small(Inference.BOTTOM_UP), CPU, 1)) {
            Path f = dir.resolve("m.safetensors");
            Checkpoint.exportSafetensors(m, f);
            byte[] b = Files.readAllBytes(f);
            long hl = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, hl % 8);
            @SuppressWarnings("unchecked")
            Map<String, Object> header = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readValue(new String(b, 8, (int) hl, java.nio.charset.StandardCharsets.UTF_8).trim(), Map.class);
            long total = 0;
            for (Param p : m.parameters()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> e = (Map<String, Object>) header.get(p.name());
                assertEquals("F32", e.get("dtype"));
                List<?> off = (List<?>) e.get("data_offsets");
                long start = ((Number) off.get(0)).longValue();
                float first = ByteBuffer.wrap(b, (int) (8 + hl + start), 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
                assertEquals(p.value().toArray()[0], first);
                total += p.value().numel() * 4;
            }
            assertEquals(8 + hl + total, b.length);
        }
    }

    @Test
    void invalidDescriptionsFailAtBuildTimeNamingTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.builder().observed(10, Likelihood.parse("bernoulli")).build());
        assertTrue(e.getMessage().contains("at least one latent"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder()
                .latent(LatentSpec.bernoulli(4, Estimator.straightThrough())).observed(10, Likelihood.parse("bernoulli"))
                .inference(Inference.LADDER).build());
        assertTrue(e.getMessage().contains("ladder") && e.getMessage().contains("Gaussian"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(5, -2).observed(4,
                        Likelihood.parse("bernoulli")).build());
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder().hidden(4).latent(
                LatentSpec.gaussian(2)).observed(3, Likelihood.parse("bernoulli")).build());
        assertTrue(e.getMessage().contains("must follow a latent"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ModelSpec.builder().latent(LatentSpec.gaussian(3)).build());
        assertTrue(e.getMessage().contains("observed"), e.getMessage());
        ModelSpec ladder = small(Inference.LADDER);
        e = assertThrows(IllegalArgumentException.class, () -> Objective.iwaeDreg(5).validateFor(ladder));
        assertTrue(e.getMessage().contains("DReG"), e.getMessage());
        assertEquals(ladder.toString(), ModelSpec.fromMap(ladder.toMap()).toString());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(Map.of("input", 4, "latents",
                List.of(Map.of("type", "gaussian", "size", 2)), "wrong", 1)));
        assertTrue(e.getMessage().contains("wrong"), e.getMessage());
    }

    @Test
    void dregTrainsAndItsGenerativeGradientEqualsIwaes() {
        Dataset data = smallMnist().head(100);
        try (Hvae a = new Hvae(small(Inference.BOTTOM_UP), CPU, 2); Hvae b = new Hvae(small(Inference.BOTTOM_UP), CPU, 2);
                MemoryScope scope = MemoryScope.open()) {
            Tensor x = CPU.fromArray(java.util.Arrays.copyOf(data.features(), 100 * 784), 100, 784);
            for (Object[] mo : new Object[][] {{a, Objective.iwae(5)}, {b, Objective.iwaeDreg(5)}}) {
                Hvae m = (Hvae) mo[0];
                m.zeroGrad();
                Passes.backward(m, x, null, (Objective) mo[1], NoiseStreams.of(1, 1));
            }
            boolean encoderDiffers = false;
            for (int i = 0; i < a.parameters().size(); i++) {
                Param pa = a.parameters().get(i), pb = b.parameters().get(i);
                float[] ga = pa.grad().toArray(), gb = pb.grad().toArray();
                if (pa.role() == Param.Role.GENERATIVE) {
                    assertArrayEquals(ga, gb, 1e-6f, pa.name());
                } else {
                    encoderDiffers |= !java.util.Arrays.equals(ga, gb);
                }
            }
            assertTrue(encoderDiffers, "DReG changes the encoder's gradients");
        }
        try (Hvae m = new Hvae(small(Inference.BOTTOM_UP), CPU, 2);
                Trainer t = new Trainer(m, TrainConfig.defaults(2).withObjective(Objective.iwaeDreg(5)))) {
            t.fit(smallMnist().head(500), null);
            assertTrue(Double.isFinite(Evaluator.mean(new Evaluator(m, 1).logLikelihood(data, 10, 10, 100))));
        }
    }

    /**
     * DReG and IWAE estimate the same gradient of the IWAE bound: averaged over many noise draws, their encoder
     * gradients agree within Monte-Carlo error (DReG's is the lower-variance one).
     */
    @Test
    void dregEncoderGradientIsUnbiasedForTheIwaeGradient() {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(2)).hidden(4).latent(LatentSpec.gaussian(3))
                .hidden(5).observed(6, Likelihood.parse("bernoulli")).build();
        int draws = 3000, k = 4;
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[2 * 6];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < 0.5 ? 1 : 0;
        }
        try (Hvae m = new Hvae(spec, CPU, 8); MemoryScope scope = MemoryScope.open()) {
            Tensor tx = CPU.fromArray(x, 2, 6);
            int n = (int) m.parameters().stream().filter(p -> p.role() == Param.Role.INFERENCE)
                    .mapToLong(p -> p.value().numel()).sum();
            double[][] sum = new double[2][n], sq = new double[2][n];
            for (int d = 0; d < draws; d++) {
                for (int e = 0; e < 2; e++) {
                    Objective obj = e == 0 ? Objective.iwae(k) : Objective.iwaeDreg(k);
                    m.zeroGrad();
                    Passes.backward(m, tx, null, obj, NoiseStreams.of(77, d));
                    int j = 0;
                    for (Param p : m.parameters()) {
                        if (p.role() != Param.Role.INFERENCE) {
                            continue;
                        }
                        for (float g : p.grad().toArray()) {
                            sum[e][j] += g;
                            sq[e][j] += (double) g * g;
                            j++;
                        }
                    }
                }
            }
            int checked = 0;
            double varIwae = 0, varDreg = 0;
            for (int j = 0; j < n; j++) {
                double m0 = sum[0][j] / draws, m1 = sum[1][j] / draws;
                double v0 = sq[0][j] / draws - m0 * m0, v1 = sq[1][j] / draws - m1 * m1;
                varIwae += v0;
                varDreg += v1;
                double se = Math.sqrt((v0 + v1) / draws);
                assertEquals(m0, m1, 4 * se + 1e-6, "encoder gradient " + j);
                checked++;
            }
            assertTrue(checked > 20);
            assertTrue(varDreg < varIwae, "DReG's encoder gradients vary less: " + varDreg + " vs " + varIwae);
        }
    }
}
