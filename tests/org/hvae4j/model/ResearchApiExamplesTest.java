package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

/**
 * The examples of docs/RESEARCH.md, compiled and run: the code between each {@code BEGIN EXAMPLE name} and
 * {@code END EXAMPLE} marker is the documented code ({@link #theDocsShowThisCode} keeps them identical), and each test
 * checks what the example claims.
 */
class ResearchApiExamplesTest {
    private static final Path SOURCE = Path.of("tests/org/hvae4j/model/ResearchApiExamplesTest.java");
    private static final Path DOCS = Path.of("docs/RESEARCH.md");

    static Dataset digits(int n) {
        return Datasets.embeddedMnist().head(n);
    }

    @Test
    void aPassGivesEveryTermPerSample() {
        Dataset data = digits(64);
        Map<String, float[]> seen = new LinkedHashMap<>();
        double[] bound = new double[1];
        int k = 10;
        // BEGIN EXAMPLE pass-terms
        ModelSpec spec = ModelSpec.builder()
                .latent(LatentSpec.gaussian(8)).hidden(32)
                .latent(LatentSpec.gaussian(16)).hidden(64)
                .observed(784, Likelihood.parse("bernoulli-binarized"))
                .build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 1); MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 64 * 784), 64, 784);
            Pass pass = model.forward(x, null, k, NoiseStreams.of(7, 0));  // rows: sample s of example b is s·64 + b
            float[] logw = pass.logWeightsArray();        // log p(x, z) − log q(z|x) per row
            float[] recon = pass.logLikelihoodArray();    // log p(x|z) per row
            float[] kl1 = pass.klTermArray(0);            // z1: log q − log p (bottom-up: not analytic)
            float[] kl2 = pass.klTermArray(1);            // z2: the analytic KL given x
            // The IWAE-10 bound of example 0, by hand: log (1/k) Σ_s exp(log w_s).
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int s = 0; s < k; s++) {
                max = Math.max(max, logw[s * 64]);
            }
            for (int s = 0; s < k; s++) {
                sum += Math.exp(logw[s * 64] - max);
            }
            bound[0] = max + Math.log(sum / k);
            System.out.printf("example 0: IWAE-10 %.2f, ELBO of sample 0 %.2f%n", bound[0], recon[0] - kl1[0] - kl2[0]);
            seen.put("logw", logw);
            seen.put("recon", recon);
            seen.put("kl1", kl1);
            seen.put("kl2", kl2);
            seen.put("logq1", pass.logq(0).toArray());
            seen.put("logp1", pass.logp(0).toArray());
            seen.put("logq2", pass.logq(1).toArray());
            seen.put("logp2", pass.logp(1).toArray());
        }
        // END EXAMPLE
        float[] logw = seen.get("logw"), recon = seen.get("recon"), kl1 = seen.get("kl1"), kl2 = seen.get("kl2");
        assertEquals(64 * k, logw.length);
        // With k samples the bound is at least the mean of the single-sample ELBOs (Jensen).
        double meanElbo = 0;
        for (int s = 0; s < k; s++) {
            meanElbo += (recon[s * 64] - kl1[s * 64] - kl2[s * 64]) / k;
        }
        assertTrue(bound[0] >= meanElbo - 1e-3, bound[0] + " < " + meanElbo);
        // log w = log p(x|z) + Σ (log p − log q), row by row; the top KL is analytic and >= 0.
        for (int r = 0; r < 5; r++) {
            assertEquals(recon[r] + seen.get("logp1")[r] - seen.get("logq1")[r] + seen.get("logp2")[r]
                    - seen.get("logq2")[r], logw[r], 1e-3);
            assertEquals(seen.get("logq1")[r] - seen.get("logp1")[r], kl1[r], 1e-4);
            assertTrue(kl2[r] >= 0);
        }
    }

    @Test
    void weightsOfOnesChoosingGiveTheirGradient() {
        Dataset data = digits(50);
        // BEGIN EXAMPLE custom-weights
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(4)).hidden(32)
                .observed(784, Likelihood.parse("bernoulli")).build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 3); Adam adam = Adam.defaults(model.parameters());
                MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 50 * 784), 50, 784);
            for (int step = 0; step < 3; step++) {
                model.zeroGrad();
                Pass pass = model.forward(x, null, 1, NoiseStreams.of(5, step));
                // A β-VAE loss written by hand: −(1/B) Σ log p(x|z) + (β/B) Σ KL, as per-row weights.
                double beta = 4.0;
                Weights w = Weights.of(pass)
                        .likelihood(cpu.full(-1f / 50, pass.rows()))
                        .kl(0, cpu.full((float) (beta / 50), pass.rows()));
                pass.backward(w);
                // Gradients are there to read before any update:
                Param first = model.parameters().get(0);
                float[] g = first.grad().toArray();
                System.out.printf("step %d: |g(%s)| = %.4f%n", step, first.name(), norm(g));
                adam.step(1e-3);
            }
            System.out.println("Adam steps: " + adam.steps());
        }
        // END EXAMPLE
    }

    static double norm(float[] g) {
        double s = 0;
        for (float v : g) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    /** The hand-written β-VAE weights give the gradient of that loss: a directional finite difference agrees. */
    @Test
    void handWrittenWeightsGiveTheGradientOfTheirLoss() {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(8)
                .observed(12, Likelihood.parse("bernoulli")).build();
        Backend cpu = Backend.cpu();
        float[] data = new float[6 * 12];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextDouble() < 0.4 ? 1 : 0;
        }
        double beta = 4;
        try (Hvae model = new Hvae(spec, cpu, 3); MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(data, 6, 12);
            java.util.function.DoubleSupplier loss = () -> {
                try (MemoryScope s = MemoryScope.open()) {
                    Pass p = model.forward(x, null, 1, NoiseStreams.of(5, 0));
                    double v = 0;
                    float[] lpx = p.logLikelihoodArray(), kl = p.kl(0).toArray();
                    for (int i = 0; i < 6; i++) {
                        v += (-lpx[i] + beta * kl[i]) / 6;
                    }
                    return v;
                }
            };
            model.zeroGrad();
            try (MemoryScope s = MemoryScope.open()) {
                Pass p = model.forward(x, null, 1, NoiseStreams.of(5, 0));
                p.backward(Weights.of(p).likelihood(cpu.full(-1f / 6, 6)).kl(0, cpu.full((float) (beta / 6), 6)));
            }
            Param w = model.parameters().get(0);
            float[] g = w.grad().toArray(), v = w.value().toArray();
            double h = 1e-2, directional = 0;
            float[] plus = v.clone(), minus = v.clone();
            for (int i = 0; i < v.length; i++) {
                double d = ((i * 7) % 5 - 2) / 2.0;
                plus[i] += (float) (h * d);
                minus[i] -= (float) (h * d);
                directional += d * g[i];
            }
            cpu.copyFrom(plus, w.value());
            double lp = loss.getAsDouble();
            cpu.copyFrom(minus, w.value());
            double lm = loss.getAsDouble();
            cpu.copyFrom(v, w.value());
            double fd = (lp - lm) / (2 * h);
            assertEquals(fd, directional, 2e-3 + 2e-3 * Math.abs(fd));
        }
    }

    @Test
    void aCyclicalBetaScheduleIsFollowed() {
        Dataset data = digits(400);
        List<Double> lossMinusRecon = new ArrayList<>();
        // BEGIN EXAMPLE cyclical-beta
        // Cyclical KL annealing (Fu et al. 2019): β rises from 0 to 1 over the first half of each cycle of 40 steps,
        // then stays at 1.
        int cycle = 40;
        java.util.function.LongToDoubleFunction cyclical = step -> Math.min(1.0, (step % cycle) / (cycle / 2.0));
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(8)).hidden(64)
                .latent(LatentSpec.gaussian(16)).hidden(128)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        TrainConfig cfg = TrainConfig.defaults(2).withBatchSize(20).withSeed(1);
        try (Hvae model = new Hvae(spec, Backend.cpu(), cfg.seed());
                Trainer trainer = new Trainer(model, cfg).withBetaSchedule(cyclical).withStatisticsInterval(10)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onStatistics(long step, int epoch, StepResult mean) {
                    System.out.printf("step %d: loss %.2f, ELBO %.2f%n", step, mean.loss(), mean.objective());
                    lossMinusRecon.add(mean.loss() + mean.reconstruction());  // β Σ KL
                }
            });
            trainer.fit(data, null);
        }
        // END EXAMPLE
        // Steps 0-9 of each cycle have β <= 0.45, steps 30-39 β = 1: the mean β·KL of the first is the smaller.
        assertEquals(4, lossMinusRecon.size());
        assertTrue(lossMinusRecon.get(0) < lossMinusRecon.get(3) && lossMinusRecon.get(0) >= 0,
                "β·KL per report: " + lossMinusRecon);
    }

    @Test
    void bernoulliEstimatorsComparedByGradientSignalToNoise() {
        Dataset data = digits(20);
        Map<String, double[]> out = new LinkedHashMap<>();
        // BEGIN EXAMPLE estimator-snr
        // The gradient signal-to-noise ratio |E g| / sd(g) of one encoder parameter under each Bernoulli estimator, over
        // 400 noise draws of the ELBO gradient on the same batch and the same initial model.
        Backend cpu = Backend.cpu();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 20 * 784), 20, 784);
            for (String name : new String[] {"st", "st-sigmoid", "concrete:0.5", "st-gumbel:0.5", "reinforce"}) {
                ModelSpec spec = ModelSpec.builder()
                        .latent(LatentSpec.bernoulli(16, Estimator.parse(name))).hidden(64)
                        .observed(784, Likelihood.parse("bernoulli-binarized")).build();
                try (Hvae model = new Hvae(spec, cpu, 5); ObjectiveContext ctx = new ObjectiveContext(cpu, 1)) {
                    Param w = model.parameters().get(1);  // enc1.0.b: the bias of the encoder's hidden layer
                    int element = 3;
                    double sum = 0, sq = 0;
                    int draws = 400;
                    for (int d = 0; d < draws; d++) {
                        model.zeroGrad();
                        try (Pass pass = model.forward(x, null, 1, NoiseStreams.of(9, d))) {
                            pass.backward(Objective.elbo().weights(pass, ctx));
                        }
                        double g = w.grad().toArray()[element];
                        sum += g;
                        sq += g * g;
                    }
                    double mean = sum / draws, sd = Math.sqrt(Math.max(sq / draws - mean * mean, 0));
                    out.put(name, new double[] {mean, sd});
                    System.out.printf("%-14s E g = %+.3e  sd = %.3e  SNR = %.3f%n", name, mean, sd,
                            Math.abs(mean) / sd);
                }
            }
        }
        // END EXAMPLE
        // The score-function estimator is the noisy one: its spread is larger than every pathwise estimator's.
        for (String name : List.of("st", "st-sigmoid", "concrete:0.5", "st-gumbel:0.5")) {
            assertTrue(out.get("reinforce")[1] > out.get(name)[1], "sd of reinforce vs " + name + ": "
                    + out.get("reinforce")[1] + " <= " + out.get(name)[1]);
        }
    }

    @Test
    void generationFromATrainedConditionalModel() {
        Dataset labelled = digits(300);
        Map<String, float[]> got = new LinkedHashMap<>();
        // BEGIN EXAMPLE generate
        // A model conditioned on a vector c (here: two ±1 features of the digit's class), trained, then used to
        // encode, decode, sample at a temperature and interpolate.
        float[] c = new float[labelled.rows() * 2];
        for (int i = 0; i < labelled.rows(); i++) {
            c[2 * i] = labelled.label(i) < 5 ? 1f : -1f;
            c[2 * i + 1] = labelled.label(i) % 2 == 0 ? 1f : -1f;
        }
        Dataset data = labelled.withoutLabels().withConditions(c, 2);
        ModelSpec spec = ModelSpec.builder().conditioning(2, false)
                .latent(LatentSpec.gaussian(4)).hidden(64).latent(LatentSpec.gaussian(8)).hidden(128)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 2);
                Trainer trainer = new Trainer(model, TrainConfig.defaults(2).withBatchSize(50));
                MemoryScope scope = MemoryScope.open()) {
            trainer.fit(data, null);
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 2 * 784), 2, 784);
            Tensor cx = cpu.fromArray(java.util.Arrays.copyOf(c, 4), 2, 2);
            List<Tensor> codes = model.encode(x, cx);         // posterior means, z1 first
            Tensor recon = model.decode(codes.get(0), cx);    // the mean of p(x|z1) for each code
            Tensor samples = model.sample(8, cpu.full(1f, 8, 2), 0.5, 42);  // 8 samples at temperature 0.5
            Tensor top = codes.get(1);
            Tensor path = model.interpolate(top.rowsView(0, 1), top.rowsView(1, 2), 5, cx.rowsView(0, 1));
            System.out.println("reconstructions " + recon.shape() + ", samples " + samples.shape() + ", path "
                    + path.shape());
            got.put("recon", recon.toArray());
            got.put("samples", samples.toArray());
            got.put("path", path.toArray());
            got.put("decodedTop", model.generate(top.rowsView(0, 1), cx.rowsView(0, 1), 0, 1).toArray());
        }
        // END EXAMPLE
        assertEquals(2 * 784, got.get("recon").length);
        assertEquals(8 * 784, got.get("samples").length);
        assertEquals(5 * 784, got.get("path").length);
        // The path starts at code a decoded at temperature 0, which is what generate(a, c, 0) gives.
        assertArrayEquals(got.get("decodedTop"), java.util.Arrays.copyOf(got.get("path"), 784), 1e-6f);
        for (float v : got.get("samples")) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void aConvolutionalHierarchyWithTheTopDownState() {
        Dataset data = digits(200);
        Map<String, float[]> got = new LinkedHashMap<>();
        // BEGIN EXAMPLE conv-state
        // An NVAE-shaped convolutional hierarchy: one group of 2 x 14 x 14 and one of 2 x 7 x 7 latents, 8 feature
        // channels, the generative path carrying a deterministic top-down state. Its decoder reads every layer.
        ModelSpec spec = ConvHierarchy.image(1, 28, 28, Likelihood.parse("bernoulli-binarized"))
                .scale(2, 1, 2, 8).scale(4, 1, 2, 8).cells(1).expand(2).topDownState(true).build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 3);
                Trainer trainer = new Trainer(model, TrainConfig.defaults(1).withBatchSize(50));
                MemoryScope scope = MemoryScope.open()) {
            trainer.fit(data, null);
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 4 * 784), 4, 784);
            List<Tensor> codes = model.encode(x, null);       // posterior means: [4, 392] and [4, 98]
            Tensor recon = model.decode(codes, null);         // p(x | z1, z2): every layer's code, bottom-up
            Tensor samples = model.sample(6, null, 1.0, 7);   // ancestral sampling runs through the state too
            got.put("recon", recon.toArray());
            got.put("samples", samples.toArray());
            got.put("otherTop", model.decode(List.of(codes.get(0), cpu.zeros(4, 98)), null).toArray());
        }
        // END EXAMPLE
        assertEquals(4 * 784, got.get("recon").length);
        assertEquals(6 * 784, got.get("samples").length);
        for (float v : got.get("recon")) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertFalse(java.util.Arrays.equals(got.get("recon"), got.get("otherTop")),
                "the same z1 under another z2 decodes differently: the state carries z2 to the decoder");
    }

    @Test
    void usingAConditionalModelWithoutItsConditionIsRefused() {
        ModelSpec spec = ModelSpec.builder().conditioning(2, false).latent(LatentSpec.gaussian(4)).hidden(8)
                .observed(784, Likelihood.parse("bernoulli")).build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 2); MemoryScope scope = MemoryScope.open()) {
            Tensor z = cpu.zeros(3, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> model.decode(z, null));
            assertTrue(e.getMessage().contains("conditioned on c"), e.getMessage());
            var f = assertThrows(IllegalArgumentException.class, () -> model.decode(z, cpu.zeros(3, 5)));
            assertTrue(f.getMessage().contains("[3, 2]"), f.getMessage());
            Dataset unconditioned = digits(100);
            try (Trainer t = new Trainer(model, TrainConfig.defaults(1))) {
                var g = assertThrows(IllegalArgumentException.class, () -> t.fit(unconditioned, null));
                assertTrue(g.getMessage().contains("no condition vectors"), g.getMessage());
            }
        }
    }

    @Test
    void localVariationalInferenceBeatsTheEncoder() {
        Dataset data = digits(300);
        double[] before = new double[1], after = new double[1];
        InferenceGaps.Summary[] summary = new InferenceGaps.Summary[1];
        // BEGIN EXAMPLE local-posterior
        // Train briefly, then free the posterior of 8 examples from the encoder and optimize it, the model fixed.
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(8)).hidden(64)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        Backend cpu = Backend.cpu();
        try (Hvae model = new Hvae(spec, cpu, 3);
                Trainer trainer = new Trainer(model, TrainConfig.defaults(2).withBatchSize(50));
                MemoryScope scope = MemoryScope.open()) {
            trainer.fit(data, null);
            Tensor x = cpu.fromArray(java.util.Arrays.copyOf(data.features(), 8 * 784), 8, 784);
            x = ((org.hvae4j.latent.BernoulliLikelihood) spec.likelihood()).binarize(x, NoiseStreams.of(0, 0)
                    .likelihood());                             // one fixed binarization of the 8 digits
            LocalPosterior local;
            try (Pass init = model.forward(x, null, 1, NoiseStreams.of(1, 0))) {
                local = init.toLocalPosterior();                // starts at the encoder's μ and log σ² of z1
            }
            try (local; Adam adam = Adam.defaults(local.parameters())) {
                NoiseStreams eval = NoiseStreams.of(9, 0);      // the same noise for both ELBOs
                before[0] = Objective.elbo().evaluate(model.forward(x, null, 1, eval, local), 1).objective();
                int k = 8;
                for (int step = 0; step < 300; step++) {
                    try (MemoryScope s = MemoryScope.open();
                            Pass pass = model.forward(x, null, k, NoiseStreams.of(2, step), local)) {
                        // −(1/k) Σ_s (log p(x|z_s) − KL): the ELBO's gradient for the local parameters alone.
                        Weights w = Weights.of(pass).localOnly().likelihood(cpu.full(-1f / k, pass.rows()))
                                .klTerm(pass, 0, cpu.full(1f / k, pass.rows()));
                        local.zeroGrad();
                        pass.backward(w);
                        adam.step(0.02);
                    }
                }
                after[0] = Objective.elbo().evaluate(model.forward(x, null, 1, eval, local), 1).objective();
                System.out.printf("ELBO of the 8 digits: %.2f amortized, %.2f locally optimized%n", before[0],
                        after[0]);
            }
            // The same, measured: log p(x), both ELBOs and the gaps, per example and averaged.
            InferenceGaps.Result gaps = InferenceGaps.measure(model, data.head(20), InferenceGaps.Options.defaults()
                    .withLogLikelihoodSamples(500).withElboSamples(200));
            System.out.println("approximation gap " + gaps.summary().approximationGap() + ", amortization gap "
                    + gaps.summary().amortizationGap());
            summary[0] = gaps.summary();
        }
        // END EXAMPLE
        assertTrue(after[0] > before[0] + 0.5, "local optimization gains: " + before[0] + " -> " + after[0]);
        assertTrue(summary[0].amortizationGap().mean() > 0, summary[0].toString());
        assertTrue(summary[0].approximationGap().mean() > -0.05, summary[0].toString());
    }

    @Test
    void theDocsShowThisCode() throws IOException {
        String src = Files.readString(SOURCE);
        String docs = Files.readString(DOCS);
        Matcher m = Pattern.compile("// BEGIN EXAMPLE ([a-z-]+)\n(.*?)\n *// END EXAMPLE", Pattern.DOTALL).matcher(src);
        int found = 0;
        while (m.find()) {
            found++;
            String code = m.group(2).stripIndent().strip();
            String marker = "<!-- example: " + m.group(1) + " -->";
            int at = docs.indexOf(marker);
            assertTrue(at >= 0, "docs/RESEARCH.md has no " + marker);
            int start = docs.indexOf("```java\n", at) + 8;
            String documented = docs.substring(start, docs.indexOf("```", start)).strip();
            assertEquals(code, documented, "docs/RESEARCH.md's example " + m.group(1) + " differs from the test's code");
        }
        assertEquals(7, found, "examples in the test");
    }
}
