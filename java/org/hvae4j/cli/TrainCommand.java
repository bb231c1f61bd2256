package org.hvae4j.cli;

import java.nio.file.Files;
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

    @Option(names = "--overwrite",
            description = "replace the run already in --out (its checkpoint, metrics and pictures) with a new one")
    boolean overwrite;

    @Override
    void execute() throws Exception {
        Path file = null;
        Checkpoint.Info info = null;
        if (resume != null) {
            refuseSettingsOnResume();
            if (overwrite) {
                throw new ConfigException("--overwrite starts a new run, so it cannot be given with --resume");
            }
            file = CheckpointOption.resolve(resume);
            info = Checkpoint.info(file);
            restoreDataOptions(info);
            if (out == null) {
                out = file.toAbsolutePath().getParent();
            }
        }
        org.hvae4j.train.Mpi mpi = org.hvae4j.train.Mpi.launched() ? org.hvae4j.train.Mpi.world() : null;
        try {
            if (mpi != null && mpi.rank() != 0) {
                trainRank(file, info, mpi);   // rank 0 alone writes the run directory
            } else {
                trainInRunDirectory(file, info, mpi);
            }
        } catch (Exception | Error e) {
            if (mpi != null && mpi.size() > 1) {
                // The other ranks wait in a collective for this one: end the whole job, naming the rank.
                err().printf("hvae4j: error: rank %d of %d: %s%n", mpi.rank(), mpi.size(), e.getMessage());
                err().flush();
                mpi.abort(1);
            }
            throw e;
        }
    }

    private void trainInRunDirectory(Path file, Checkpoint.Info info, org.hvae4j.train.Mpi mpi) throws Exception {
        if (out == null) {
            out = timestampedRunDirectory(model.name());
        }
        boolean created = !Files.exists(out);
        try (RunDirectory dir = RunDirectory.claim(out)) {
            boolean sameRun = file != null && Files.isSameFile(file.toAbsolutePath().getParent(), out);
            if (!sameRun && RunDirectory.holdsRun(out)) {
                if (!overwrite) {
                    throw new ConfigException("run directory " + out + " already holds a run ("
                            + String.join(", ", RunDirectory.RUN_FILES.stream()
                                    .filter(n -> Files.exists(out.resolve(n))).toList())
                            + "); continue it with --resume " + out + ", replace it with --overwrite, or choose "
                            + "another --out");
                }
                for (String n : RunDirectory.OUTPUTS) {
                    Files.deleteIfExists(out.resolve(n));
                }
            }
            train(file, info, mpi);
        } catch (Exception | Error e) {
            if (created) {
                removeIfEmpty(out);   // a run that failed before writing anything leaves no directory behind
            }
            throw e;
        }
    }

    private static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve(RunDirectory.LOCK));
            Files.deleteIfExists(dir);   // fails, and keeps it, when anything else is inside
        } catch (java.io.IOException ignored) {
            // the directory holds outputs: keep it
        }
    }

    /** The trainer of a new run, or of the run in checkpoint {@code file}; null when the checkpoint is finished. */
    private Trainer trainer(Path file, Checkpoint.Info info, Backend backend, Dataset train, boolean say) {
        Trainer trainer;
        if (file != null) {
            int epochs = training.epochs == null ? info.config().epochs() : training.epochs;
            if (info.epoch() >= epochs) {
                if (say) {
                    println("the checkpoint has finished %d of %d epochs: nothing to train (raise --epochs); the run "
                            + "directory is unchanged", info.epoch(), epochs);
                }
                return null;
            }
            trainer = Checkpoint.resume(file, backend, training.epochs);
        } else {
            ConfigFile cf = model.configFile();
            ModelSpec spec = model.spec(train, cf);
            TrainConfig cfg = training.config(cf, spec);
            trainer = new Trainer(new Hvae(spec, backend, cfg.seed()), cfg);
            if (cfg.dataInit()) {   // here rather than in fit, to say what it did
                try {
                    int n = trainer.initializeFromData(train, cfg.batchSize());
                    if (say) {
                        println("data-dependent initialization: %d convolutions on the first %d training examples", n,
                                Math.min(cfg.batchSize(), train.rows()));
                    }
                } catch (RuntimeException e) {
                    trainer.close();
                    trainer.model().close();
                    throw e;
                }
            }
        }
        recordDataOptions(trainer);
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
        return trainer;
    }

    /** A rank other than 0 of an MPI job: trains its shards with the others and writes nothing. */
    private void trainRank(Path file, Checkpoint.Info info, org.hvae4j.train.Mpi mpi) throws Exception {
        Backend backend = common.backend();
        Dataset train = Splits.of(data, testData, holdout).train();
        Trainer trainer = trainer(file, info, backend, train, false);
        if (trainer == null) {
            return;
        }
        try (Hvae m = trainer.model(); trainer) {
            trainer.withProcessGroup(mpi);
            trainer.fit(train, null);
        }
    }

    private void train(Path file, Checkpoint.Info info, org.hvae4j.train.Mpi mpi) throws Exception {
        Backend backend = backend();
        Splits splits = Splits.of(data, testData, holdout);
        Dataset train = splits.train();
        Trainer trainer = trainer(file, info, backend, train, true);
        if (trainer == null) {
            return;
        }
        if (mpi != null) {
            trainer.withProcessGroup(mpi);
        }
        try (Hvae m = trainer.model(); trainer) {
            TrainConfig cfg = trainer.config();
            println("model %s, %,d parameters", m.spec(), m.parameterCount());
            println("data %s%s%s: %d training examples%s; device %s; run directory %s", data.spec,
                    data.skip == null ? "" : " (--skip " + data.skip + ")",
                    data.limit == null ? "" : " (--limit " + data.limit + ")", train.rows(),
                    splits.test() == null ? ", no test split" : ", test split " + splits.testSource(),
                    backend.describe(), out);
            if (mpi != null && mpi.size() > 1) {
                println("MPI: %d ranks, each training %d of every batch of %d (rank 0 writes the run directory)",
                        mpi.size(), cfg.batchSize() / mpi.size(), cfg.batchSize());
            }
            if (m.spec().inference() == org.hvae4j.model.Inference.LADDER
                    && cfg.objective().kind() == org.hvae4j.model.Objective.Kind.ELBO && cfg.objective().freeBits() == 0) {
                println("note: with ladder inference and the plain ELBO a layer often collapses onto its prior (and KL "
                        + "warm-up from 0 collapses every layer, so it is off by default here): see docs/RESULTS.md; "
                        + "--free-bits 2 keeps them");
            }
            int perEpoch = train.rows() < cfg.batchSize() ? 0
                    : Batcher.of(train, cfg.batchSize(), cfg.seed()).withDropLast(true).batchesPerEpoch();
            Dataset evalSet = splits.evaluation(evalN);
            TrainingLog log;
            try (TrainingLog l = new TrainingLog(trainer, perEpoch, splits.test() == null ? null : evalSet,
                    out.resolve("metrics.csv"), out(), plain)) {
                log = l;
                trainer.addListener(l);
                long t0 = System.nanoTime();
                trainer.fit(train, out.resolve(CheckpointOption.FILE_NAME));
                if (mpi != null && mpi.size() > 1) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    println("MPI: rank 0 spent %.2f s of %.2f s of training in %d gradient allreduces (%.1f%%: the "
                            + "transfer, and waiting for the slower rank)", mpi.allreduceSeconds(), s,
                            mpi.allreduceCalls(), 100 * mpi.allreduceSeconds() / s);
                }
            }
            new RunReport(out, trainer, splits, evalSet, data.spec, backend).write(log, evalK, exportSafetensors,
                    this::println);
        }
    }

    // ---- where the data came from, kept in the checkpoint so that a resumed run reads the same -----------------

    static final String DATA = "data";
    static final String LIMIT = "limit";
    static final String SKIP = "skip";
    static final String TEST_DATA = "testData";
    static final String HOLDOUT = "holdout";

    private void recordDataOptions(Trainer trainer) {
        java.util.Map<String, Object> run = trainer.runInfo();
        run.put(DATA, data.spec);
        run.put(LIMIT, data.limit);
        if (data.skip != null) {
            run.put(SKIP, data.skip);
        }
        run.put(TEST_DATA, testData);
        run.put(HOLDOUT, holdout);
    }

    /**
     * A resumed run reads the data of its checkpoint: the options it recorded, unless given again, and then only
     * with the same values.
     */
    private void restoreDataOptions(Checkpoint.Info info) {
        ParseResult parsed = spec.commandLine().getParseResult();
        java.util.Map<String, Object> run = info.run();
        if (!run.containsKey(DATA)) {
            println("note: the checkpoint does not record its data (an earlier hvae4j wrote it): training on --data "
                    + "%s%s", data.spec, data.limit == null ? "" : " --limit " + data.limit);
            return;
        }
        List<String> differ = new java.util.ArrayList<>();
        String recordedData = String.valueOf(run.get(DATA));
        Integer recordedLimit = run.get(LIMIT) instanceof Number n ? n.intValue() : null;
        Integer recordedSkip = run.get(SKIP) instanceof Number n ? n.intValue() : null;
        String recordedTest = run.get(TEST_DATA) instanceof String t ? t : null;
        double recordedHoldout = run.get(HOLDOUT) instanceof Number n ? n.doubleValue() : 0.1;
        if (parsed.hasMatchedOption("--data") && !data.spec.equals(recordedData)) {
            differ.add("--data " + data.spec + " (the run's: " + recordedData + ")");
        }
        if (parsed.hasMatchedOption("--limit") && !java.util.Objects.equals(data.limit, recordedLimit)) {
            differ.add("--limit " + data.limit + " (the run's: " + (recordedLimit == null ? "none" : recordedLimit) + ")");
        }
        if (parsed.hasMatchedOption("--skip") && !java.util.Objects.equals(data.skip, recordedSkip)) {
            differ.add("--skip " + data.skip + " (the run's: " + (recordedSkip == null ? "none" : recordedSkip) + ")");
        }
        if (parsed.hasMatchedOption("--test-data") && !java.util.Objects.equals(testData, recordedTest)) {
            differ.add("--test-data " + testData + " (the run's: " + (recordedTest == null ? "none" : recordedTest)
                    + ")");
        }
        if (parsed.hasMatchedOption("--holdout") && holdout != recordedHoldout) {
            differ.add("--holdout " + holdout + " (the run's: " + recordedHoldout + ")");
        }
        if (!differ.isEmpty()) {
            throw new ConfigException("--resume continues on the data the run was trained on, but "
                    + String.join(", ", differ) + (differ.size() == 1 ? " differs" : " differ")
                    + "; leave the data options out, or start a new run");
        }
        data.spec = recordedData;
        data.limit = recordedLimit;
        data.skip = recordedSkip;
        testData = recordedTest;
        holdout = recordedHoldout;
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
