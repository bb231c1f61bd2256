package org.hvae4j.cli;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import org.hvae4j.data.DataException;
import org.hvae4j.model.Checkpoint;
import org.hvae4j.tensor.BackendUnavailableException;
import org.hvae4j.tensor.NativeException;
import picocli.CommandLine;

/**
 * Turns a failure into one line on stderr and an exit code: {@value #USAGE} for usage and configuration
 * mistakes, {@value #DATA} for missing or unreadable data and checkpoints, {@value #DEVICE} when the device cannot
 * be used, {@value #OTHER} for anything else.
 */
final class Failures {
    static final int OTHER = 1;
    static final int USAGE = 2;
    static final int DATA = 3;
    static final int DEVICE = 4;

    private Failures() {}

    static int report(Exception e, boolean verbose, PrintStream err, CommandLine where) {
        String msg = message(e);
        if (e instanceof CommandLine.ParameterException && where != null) {
            msg += " (see '" + where.getCommandSpec().qualifiedName() + " --help')";
        }
        err.println("hvae4j: error: " + msg);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code(e);
    }

    static int code(Throwable e) {
        if (e instanceof CommandLine.ParameterException || e instanceof ConfigException
                || e instanceof IllegalArgumentException) {
            return USAGE;
        }
        if (e instanceof DataException || e instanceof Checkpoint.CheckpointException) {
            return DATA;
        }
        if (e instanceof BackendUnavailableException || e instanceof NativeException) {
            return DEVICE;
        }
        return OTHER;
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        if (e instanceof UncheckedIOException && e.getCause() != null
                && (m == null || m.equals(e.getCause().toString()))) {
            m = e.getCause().getMessage();   // no message of its own: the cause's
        }
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        boolean ours = e instanceof CommandLine.ParameterException || e instanceof IllegalArgumentException
                || e instanceof ConfigException || e instanceof DataException
                || e instanceof Checkpoint.CheckpointException || e instanceof BackendUnavailableException
                || e instanceof org.hvae4j.model.TrainingDivergedException
                || e instanceof java.util.ConcurrentModificationException
                || e instanceof java.io.IOException && m.contains("could not write")
                || e instanceof UncheckedIOException && m.contains("could not write");
        String line = m.strip().lines().findFirst().orElse(m);
        return ours ? line : e.getClass().getSimpleName() + ": " + line;
    }
}
