package org.hvae4j.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.hvae4j.model.StepResult;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.model.TrainingListener;
import org.hvae4j.tensor.Backend;

/**
 * The quality protocol of docs/RESULTS.md: train on dynamically binarized Fashion-MNIST (60k) with Adam 1e-3 and
 * batch 100, then report the test negative log-likelihood by IWAE k=5000 on the first 1000 test images, binarized
 * once with a fixed seed exactly as the PyTorch reference does (numpy RandomState(123)).
 * <pre>java ... org.hvae4j.experiments.Protocol MODEL EPOCHS [OBJECTIVE] [EVAL_K] [TEST_N] [DEVICE] [SEED]
 *     [CHECKPOINT|-] [WORKERS] [FREE_BITS] [KL_WARMUP_STEPS] [data-init] [lr=RATE] [schedule=SCHEDULE]</pre>
 * MODEL: a preset of {@link BurdaModels#byName} (g1, g2, b2, l2, r2, conv, conv-state, ...), or a JSON file whose
 * object (or its {@code model} section, as in the program's configuration files) is a {@link ModelSpec#toMap} map.
 * The trailing options, in any order, change the protocol's Adam 1e-3 at a constant rate: {@code lr=2e-3},
 * {@code schedule=cosine} (any {@link TrainConfig#scheduleFactor} schedule).
 */
public final class Protocol {
    private Protocol() {}

    public static void main(String[] args) {
        String name = args.length > 0 ? args[0] : "g1";
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Objective parsed = Objective.parse(args.length > 2 ? args[2] : "elbo");
        int evalK = args.length > 3 ? Integer.parseInt(args[3]) : 5000;
        int testN = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
        Backend backend = Backend.byName(args.length > 5 ? args[5] : "auto");
        long seed = args.length > 6 ? Long.parseLong(args[6]) : 0;
        int workers = args.length > 8 ? Integer.parseInt(args[8]) : 1;
        double freeBits = args.length > 9 ? Double.parseDouble(args[9]) : 0;
        long warmup = args.length > 10 ? Long.parseLong(args[10]) : 0;
        boolean dataInit = false;
        double lr = 1e-3;
        String schedule = "constant";
        for (int i = 11; i < args.length; i++) {
            if (args[i].equals("data-init")) {
                dataInit = true;
            } else if (args[i].startsWith("lr=")) {
                lr = Double.parseDouble(args[i].substring(3));
            } else if (args[i].startsWith("schedule=")) {
                schedule = args[i].substring(9);
            } else {
                throw new IllegalArgumentException("arguments after the 11th are 'data-init', 'lr=RATE' or "
                        + "'schedule=SCHEDULE', got '" + args[i] + "'");
            }
        }
        Objective objective = freeBits > 0 ? parsed.withFreeBits(freeBits) : parsed;
        ModelSpec spec = model(name);
        if (name.endsWith(".json")) {
            name = Path.of(name).getFileName().toString().replaceFirst("\\.json$", "");
        }
        if (dataInit) {
            name += "+data-init";
        }
        if (lr != 1e-3 || !schedule.equals("constant")) {
            name += String.format(Locale.ROOT, "+lr%s-%s", lr, schedule);
        }
        Dataset train = Datasets.fashionMnist(null, true);
        Dataset test = Datasets.fashionMnistTestBinarized(null, testN);
        TrainConfig cfg = TrainConfig.defaults(epochs).withObjective(objective).withSeed(seed)
                .withKlWarmupSteps(warmup).withDataInit(dataInit).withLearningRate(lr)
                .withSchedule(schedule);
        System.out.printf(Locale.ROOT, "model %s (%s), %d epochs of %s on %s, backend %s, %d worker(s)%n", name,
                spec, epochs, objective, train.name(), backend.describe(), workers);
        long t0 = System.nanoTime();
        try (Hvae model = new Hvae(spec, backend, seed); Trainer trainer = new Trainer(model, cfg).withWorkers(workers)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onEpoch(int epoch, StepResult m, long step) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(Locale.ROOT, "epoch %d  train %s %.2f  recon %.2f  kl %s  %.0f ex/s%n", epoch,
                            objective, m.objective(), m.reconstruction(), java.util.Arrays.toString(m.kl()),
                            step * cfg.batchSize() / s);
                }
            });
            if (dataInit) {
                System.out.printf(Locale.ROOT, "data-dependent initialization: %d convolutions%n",
                        trainer.initializeFromData(train, cfg.batchSize()));
            }
            trainer.fit(train, null);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            long t1 = System.nanoTime();
            Evaluator ev = new Evaluator(model, 1).withWorkers(workers);
            double nll = -Evaluator.mean(ev.logLikelihood(test, evalK, 500, 100));
            StepResult elbo = ev.elbo(test, 100);
            double elboTest = elbo.objective();
            String[] klTest = java.util.Arrays.stream(elbo.kl()).mapToObj(v -> String.format(Locale.ROOT, "%.2f", v))
                    .toArray(String[]::new);
            int[] au = ev.activeUnits(test, 0.01, 10);
            System.out.printf(Locale.ROOT,
                    "RESULT model=%s epochs=%d objective=%s warmup=%d test_nll_iwae%d=%.2f test_elbo=%.2f "
                            + "test_kl=%s active_units=%s train_s=%.0f eval_s=%.0f skipped=%d%n",
                    name, epochs, objective, warmup, evalK, nll, elboTest, java.util.Arrays.toString(klTest),
                    java.util.Arrays.toString(au), trainSeconds,
                    (System.nanoTime() - t1) / 1e9, trainer.skippedSteps());
            if (args.length > 7 && !args[7].equals("-")) {
                trainer.saveCheckpoint(Path.of(args[7]));
            }
        }
    }

    /** A preset, or a model read from a JSON file (a ModelSpec map, or a configuration file's model section). */
    @SuppressWarnings("unchecked")
    static ModelSpec model(String name) {
        if (!name.endsWith(".json")) {
            return BurdaModels.byName(name);
        }
        try {
            Map<String, Object> root = new com.fasterxml.jackson.databind.ObjectMapper().readValue(
                    Files.readAllBytes(Path.of(name)), Map.class);
            Object model = root.get("model");
            return ModelSpec.fromMap(model instanceof Map<?, ?> m ? (Map<String, Object>) m : root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model file " + name + ": " + e.getMessage(), e);
        }
    }
}
