package org.hvae4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** What every subcommand shares: the device and verbosity options and where to print. */
abstract class CliCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Mixin
    CommonOptions common;

    PrintStream out() {
        return main != null ? main.out() : System.out;
    }

    /** The backend of {@code --device}; with {@code auto} on a machine without a usable GPU, says why it is the CPU. */
    org.hvae4j.tensor.Backend backend() {
        org.hvae4j.tensor.Backend b = common.backend();
        if (common.device.trim().equalsIgnoreCase("auto") && !b.device().isCuda()
                && org.hvae4j.tensor.Backend.autoFallbackReason() != null) {
            println("device auto: the CPU, as CUDA is not usable here (%s)",
                    org.hvae4j.tensor.Backend.autoFallbackReason());
        }
        return b;
    }

    PrintStream err() {
        return main != null ? main.err() : System.err;
    }

    /** Prints {@code hvae4j: warning: ...} to stderr. */
    void warn(String format, Object... args) {
        err().printf(Locale.ROOT, "hvae4j: warning: " + format + "%n", args);
        err().flush();
    }

    /** Prints one formatted line (Locale.ROOT numbers). */
    void println(String format, Object... args) {
        out().printf(Locale.ROOT, format + "%n", args);
        out().flush();
    }

    /** {@code runs/<yyyyMMdd-HHmmss>-<name>}, the default output directory of a run. */
    static Path timestampedRunDirectory(String name) {
        return Path.of("runs", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
                + name);
    }

    @Override
    public final Integer call() throws Exception {
        execute();
        return 0;
    }

    abstract void execute() throws Exception;
}
