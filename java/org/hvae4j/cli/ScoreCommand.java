package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.List;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hvae4j score}: anomaly scores, −log p(x) by importance sampling, one CSV row per example. */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write anomaly scores -log p(x) (importance-sampled with k samples; higher is more "
                + "anomalous) as CSV.")
final class ScoreCommand extends ModelCommand {
    @Mixin
    DataOptions data;

    @Mixin
    EvalWorkersOption evalWorkers;

    @Option(names = "--k", paramLabel = "K", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "importance samples per example (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "scores.csv",
            description = "output CSV (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Dataset d = data.load();
        double[] scores = evalWorkers.apply(ev, model.backend()).anomalyScores(d, k);
        CsvOutput.write(out, d, List.of("score"), i -> new double[] {scores[i]});
        println("wrote anomaly scores of %d examples (mean %.2f nats) to %s", d.rows(), Evaluator.mean(scores), out);
    }
}
