package org.hvae4j.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code hvae4j} command-line program: train, evaluate and use hierarchical VAEs.
 *
 * <p>Every mistake (unknown flag, bad value, missing or corrupt data, bad configuration, unavailable device,
 * corrupt checkpoint) prints one line {@code hvae4j: error: ...} to stderr and exits with a code naming its kind
 * (see {@link Failures}); {@code --verbose} adds the stack trace.
 */
@Command(name = "hvae4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Hierarchical variational autoencoders: train, evaluate, sample, encode, score, benchmark.",
        subcommands = {TrainCommand.class, EvalCommand.class, SampleCommand.class, ReconstructCommand.class,
                EncodeCommand.class, ScoreCommand.class, DiagnoseCommand.class, BenchCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The library logs the choice of {@code --device auto} at INFO; the program prints the device it uses itself,
     * so those lines are kept off stderr (held here: loggers are only weakly referenced).
     */
    private static final Logger LIBRARY_LOG = Logger.getLogger("org.hvae4j");

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the program in-process and returns its exit code (0 on success, see {@link Failures}). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (!verbose) {
            LIBRARY_LOG.setLevel(Level.WARNING);
        }
        Main main = new Main(out, err);
        CommandLine cl = new CommandLine(main);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((e, a) -> Failures.report(e, verbose, err, e.getCommandLine()));
        cl.setExecutionExceptionHandler((e, c, r) -> Failures.report(e, verbose, err, c));
        try {
            return cl.execute(args);
        } catch (LinkageError | OutOfMemoryError e) {
            // An Error picocli does not handle: a native library that cannot be loaded (its extraction into
            // ~/.javacpp/cache failing on a full disk, say), or memory. One line, like every other failure.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("hvae4j: error: " + (e instanceof LinkageError ? "a native library could not be loaded: "
                    : "out of memory: ") + why.strip().lines().findFirst().orElse(why));
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return Failures.OTHER;
        }
    }

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** Where commands print warnings. */
    PrintStream err() {
        return err;
    }

    /** Where commands print their results. */
    PrintStream out() {
        return out;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (one of "
                + String.join(", ", spec.subcommands().keySet()) + ")");
    }

    /** The version from the jar's manifest, or "dev". */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hvae4j " + (v == null ? "dev" : v)};
        }
    }
}
