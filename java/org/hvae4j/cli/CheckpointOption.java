package org.hvae4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hvae4j.data.DataException;
import org.hvae4j.model.Checkpoint;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Option;

/** {@code --checkpoint FILE|RUN_DIR}: the trained model a command uses. */
final class CheckpointOption {
    /** The checkpoint's name inside a run directory. */
    static final String FILE_NAME = "checkpoint.hvae";

    @Option(names = {"--checkpoint", "-c"}, required = true, paramLabel = "FILE|RUN_DIR",
            description = "a checkpoint written by train, or the run directory holding " + FILE_NAME)
    Path path;

    /** The checkpoint file ({@code path}, or the one inside the run directory {@code path}). */
    static Path resolve(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(FILE_NAME) : path;
        if (!Files.isRegularFile(file)) {
            throw new DataException(file, "no such checkpoint");
        }
        return file;
    }

    /**
     * The trained model on {@code backend}. Warns through {@code where} when the checkpoint's last epoch applied no
     * update (every step had a non-finite loss or gradient): its parameters are those of a run that diverged, and
     * results computed from them mean little.
     */
    Hvae load(Backend backend, CliCommand where) {
        Path file = resolve(path);
        Trainer t = Checkpoint.resume(file, backend);
        if (t.lastEpochAllSkipped()) {
            where.warn("checkpoint %s: every step of its last epoch (%d) was skipped for a non-finite loss or "
                    + "gradient: the run diverged (%d of %d steps skipped in all), so this model is probably broken; "
                    + "retrain with a lower --lr or --clip-norm", file, t.lastEpochSteps()[1], t.skippedSteps(),
                    t.step());
        }
        t.close();
        return t.model();
    }
}
