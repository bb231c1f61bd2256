package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hvae4j.data.Batcher;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Checkpoint;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** {@code hvae4j train}: trains a model and writes a run directory (see {@link RunReport}). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a hierarchical VAE and write a run directory: metrics.csv, summary.json, samples.png, "
                + "reconstructions.png, curves.png, checkpoint.hvae.")
final class TrainCommand extends CliCommand {
    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainingOptions training;

    @Option(names = "--test-data", paramLabel = "SPEC",
            description = "test split (default: Fashion-MNIST's own test split, else the last --holdout of --data)")
    String testData;

    @Option(names = "--holdout", paramLabel = "FRACTION", defaultValue = "0.1", converter = Converters.Fraction.class,
            description = "fraction of --data kept aside as test split when there is none (default ${DEFAULT-VALUE};"
                    + " 0: none)")
    double holdout;

    @Option(names = "--out", paramLabel = "DIR",
            description = "run directory (default runs/<timestamp>-<model>; with --resume, the checkpoint's)")
    Path out;

    @Option(names = "--resume", paramLabel = "CHECKPOINT",
            description = "continue the run of this checkpoint (or run directory); its model and training "
                    + "settings are used, --epochs may raise the total (--workers and --graph may be given; other "
                    + "model or training flags are refused)")
    Path resume;

    /** Model and training flags a resumed run may still be given: they do not change what is trained. */
    static final Set<String> RESUMABLE = Set.of("--epochs", "--workers", "--graph");

    @Spec
    CommandSpec spec;

    @Option(names = "--eval-k", paramLabel = "K", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "importance samples of the final test log-likelihood (default ${DEFAULT-VALUE})")
    int evalK;

    @Option(names = "--eval-n", paramLabel = "N", defaultValue = "1000", converter = Converters.PositiveInt.class,
            description = "test examples evaluated each epoch and at the end (default ${DEFAULT-VALUE})")
    int evalN;

    @Option(names = "--export-safetensors", description = "also write model.safetensors")
    boolean exportSafetensors;

    @Option(names = "--plain", description = "plain progress lines even on a terminal")
    boolean plain;

    @Override
    void execute() throws Exception {
        Backend backend = common.backend();
        Splits splits = Splits.of(data, testData, holdout);
        Dataset train = splits.train();
        Trainer trainer;
        String name;
        if (resume != null) {
            refuseSettingsOnResume();
            Path file = CheckpointOption.resolve(resume);
            trainer = Checkpoint.resume(file, backend, training.epochs);
            name = null;
            if (out == null) {
                out = file.toAbsolutePath().getParent();
            }
        } else {
            ConfigFile file = model.configFile();
            ModelSpec spec = model.spec(train, file);
            TrainConfig cfg = training.config(file);
            trainer = new Trainer(new Hvae(spec, backend, cfg.seed()), cfg);
            name = model.name(spec);
        }
        trainer.withWorkers(training.workers(backend));
        if (training.graph) {
            try {
                trainer.withCapturedSteps(true);
            } catch (IllegalArgumentException e) {
                trainer.close();
                trainer.model().close();
                throw new ConfigException("--graph: " + e.getMessage());
            }
        }
        if (out == null) {
            out = timestampedRunDirectory(name);
        }
        try (Hvae m = trainer.model(); trainer) {
            TrainConfig cfg = trainer.config();
            println("model %s, %,d parameters", m.spec(), m.parameterCount());
            println("data %s: %d training examples%s; device %s; run directory %s", data.spec, train.rows(),
                    splits.test() == null ? ", no test split" : ", test split " + splits.testSource(),
                    backend.describe(), out);
            if (m.spec().inference() == org.hvae4j.model.Inference.LADDER
                    && cfg.objective().kind() == org.hvae4j.model.Objective.Kind.ELBO && cfg.objective().freeBits() == 0) {
                println("note: with ladder inference and the plain ELBO a layer often collapses onto its prior (and KL "
                        + "warm-up from 0 collapses every layer): see docs/RESULTS.md; --free-bits 2 keeps them");
            }
            if (trainer.epoch() >= cfg.epochs()) {
                println("the checkpoint has finished %d of %d epochs: nothing to train (raise --epochs)",
                        trainer.epoch(), cfg.epochs());
            }
            int perEpoch = train.rows() < cfg.batchSize() ? 0
                    : Batcher.of(train, cfg.batchSize(), cfg.seed()).withDropLast(true).batchesPerEpoch();
            Dataset evalSet = splits.evaluation(evalN);
            TrainingLog log;
            try (TrainingLog l = new TrainingLog(trainer, perEpoch, splits.test() == null ? null : evalSet,
                    out.resolve("metrics.csv"), out(), plain)) {
                log = l;
                trainer.addListener(l);
                trainer.fit(train, out.resolve(CheckpointOption.FILE_NAME));
            }
            new RunReport(out, trainer, splits, evalSet, data.spec, backend).write(log, evalK, exportSafetensors,
                    this::println);
        }
    }

    /**
     * A resumed run continues with its checkpoint's model and training settings; a model or training flag that
     * would change them is an error, not silently ignored.
     */
    private void refuseSettingsOnResume() {
        ParseResult parsed = spec.commandLine().getParseResult();
        Set<String> refused = new TreeSet<>();
        for (String mixin : List.of("model", "training")) {
            for (OptionSpec o : spec.mixins().get(mixin).options()) {
                if (parsed.hasMatchedOption(o) && !RESUMABLE.contains(o.longestName())) {
                    refused.add(o.longestName());
                }
            }
        }
        if (!refused.isEmpty()) {
            throw new ConfigException("--resume continues with the checkpoint's model and training settings, so "
                    + String.join(", ", refused) + " cannot be given with it (only --epochs, --workers and --graph "
                    + "can); start a new run to change them");
        }
    }
}
