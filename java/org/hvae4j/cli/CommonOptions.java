package org.hvae4j.cli;

import org.hvae4j.tensor.Backend;
import picocli.CommandLine.Option;

/** Options of every subcommand: the device and --verbose (read by {@link Main} before parsing, too). */
final class CommonOptions {
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "cpu, cuda, cuda:N or auto (default: ${DEFAULT-VALUE}: CUDA when usable, else CPU); under "
                    + "mpirun, cuda and auto mean the GPU of the process's local rank")
    String device;

    @Option(names = "--verbose", description = "print stack traces of errors")
    boolean verbose;

    /** The backend asked for; {@link org.hvae4j.tensor.BackendUnavailableException} when it cannot run here. */
    Backend backend() {
        return Backend.byName(device, org.hvae4j.train.Mpi.localRank());
    }
}
