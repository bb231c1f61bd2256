package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.demo.ToyHierarchy;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Inference;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.hvae4j.model.StepResult;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.report.MetricsWriter;
import org.hvae4j.report.Plots;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hvae4j demo}: the toy hierarchy c → z2 → z1 → x in 2-D ({@link ToyHierarchy}), as in the note on the
 * structured ELBO. Three models, all conditioned on the cluster c and all with a Gaussian p(x|·, c), are trained
 * with the same number of steps:
 * <ul>
 *   <li>{@code one-level}: one Gaussian latent z (2 units);</li>
 *   <li>{@code two-level}: the data's story, a Gaussian top z2 (2 units) over a discrete z1 of Bernoulli bits
 *       (the sub-mode) — a Gaussian p(x|z1,c) and a discrete p(z1|z2,c), the model the note recommends;</li>
 *   <li>{@code one-level-discrete} (the control, {@code --no-control} leaves it out): the same discrete z1
 *       without z2, to tell the gain of the second level from the gain of a discrete level.</li>
 * </ul>
 * Writes a scatter plot of the data and of samples x ~ p(x|z,c) of each model, coloured by c, and their test
 * log-likelihoods log p(x|c) beside the true mean conditional log density.
 *
 * <p>Bernoulli layers train with the Concrete relaxation (relaxed samples in (0, 1)); the model is the discrete
 * one, so evaluation and sampling use hard 0/1 samples, through a twin model that shares the trained parameters.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Fit a one-level (Gaussian z) and a two-level (Gaussian z2 over discrete z1) VAE, and as a "
                + "control a one-level VAE with the discrete z1 alone, all conditioned on c, to 2-D toy data from "
                + "the hierarchy c -> z2 -> z1 -> x; write "
                + "demo-scatter.png (data vs samples) and summary.json (test log p(x|c) vs the true density).")
