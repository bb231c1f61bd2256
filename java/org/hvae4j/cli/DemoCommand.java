package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.demo.ToyHierarchy;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Inference;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.report.MetricsWriter;
import org.hvae4j.report.Plots;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hvae4j demo}: the toy hierarchy c → z2 → z1 → x in 2-D ({@link ToyHierarchy}) fitted by a one-level and a
 * two-level Gaussian VAE; writes a scatter plot of data and samples of both models, and their test
 * log-likelihoods beside the true mean log density.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fit a one-level and a two-level VAE to 2-D toy data from a latent hierarchy; write "
                + "demo-scatter.png (data vs samples) and summary.json (test log-likelihoods vs the true density).")
final class DemoCommand extends CliCommand {
    @Option(names = "--steps", paramLabel = "N", defaultValue = "8000", converter = Converters.PositiveInt.class,
            description = "training steps per model (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--n", paramLabel = "N", defaultValue = "10000", converter = Converters.PositiveInt.class,
            description = "training points (default ${DEFAULT-VALUE}); 2000 more are drawn for testing")
    int n;

    @Option(names = "--hidden", paramLabel = "WIDTHS", defaultValue = "64,64", split = ",",
            converter = Converters.PositiveInt.class,
            description = "hidden widths of every block (default ${DEFAULT-VALUE})")
    List<Integer> hidden;

    @Option(names = "--inference", paramLabel = "KIND", defaultValue = "ladder",
            description = "inference of the two-level model: bottom-up, ladder or residual (default ${DEFAULT-VALUE})")
    String inference;

    @Option(names = "--kl-warmup", paramLabel = "STEPS", defaultValue = "0", converter = Converters.NonNegativeInt.class,
            description = "steps over which the KL weight rises from 0 to 1 (default ${DEFAULT-VALUE})")
    int klWarmup;

    @Option(names = "--free-bits", paramLabel = "NATS", defaultValue = "1",
            converter = Converters.NonNegativeDouble.class,
            description = "free-bits floor of each layer's KL (default ${DEFAULT-VALUE})")
    double freeBits;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001", converter = Converters.PositiveDouble.class,
            description = "Adam learning rate, cosine-annealed (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--k", paramLabel = "K", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "importance samples of the test log-likelihood (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default runs/<timestamp>-demo)")
    Path out;

    static final int BATCH = 100;
    static final int PLOTTED = 3000;

    @Override
    void execute() throws Exception {
        Backend backend = common.backend();
        if (out == null) {
            out = timestampedRunDirectory("demo");
        }
        ToyHierarchy.Sample train = ToyHierarchy.sample(n, seed);
        ToyHierarchy.Sample test = ToyHierarchy.sample(2000, seed + 1);
        double truth = test.params().meanLogDensity(test.x(), test.n());
        int[] widths = hidden.stream().mapToInt(Integer::intValue).toArray();
        Inference inf = Inference.parse(inference);
        ModelSpec one = spec(widths, Inference.BOTTOM_UP, 2);
        ModelSpec two = spec(widths, inf, 2, 2);
        println("toy hierarchy: %d training points, %d test points; true mean log density %.3f", n, test.n(), truth);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("trueMeanLogDensity", truth);
        long t0 = System.nanoTime();
        Result r1 = fit("one-level", one, train.dataset("toy"), test.dataset("toy-test"), backend);
        Result r2 = fit("two-level", two, train.dataset("toy"), test.dataset("toy-test"), backend);
        for (Result r : List.of(r1, r2)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.spec.toMap());
            m.put("testLogLikelihood", r.ll);
            m.put("testElbo", r.elbo);
            m.put("gapToTruth", truth - r.ll);
            m.put("seconds", r.seconds);
            summary.put(r.name, m);
        }
        summary.put("steps", steps);
        summary.put("evalK", k);
        summary.put("device", backend.describe());
        int shown = Math.min(PLOTTED, n);
        Plots.scatterPanels(out.resolve("demo-scatter.png"), List.of(
                new Plots.Panel("data", Plots.Series.byLabel("c=", train.x(), train.cluster(), shown)),
                Plots.Panel.of(String.format(java.util.Locale.ROOT, "one-level (log p %.2f)", r1.ll),
                        Plots.Series.ofInterleaved("samples", r1.samples, shown)),
                Plots.Panel.of(String.format(java.util.Locale.ROOT, "two-level (log p %.2f)", r2.ll),
                        Plots.Series.ofInterleaved("samples", r2.samples, shown))));
        MetricsWriter.writeSummaryJson(out.resolve("summary.json"), summary);
        println("true mean log density %.3f; one-level %.3f; two-level %.3f (test log-likelihood, IWAE k=%d)", truth,
                r1.ll, r2.ll, k);
        println("wrote %s/demo-scatter.png and summary.json in %.1f s", out, (System.nanoTime() - t0) / 1e9);
    }

    private record Result(String name, ModelSpec spec, double ll, double elbo, float[] samples, double seconds) {}

    private Result fit(String name, ModelSpec spec, Dataset train, Dataset test, Backend backend) {
        int perEpoch = train.rows() / BATCH;
        int epochs = Math.max(1, (steps + perEpoch - 1) / perEpoch);
        TrainConfig cfg = TrainConfig.defaults(epochs).withBatchSize(BATCH).withSeed(seed).withSchedule("cosine")
                .withLearningRate(lr).withKlWarmupSteps(klWarmup).withObjective(Objective.elbo().withFreeBits(freeBits));
        long t0 = System.nanoTime();
        try (Hvae model = new Hvae(spec, backend, seed); Trainer trainer = new Trainer(model, cfg)) {
            trainer.fit(train, null);
            Evaluator ev = new Evaluator(model, seed + 1);
            double ll = Evaluator.mean(ev.logLikelihood(test, k, Math.min(k, 100), 500));
            double elbo = ev.elbo(test, 500).objective();
            float[] samples = ev.sampleObservations(Math.min(PLOTTED, train.rows()), null);
            double s = (System.nanoTime() - t0) / 1e9;
            println("%-9s %s: test log-likelihood %.3f, ELBO %.3f (%d steps, %.1f s)", name, spec, ll, elbo,
                    trainer.step(), s);
            return new Result(name, spec, ll, elbo, samples, s);
        }
    }

    private static ModelSpec spec(int[] hidden, Inference inference, int... latents) {
        ModelSpec.Builder b = ModelSpec.builder();
        for (int size : latents) {
            b.latent(LatentSpec.gaussian(size)).hidden(hidden);
        }
        return b.observed(2, Likelihood.parse("gaussian")).activation(Activation.TANH).inference(inference).build();
    }
}
