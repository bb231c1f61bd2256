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

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        ModelSpec spec = model.spec();
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
        println("wrote %d samples to %s", Images.writeSamples(out, ev, spec, n, shape.get()), out);
    }
}
