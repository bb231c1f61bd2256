package org.hvae4j.cli;

import java.io.PrintStream;
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

    /** Prints one formatted line (Locale.ROOT numbers). */
    void println(String format, Object... args) {
        out().printf(Locale.ROOT, format + "%n", args);
        out().flush();
    }

    @Override
    public final Integer call() throws Exception {
        execute();
        return 0;
    }

    abstract void execute() throws Exception;
}
