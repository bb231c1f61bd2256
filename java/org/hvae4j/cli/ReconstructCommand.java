package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.ImageShape;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hvae4j reconstruct}: inputs beside their reconstructions (PNG), or the reconstructions (CSV). */
@Command(name = "reconstruct", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Reconstruct examples through q(z|x) and p(x|z): a PNG of inputs beside reconstructions "
                + "(square images) or a CSV of reconstructions (--out FILE.csv).")
final class ReconstructCommand extends ModelCommand {
    @Mixin
    DataOptions data;

    @Option(names = "--n", paramLabel = "N", defaultValue = "32", converter = Converters.PositiveInt.class,
            description = "number of examples, from the first (default ${DEFAULT-VALUE})")
    int n;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "reconstructions.png",
            description = "output .png or .csv (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Dataset d = data.load().head(n);
        if (out.toString().endsWith(".csv")) {
            float[] rec = ev.reconstruct(d, 100);
            CsvOutput.writeFeatures(out, Dataset.of("reconstructions", rec, d.rows(), d.cols()));
        } else {
            Optional<ImageShape> shape = Images.shape(d.cols(), d.imageShape());
            if (shape.isEmpty()) {
                throw new ConfigException("rows of " + d.cols() + " values are not images: give --out FILE.csv");
            }
            Images.writeReconstructions(out, ev, d, n, shape.get());
        }
        println("wrote %d reconstructions to %s", d.rows(), out);
    }
}
