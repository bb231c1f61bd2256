package org.hvae4j.cli;

import org.hvae4j.model.Evaluator;
import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Option;

/** {@code --workers}: threads sharing the importance-sampled log-likelihood's batches (CPU backend). */
final class EvalWorkersOption {
    @Option(names = "--workers", paramLabel = "N",
            description = "threads evaluating batches side by side, CPU only; the results do not depend on it "
                    + "(default: the CPU's cores, 1 on a GPU)")
    Integer workers;

    /** {@code ev} with the flag's workers, or the default for {@code backend}. */
    Evaluator apply(Evaluator ev, Backend backend) {
        if (workers == null) {
            return ev.withWorkers(defaultFor(backend));
        }
        if (workers < 1) {
            throw new ConfigException("--workers must be >= 1, got " + workers);
        }
        if (workers > 1 && backend.device().isCuda()) {
            throw new ConfigException("--workers " + workers + " needs the CPU backend: a GPU evaluates on one worker");
        }
        return ev.withWorkers(workers);
    }

    /** One worker per core on the CPU, one on a GPU. */
    static int defaultFor(Backend backend) {
        return backend.device().isCuda() ? 1 : Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
