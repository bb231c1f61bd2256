package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.ImageShape;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.ModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hvae4j sample}: draws from the model's prior, as a PNG grid or a CSV. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw samples from the generative model (decoder means) into a PNG grid (square images) or "
                + "a CSV (--out FILE.csv).")
final class SampleCommand extends ModelCommand {
    @Option(names = "--n", paramLabel = "N", defaultValue = "64", converter = Converters.PositiveInt.class,
            description = "number of samples (default ${DEFAULT-VALUE}; a conditional model's PNG has 8 per class)")
    int n;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "samples.png",
            description = "output .png or .csv (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--condition", paramLabel = "V,V,...", split = ",",
            description = "for a model conditioned on vectors: the condition of every sample")
    float[] condition;

    /** n copies of --condition, checked against a vector-conditioned model (null for other models). */
    private float[] conditions(ModelSpec spec) {
        if (!spec.conditional() || spec.conditioningOneHot()) {
            if (condition != null) {
                throw new ConfigException("--condition applies to models conditioned on vectors; this one "
                        + (spec.conditional() ? "is conditioned on a class" : "is not conditional"));
            }
            return null;
        }
        if (condition == null || condition.length != spec.conditioningDim()) {
            throw new ConfigException("the model is conditioned on vectors of " + spec.conditioningDim()
                    + " values: give --condition with " + spec.conditioningDim() + " comma-separated values"
                    + (condition == null ? "" : " (got " + condition.length + ")"));
        }
        float[] c = new float[n * condition.length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(condition, 0, c, i * condition.length, condition.length);
        }
        return c;
    }

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        ModelSpec spec = model.spec();
        float[] vectors = conditions(spec);
        if (out.toString().endsWith(".csv") && vectors != null) {
            CsvOutput.writeFeatures(out, Dataset.of("samples", ev.samplePriorGiven(n, vectors), n, spec.inputDim()));
            println("wrote %d samples to %s", n, out);
            return;
        }
        if (out.toString().endsWith(".csv")) {
            int[] classes = null;
            if (spec.conditional()) {
                classes = new int[n];
                for (int i = 0; i < n; i++) {
                    classes[i] = i % spec.conditioningDim();
                }
            }
            float[] x = ev.samplePrior(n, classes);
            CsvOutput.writeFeatures(out, classes == null ? Dataset.of("samples", x, n, spec.inputDim())
                    : Dataset.of("samples", x, n, spec.inputDim(), classes, spec.conditioningDim()));
            println("wrote %d samples to %s", n, out);
            return;
        }
        Optional<ImageShape> shape = Images.shape(spec.inputDim(), Optional.empty());
        if (shape.isEmpty()) {
            throw new ConfigException("rows of " + spec.inputDim() + " values are not square images: give --out "
                    + "FILE.csv");
        }
        println("wrote %d samples to %s", Images.writeSamples(out, ev, spec, n, shape.get(), vectors), out);
    }
}
