package org.hvae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.ImageShape;
import org.hvae4j.model.Checkpoint;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Trainer;
import org.hvae4j.report.MetricsTable;
import org.hvae4j.report.MetricsWriter;
import org.hvae4j.report.Plots;
import org.hvae4j.tensor.Backend;

/**
 * The end of a training run: the final evaluation (importance-sampled log-likelihood, ELBO terms, active units)
 * and the files of the run directory besides the checkpoint and metrics.csv: summary.json, samples.png,
 * reconstructions.png, curves.png and optionally model.safetensors.
 */
final class RunReport {
    static final int SAMPLES = 64;
    static final int RECONSTRUCTIONS = 32;

    private final Path dir;
    private final Trainer trainer;
    private final Splits splits;
    private final Dataset evalSet;
    private final String dataSpec;
    private final Backend backend;

    RunReport(Path dir, Trainer trainer, Splits splits, Dataset evalSet, String dataSpec, Backend backend) {
        this.dir = dir;
        this.trainer = trainer;
        this.splits = splits;
        this.evalSet = evalSet;
        this.dataSpec = dataSpec;
        this.backend = backend;
    }

    /** Evaluates, writes every file and prints a line per result through {@code say}. */
    void write(TrainingLog log, int evalK, boolean safetensors, BiConsumer<String, Object[]> say) throws IOException {
        Hvae model = trainer.model();
        Evaluator ev = new Evaluator(model, trainer.config().seed() + 1)
                .withWorkers(EvalWorkersOption.defaultFor(model.backend()));
        String where = splits.test() != null ? "test" : "training";
        Evaluation e = Evaluation.of(ev, evalSet, evalK, 100);
        say.accept("%s log-likelihood (IWAE k=%d, %d examples): %.2f nats;  ELBO %.2f;  active units %s",
                new Object[] {where, evalK, e.examples(), e.logLikelihood(), e.elbo().objective(),
                        java.util.Arrays.toString(e.activeUnits())});

        List<String> files = new ArrayList<>(List.of("metrics.csv", CheckpointOption.FILE_NAME));
        Optional<ImageShape> shape = Images.shape(model.spec().inputDim(), splits.train().imageShape());
        if (shape.isPresent()) {
            Images.writeSamples(dir.resolve("samples.png"), ev, model.spec(), SAMPLES, shape.get(),
                    Images.conditionsOf(evalSet, SAMPLES));
            Images.writeReconstructions(dir.resolve("reconstructions.png"), ev, evalSet, RECONSTRUCTIONS, shape.get());
            files.addAll(List.of("samples.png", "reconstructions.png"));
        } else {
            say.accept("note: rows of %d values are not images: no samples.png or reconstructions.png",
                    new Object[] {model.spec().inputDim()});
        }
        MetricsTable table = log.table();
        if (table.size() > 0) {
            Plots.trainingCurves(dir.resolve("curves.png"), table, List.of(TrainingLog.TRAIN, TrainingLog.TEST));
            files.add("curves.png");
        }
        if (safetensors) {
            Checkpoint.exportSafetensors(model, dir.resolve("model.safetensors"));
            files.add("model.safetensors");
        }
        files.add("summary.json");

        Map<String, Object> s = new LinkedHashMap<>();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", model.spec().toMap());
        config.put("training", trainer.config().toMap());
        config.put("data", dataSpec);
        config.put("trainingExamples", splits.train().rows());
        config.put("test", splits.testSource());
        s.put("config", config);
        s.put("final", table.size() > 0 ? table.row(table.size() - 1).present() : Map.of());
        Map<String, Object> eval = new LinkedHashMap<>();
        eval.put("split", where);
        eval.putAll(e.toMap());
        s.put("evaluation", eval);
        s.put("parameters", model.parameterCount());
        s.put("device", backend.describe());
        s.put("epochs", trainer.epoch());
        s.put("steps", trainer.step());
        s.put("skippedSteps", trainer.skippedSteps());
        s.put("trainingSeconds", log.seconds());
        s.put("files", files);
        MetricsWriter.writeSummaryJson(dir.resolve("summary.json"), s);
        say.accept("wrote %s: %s", new Object[] {dir, String.join(", ", files)});
    }
}
