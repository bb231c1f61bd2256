package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hvae4j encode}: posterior means of every latent layer, one CSV row per example. */
@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write the posterior means of every latent layer (columns z1_0.., z2_0.., bottom-up) as CSV.")
final class EncodeCommand extends ModelCommand {
    @Mixin
    DataOptions data;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "encodings.csv",
            description = "output CSV (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Dataset d = data.load();
        List<float[]> means = ev.encode(d, 100);
        List<String> columns = new ArrayList<>();
        for (int l = 0; l < model.depth(); l++) {
            for (int u = 0; u < model.latent(l).size(); u++) {
                columns.add("z" + (l + 1) + "_" + u);
            }
        }
        CsvOutput.write(out, d, columns, i -> {
            double[] r = new double[columns.size()];
            int c = 0;
            for (int l = 0; l < model.depth(); l++) {
                int size = model.latent(l).size();
                for (int u = 0; u < size; u++) {
                    r[c++] = means.get(l)[i * size + u];
                }
            }
            return r;
        });
        println("wrote posterior means of %d examples (%d values each) to %s", d.rows(), columns.size(), out);
    }
}