final class DemoCommand extends CliCommand {
    @Option(names = "--steps", paramLabel = "N", defaultValue = "8000", converter = Converters.PositiveInt.class,
            description = "training steps of every model (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--n", paramLabel = "N", defaultValue = "10000", converter = Converters.PositiveInt.class,
            description = "training points (default ${DEFAULT-VALUE}); 2000 more are drawn for testing")
    int n;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.005", converter = Converters.PositiveDouble.class,
            description = "Adam learning rate of every model, cosine-annealed (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--hidden", paramLabel = "WIDTHS", defaultValue = "80,80", split = ",",
            converter = Converters.PositiveInt.class,
            description = "hidden widths of the one-level model's encoder and decoder (default ${DEFAULT-VALUE})")
    List<Integer> hidden;

    @Option(names = "--free-bits", paramLabel = "NATS", defaultValue = "3",
            converter = Converters.NonNegativeDouble.class,
            description = "free-bits floor of the one-level model's KL (default ${DEFAULT-VALUE}; without it "
                    + "its latent collapses)")
    double freeBits;

    @Option(names = "--bits", paramLabel = "N", defaultValue = "3", converter = Converters.PositiveInt.class,
            description = "Bernoulli units of the discrete z1 (default ${DEFAULT-VALUE}; the data has 4 sub-modes)")
    int bits;

    @Option(names = "--estimator", paramLabel = "EST", defaultValue = "concrete:0.5",
            description = "gradient estimator of z1: st, st-sigmoid, concrete:TAU, st-gumbel:TAU, reinforce "
                    + "(default ${DEFAULT-VALUE})")
    String estimator;

    @Option(names = "--two-hidden", paramLabel = "WIDTHS", defaultValue = "64,64", split = ",",
            converter = Converters.PositiveInt.class,
            description = "hidden widths between z1 and x (encoder, decoder) of the discrete models "
                    + "(default ${DEFAULT-VALUE})")
    List<Integer> twoHidden;

    @Option(names = "--top-hidden", paramLabel = "WIDTHS", defaultValue = "32,32", split = ",",
            converter = Converters.PositiveInt.class,
            description = "hidden widths between z2 and z1 of the two-level model (default ${DEFAULT-VALUE})")
    List<Integer> topHidden;

    @Option(names = "--inference", paramLabel = "KIND", defaultValue = "bottom-up",
            description = "inference of the two-level model: bottom-up or residual (default ${DEFAULT-VALUE})")
    String inference;

    @Option(names = "--discrete-free-bits", paramLabel = "NATS", defaultValue = "0",
            converter = Converters.NonNegativeDouble.class,
            description = "free-bits floor of each KL of the discrete models (default ${DEFAULT-VALUE})")
    double discreteFreeBits;

    @Option(names = "--kl-warmup", paramLabel = "STEPS", defaultValue = "0", converter = Converters.NonNegativeInt.class,
            description = "steps over which every model's KL weight rises from 0 to 1 (default ${DEFAULT-VALUE})")
    int klWarmup;

    @Option(names = "--no-control",
            description = "leave out the control, a one-level model with the discrete z1 alone")
    boolean noControl;

    @Option(names = "--k", paramLabel = "K", defaultValue = "500", converter = Converters.PositiveInt.class,
            description = "importance samples of the test log-likelihood (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--out", paramLabel = "DIR", description = "output directory (default runs/<timestamp>-demo)")
    Path out;

    static final int BATCH = 100;
    static final int PLOTTED = 3000;
    static final int TEST = 2000;

    /** A model to fit: its key in summary.json, its panel title, its description and its free bits. */
    private record Candidate(String key, String title, ModelSpec spec, double freeBits) {}

    private record Result(Candidate model, double ll, StepResult elbo, long params, float[] samples, double seconds) {}

    @Override
    void execute() throws Exception {
        Backend backend = backend();
        if (out == null) {
            out = timestampedRunDirectory("demo");
        }
        Inference inf = Inference.parse(inference);
        if (inf == Inference.LADDER) {
            throw new IllegalArgumentException("--inference ladder needs Gaussian latents; z1 is discrete "
                    + "(use bottom-up or residual)");
        }
        Estimator est = Estimator.parse(estimator);
        ToyHierarchy.Sample train = ToyHierarchy.sample(n, seed);
        ToyHierarchy.Sample test = ToyHierarchy.sample(TEST, seed + 1);
        ToyHierarchy.Params params = test.params();
        double truth = params.meanConditionalLogDensity(test.x(), test.cluster(), test.n());
        double truthMarginal = params.meanLogDensity(test.x(), test.n());
        int classes = params.clusters();
        Likelihood gaussian = Likelihood.parse("gaussian");
        List<Candidate> models = new ArrayList<>();
        models.add(new Candidate("one-level", "one-level, Gaussian z", ModelSpec.builder().conditioning(classes, true)
                .latent(LatentSpec.gaussian(2)).hidden(ints(hidden))
                .observed(2, gaussian).activation(Activation.TANH).inference(Inference.BOTTOM_UP).build(), freeBits));
        models.add(new Candidate("two-level", "two-level, Gaussian z2, " + bits + "-bit z1",
                ModelSpec.builder().conditioning(classes, true)
                        .latent(LatentSpec.gaussian(2)).hidden(ints(topHidden))
                        .latent(LatentSpec.bernoulli(bits, est)).hidden(ints(twoHidden))
                        .observed(2, gaussian).activation(Activation.TANH).inference(inf).build(), discreteFreeBits));
        if (!noControl) {
            models.add(new Candidate("one-level-discrete", "control: " + bits + "-bit z1 alone",
                    ModelSpec.builder().conditioning(classes, true)
                            .latent(LatentSpec.bernoulli(bits, est)).hidden(ints(twoHidden))
                            .observed(2, gaussian).activation(Activation.TANH).inference(Inference.BOTTOM_UP).build(),
                    discreteFreeBits));
        }
        println("toy hierarchy: %d training points, %d test points; true mean log p(x|c) %.3f (log p(x) %.3f)", n,
                test.n(), truth, truthMarginal);
        long t0 = System.nanoTime();
        int shown = Math.min(PLOTTED, n);
        int[] sampleClasses = Arrays.copyOf(train.cluster(), shown);  // the data panel's classes, point for point
        List<Result> results = new ArrayList<>();
        for (Candidate m : models) {
            results.add(fit(m, train.dataset("toy"), test.dataset("toy-test"), backend, sampleClasses));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("trueMeanConditionalLogDensity", truth);
        summary.put("trueMeanLogDensity", truthMarginal);
        List<Plots.Panel> panels = new ArrayList<>();
        panels.add(new Plots.Panel(String.format(Locale.ROOT, "data (true log p %.2f)", truth),
                Plots.Series.byLabel("c=", train.x(), train.cluster(), shown)));
        for (Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model.spec.toMap());
            m.put("freeBits", r.model.freeBits);
            m.put("parameters", r.params);
            m.put("testLogLikelihood", r.ll);
            m.put("testElbo", r.elbo.objective());
            Map<String, Object> kl = new LinkedHashMap<>();
            for (int l = r.elbo.kl().length - 1; l >= 0; l--) {
                kl.put("z" + (l + 1), r.elbo.kl()[l]);  // kl() is bottom-up: z1 first
            }
            m.put("testKl", kl);
            m.put("gapToTruth", truth - r.ll);
            m.put("seconds", r.seconds);
            summary.put(r.model.key, m);
            panels.add(new Plots.Panel(String.format(Locale.ROOT, "%s (log p %.2f)", r.model.title, r.ll),
                    Plots.Series.byLabel("c=", r.samples, sampleClasses, shown)));
        }
        summary.put("steps", steps);
        summary.put("learningRate", lr);
        summary.put("evalK", k);
        summary.put("device", backend.describe());
        Plots.scatterPanels(out.resolve("demo-scatter.png"), panels);
        MetricsWriter.writeSummaryJson(out.resolve("summary.json"), summary);
        StringBuilder line = new StringBuilder();
        for (Result r : results) {
            line.append(String.format(Locale.ROOT, "; %s %.3f", r.model.key, r.ll));
        }
        println("true mean log p(x|c) %.3f%s (test log-likelihood log p(x|c), IWAE k=%d)", truth, line, k);
        println("wrote %s/demo-scatter.png and summary.json in %.1f s", out, (System.nanoTime() - t0) / 1e9);
    }

    private static int[] ints(List<Integer> widths) {
        return widths.stream().mapToInt(Integer::intValue).toArray();
    }

    private Result fit(Candidate m, Dataset train, Dataset test, Backend backend, int[] sampleClasses) {
        int perEpoch = train.rows() / BATCH;
        int epochs = Math.max(1, (steps + perEpoch - 1) / perEpoch);
        TrainConfig cfg = TrainConfig.defaults(epochs).withBatchSize(BATCH).withSeed(seed).withSchedule("cosine")
                .withLearningRate(lr).withKlWarmupSteps(klWarmup)
                .withObjective(Objective.elbo().withFreeBits(m.freeBits));
        long t0 = System.nanoTime();
        try (Hvae model = new Hvae(m.spec, backend, seed); Trainer trainer = new Trainer(model, cfg)) {
            trainer.fit(train, null);
            try (Hvae discrete = hardTwin(model)) {
                Evaluator ev = new Evaluator(discrete == null ? model : discrete, seed + 1);
                double ll = Evaluator.mean(ev.logLikelihood(test, k, Math.min(k, 100), 500));
                StepResult elbo = ev.elbo(test, 500);
                float[] samples = ev.sampleObservations(sampleClasses.length, sampleClasses);
                double s = (System.nanoTime() - t0) / 1e9;
                StringBuilder kl = new StringBuilder();
                for (int l = elbo.kl().length - 1; l >= 0; l--) {
                    kl.append(String.format(Locale.ROOT, " z%d %.2f", l + 1, elbo.kl()[l]));
                }
                println("%-18s %s: %d parameters, %d steps; test log-likelihood %.3f, ELBO %.3f, KL%s (%.1f s)",
                        m.key, m.spec, model.parameterCount(), trainer.step(), ll, elbo.objective(), kl, s);
                return new Result(m, ll, elbo, model.parameterCount(), samples, s);
            }
        }
    }

    /**
     * For a model whose Bernoulli layers train on relaxed samples (Concrete), a twin sharing its parameters that
     * draws hard 0/1 samples: the discrete model, which log q and log p describe. Null when the model has no
     * relaxed layer (it is its own twin). The estimator affects only samples and gradients, not the parameters.
     */
    private static Hvae hardTwin(Hvae model) {
        ModelSpec spec = model.spec();
        if (spec.latents().stream().noneMatch(l -> !l.isGaussian() && l.estimator().relaxedSample())) {
            return null;
        }
        Map<String, Object> m = spec.toMap();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> layers = (List<Map<String, Object>>) m.get("latents");
        for (Map<String, Object> l : layers) {
            l.computeIfPresent("estimator", (key, v) -> Estimator.straightThrough().toString());
        }
        Hvae twin = new Hvae(ModelSpec.fromMap(m), model.backend(), 0);
        for (int i = 0; i < twin.parameters().size(); i++) {
            twin.parameters().get(i).shareValueOf(model.parameters().get(i));
        }
        return twin;
    }
}
