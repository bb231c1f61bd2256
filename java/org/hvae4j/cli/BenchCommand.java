package org.hvae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hvae4j bench}: training throughput in examples per second over whole steps (batch upload, forward,
 * backward, Adam update) for each combination of model, objective and batch size: warm-up steps, then
 * {@code --repeats} timed windows of {@code --seconds}; one line per combination with the median and the range.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure training throughput (examples/s over forward + backward + optimizer step) for each "
                + "combination of --model, --objective and --batch on the chosen device.")
final class BenchCommand extends CliCommand {
    @Option(names = "--model", paramLabel = "NAME|FILE", split = ",", defaultValue = "g1",
            description = "presets g1, g2, b2 or configuration files, comma-separated (default ${DEFAULT-VALUE})")
    List<String> models;

    @Option(names = "--objective", paramLabel = "NAME", split = ",", defaultValue = "elbo",
            description = "objectives, comma-separated: elbo, iwae:K, iwae-dreg:K (default ${DEFAULT-VALUE})")
    List<String> objectives;

    @Option(names = "--batch", paramLabel = "N", split = ",", defaultValue = "100",
            converter = Converters.PositiveInt.class,
            description = "batch sizes, comma-separated (default ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "5", converter = Converters.PositiveDouble.class,
            description = "length of one timed window (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", converter = Converters.PositiveInt.class,
            description = "timed windows per combination (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", paramLabel = "STEPS", defaultValue = "20", converter = Converters.NonNegativeInt.class,
            description = "untimed steps first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON line per combination instead of text")
    boolean json;

    @Mixin
    DataOptions data;

    @Override
    void execute() throws Exception {
        Backend backend = backend();
        Dataset d = data.load();
        if (!json) {
            println("device %s; data %s (%d x %d)", backend.describe(), d.name(), d.rows(), d.cols());
        }
        for (String model : models) {
            ModelSpec spec = spec(model, d);
            for (String objective : objectives) {
                for (int batch : batches) {
                    report(model, spec, Objective.parse(objective), batch, measure(spec, objective, batch, d,
                            backend), backend, d);
                }
            }
        }
    }

    private static ModelSpec spec(String model, Dataset d) {
        ModelOptions o = new ModelOptions();
        if (Files.isRegularFile(Path.of(model))) {
            o.config = Path.of(model);
        } else {
            o.preset = model;
        }
        return o.spec(d, o.configFile());
    }

    /** Examples per second of each timed window. */
    private double[] measure(ModelSpec spec, String objective, int batch, Dataset d, Backend backend) {
        if (d.rows() < batch) {
            throw new ConfigException("batch " + batch + " is larger than the " + d.rows() + " examples of the data");
        }
        TrainConfig cfg = TrainConfig.defaults(1).withBatchSize(batch).withSeed(seed)
                .withObjective(Objective.parse(objective));
        double[] rates = new double[repeats];
        try (Hvae model = new Hvae(spec, backend, seed); Trainer trainer = new Trainer(model, cfg);
             Tensor x = backend.empty(batch, d.cols())) {
            float[] buf = new float[batch * d.cols()];
            int batchesInData = d.rows() / batch;
            long step = 0;
            for (int i = 0; i < warmup; i++) {
                step(trainer, x, buf, d, batch, (int) (step++ % batchesInData));
            }
            backend.synchronize();
            for (int r = 0; r < repeats; r++) {
                long steps = 0;
                long t0 = System.nanoTime();
                long end = t0 + (long) (seconds * 1e9);
                long now;
                do {
                    step(trainer, x, buf, d, batch, (int) (step++ % batchesInData));
                    steps++;
                    backend.synchronize();
                    now = System.nanoTime();
                } while (now < end);
                rates[r] = steps * batch / ((now - t0) / 1e9);
            }
        }
        return rates;
    }

    private static void step(Trainer trainer, Tensor x, float[] buf, Dataset d, int batch, int index) {
        System.arraycopy(d.features(), index * batch * d.cols(), buf, 0, buf.length);
        x.backend().copyFrom(buf, x);
        trainer.step(x, null, trainer.config().learningRate());
    }

    private void report(String model, ModelSpec spec, Objective objective, int batch, double[] rates,
            Backend backend, Dataset d) throws Exception {
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("spec", spec.toString());
            m.put("objective", objective.toString());
            m.put("batch", batch);
            m.put("device", backend.describe());
            m.put("data", d.name());
            m.put("examplesPerSecondMedian", median);
            m.put("examplesPerSecondMin", sorted[0]);
            m.put("examplesPerSecondMax", sorted[n - 1]);
            m.put("repeats", n);
            m.put("seconds", seconds);
            m.put("warmupSteps", warmup);
            List<Double> all = new ArrayList<>();
            for (double r : rates) {
                all.add(r);
            }
            m.put("examplesPerSecond", all);
            println("%s", new ObjectMapper().writeValueAsString(m));
        } else {
            println("%-4s %-12s batch %5d  %,10.0f ex/s median  (min %,.0f, max %,.0f; %d x %.1f s)", model, objective,
                    batch, median, sorted[0], sorted[n - 1], n, seconds);
        }
    }
}
