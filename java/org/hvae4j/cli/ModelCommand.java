package org.hvae4j.cli;

import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A command that uses a trained model: it loads the checkpoint onto the device and hands over an evaluator. */
abstract class ModelCommand extends CliCommand {
    @Mixin
    CheckpointOption checkpoint;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "seed of the sampling noise (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    final void execute() throws Exception {
        try (Hvae model = checkpoint.load(backend(), this)) {
            run(model, new Evaluator(model, seed));
        }
    }

    abstract void run(Hvae model, Evaluator ev) throws Exception;
}
