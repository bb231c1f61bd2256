package org.hvae4j.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.BackendUnavailableException;
import org.hvae4j.tensor.Tensor;

/**
 * Kernel bandwidth benchmark (a command, not a test): for each fused latent operation, likelihood, the IWAE weights
 * and a few dense-algebra elementwise ops, at each matrix size, the least bytes the operation must move
 * ({@link Traffic}) over its measured time per call, against the copy bandwidth of the same device measured the same
 * way ({@link Backend#copy} of a large tensor, bytes read + written).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... org.hvae4j.bench.KernelBench \
 *     [--device cpu|cuda|cuda:N|auto] [--sizes 100x50,10000x100,1000000x64] [--ops all|NAME,...]
 *     [--seconds-per-case 1.0] [--runs 1] [--copy-mib 256] [--csv FILE]
 * </pre>
 *
 * With {@code --runs N} the whole sweep (copy bandwidth included) is repeated N times, interleaved, and the median
 * over runs is reported, with the range over runs beside it. The table on stdout is Markdown; progress goes to
 * stderr. Exit status: 0 done, 2 bad arguments, 3 backend unavailable.
 */
public final class KernelBench {
    /** The GPU target of the issue: at least this share of copy bandwidth at the largest size. */
    static final double TARGET_SHARE = 0.80;

    private static final String USAGE = """
            usage: KernelBench [options]
              --device cpu|cuda|cuda:N|auto   backend (default auto: CUDA device 0 if usable, else CPU)
              --sizes RxC,...                 matrix sizes (default 100x50,10000x100,1000000x64)
              --ops all|NAME,...              operations (default all): %s
              --seconds-per-case S            time budget per op and size (default 1.0; slow cases overrun)
              --runs N                        repeat the sweep N times and report medians (default 1)
              --copy-mib M                    size of the copy-bandwidth tensor in MiB (default 256)
              --csv FILE                      also write the results as CSV
              --list                          list the operations and their traffic, then exit
            """;

    /**
     * Command-line options.
     *
     * @param device         backend name ({@link Backend#byName})
     * @param sizes          matrix sizes, in order
     * @param ops            operations, in order
     * @param secondsPerCase time budget of one op at one size in one run
     * @param runs           repetitions of the whole sweep
     * @param copyMiB        size of the copy-bandwidth tensor in MiB
     * @param csv            CSV output file, or null
     * @param list           list the operations and exit
     */
    record Options(String device, List<MatrixSize> sizes, List<KernelOp> ops, double secondsPerCase, int runs,
            int copyMiB, Path csv, boolean list) {
        Options {
            if (!(secondsPerCase > 0 && Double.isFinite(secondsPerCase))) {
                throw new IllegalArgumentException("--seconds-per-case must be positive, got " + secondsPerCase);
            }
            if (runs < 1) {
                throw new IllegalArgumentException("--runs must be at least 1, got " + runs);
            }
            if (copyMiB < 1) {
                throw new IllegalArgumentException("--copy-mib must be at least 1, got " + copyMiB);
            }
            sizes = List.copyOf(sizes);
            ops = List.copyOf(ops);
        }

        static Options parse(String[] args) {
            String device = "auto";
            List<MatrixSize> sizes = MatrixSize.parseList("100x50,10000x100,1000000x64");
            List<KernelOp> ops = List.of(KernelOp.values());
            double seconds = 1.0;
            int runs = 1;
            int copyMiB = 256;
            Path csv = null;
            boolean list = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String key = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
                if (key.equals("--list")) {
                    list = true;
                    continue;
                }
                if (key.equals("--help") || key.equals("-h")) {
                    throw new HelpRequested();
                }
                String value;
                if (a.contains("=")) {
                    value = a.substring(a.indexOf('=') + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                switch (key) {
                    case "--device" -> device = value;
                    case "--sizes" -> sizes = MatrixSize.parseList(value);
                    case "--ops" -> ops = KernelOp.parseList(value);
                    case "--seconds-per-case" -> seconds = number(key, value);
                    case "--runs" -> runs = (int) number(key, value);
                    case "--copy-mib" -> copyMiB = (int) number(key, value);
                    case "--csv" -> csv = Path.of(value);
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            return new Options(device, sizes, ops, seconds, runs, copyMiB, csv, list);
        }

        private static double number(String key, String value) {
            try {
                return Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " needs a number, got '" + value + "'");
            }
        }
    }

    /** Thrown by {@link Options#parse} for --help. */
    private static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super(null, null, false, false);
        }
    }

    /**
     * The result of one op at one size, over all runs.
     *
     * @param op       the operation
     * @param size     the matrix size
     * @param bytes    least bytes moved per call (read + written)
     * @param seconds  median over runs of the per-run median time per call
     * @param calls    calls measured, over all runs
     * @param gbps     bytes / seconds, in 10⁹ bytes per second
     * @param minGbps  slowest run's bandwidth
     * @param maxGbps  fastest run's bandwidth
     */
    record CaseResult(KernelOp op, MatrixSize size, long bytes, double seconds, long calls, double gbps,
            double minGbps, double maxGbps) {
        double shareOf(double copyGbps) {
            return gbps / copyGbps;
        }
    }

    /**
     * Copy bandwidth of the device: median over runs, and the range.
     *
     * @param bytes    bytes moved per copy (read + written)
     * @param gbps     median over runs
     * @param minGbps  slowest run
     * @param maxGbps  fastest run
     */
    record CopyResult(long bytes, double gbps, double minGbps, double maxGbps) {}

    private final Options options;
    private final Backend backend;
    private final PrintStream out;
    private final PrintStream progress;

    private KernelBench(Options options, Backend backend, PrintStream out, PrintStream progress) {
        this.options = options;
        this.backend = backend;
        this.out = out;
        this.progress = progress;
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (HelpRequested e) {
            System.out.printf(Locale.ROOT, USAGE, opNames());
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("KernelBench: " + e.getMessage());
            System.err.printf(Locale.ROOT, USAGE, opNames());
            System.exit(2);
            return;
        }
        if (options.list()) {
            for (KernelOp op : KernelOp.values()) {
                System.out.printf(Locale.ROOT, "%-18s %-34s %s%n", op.id(), op.traffic().formula(), op.description());
            }
            return;
        }
        Backend backend;
        try {
            backend = Backend.byName(options.device());
        } catch (BackendUnavailableException e) {
            System.err.println("KernelBench: backend '" + options.device() + "' unavailable: " + e.getMessage());
            System.exit(3);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("KernelBench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new KernelBench(options, backend, System.out, System.err).run();
        } catch (IOException e) {
            System.err.println("KernelBench: cannot write " + options.csv() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    private static String opNames() {
        return String.join(", ", Arrays.stream(KernelOp.values()).map(KernelOp::id).toList());
    }

    private void run() throws IOException {
        String loadBefore = Machine.loadAverage();
        printHeader(loadBefore);

        int runs = options.runs();
        double[] copyRuns = new double[runs];
        Map<String, double[]> caseRuns = new LinkedHashMap<>();
        Map<String, Long> caseCalls = new LinkedHashMap<>();
        long copyBytes = 2L * options.copyMiB() * 1024 * 1024;
        for (int r = 0; r < runs; r++) {
            String tag = runs > 1 ? "run " + (r + 1) + "/" + runs + ": " : "";
            CallTimer.Timing copy = measureCopy();
            copyRuns[r] = copyBytes / copy.medianSeconds() / 1e9;
            progress.printf(Locale.ROOT, "%scopy %d MiB: %.1f GB/s%n", tag, options.copyMiB(), copyRuns[r]);
            for (MatrixSize size : options.sizes()) {
                for (KernelOp op : options.ops()) {
                    CallTimer.Timing t = measure(op, size);
                    String key = op.id() + "@" + size;
                    caseRuns.computeIfAbsent(key, k -> new double[runs])[r] = t.medianSeconds();
                    caseCalls.merge(key, t.calls(), Long::sum);
                    progress.printf(Locale.ROOT, "%s%-18s %-12s %10s/call %8.2f GB/s  (%d calls in %d batches)%n",
                            tag, op.id(), size, Format.seconds(t.medianSeconds()),
                            op.traffic().bytes(size) / t.medianSeconds() / 1e9, t.calls(), t.batches());
                }
                backend.emptyCache();
            }
        }

        double[] copyGbps = copyRuns.clone();
        Arrays.sort(copyGbps);
        CopyResult copy = new CopyResult(copyBytes, CallTimer.median(copyGbps), copyGbps[0], copyGbps[runs - 1]);
        List<CaseResult> results = new ArrayList<>();
        for (MatrixSize size : options.sizes()) {
            for (KernelOp op : options.ops()) {
                String key = op.id() + "@" + size;
                double[] secs = caseRuns.get(key);
                double median = CallTimer.median(secs);
                long bytes = op.traffic().bytes(size);
                double slowest = Arrays.stream(secs).max().orElseThrow();
                double fastest = Arrays.stream(secs).min().orElseThrow();
                results.add(new CaseResult(op, size, bytes, median, caseCalls.get(key), bytes / median / 1e9,
                        bytes / slowest / 1e9, bytes / fastest / 1e9));
            }
        }
        printTable(copy, results, Machine.loadAverage(), loadBefore);
        if (options.csv() != null) {
            writeCsv(options.csv(), copy, results);
            out.println();
            out.println("CSV written to " + options.csv());
        }
    }

    private CallTimer.Timing measureCopy() {
        int n = options.copyMiB() * (1024 * 1024 / Float.BYTES);
        try (BenchTensors t = new BenchTensors(backend, 1)) {
            Tensor src = t.uniform(-1f, 1f, n);
            Tensor dst = t.empty(n);
            return CallTimer.measure(backend, () -> backend.copy(src, dst), copySeconds());
        } finally {
            backend.emptyCache();
        }
    }

    /** The copy bandwidth is the denominator of every ratio: it gets at least a second per run. */
    private double copySeconds() {
        return Math.max(1.0, options.secondsPerCase());
    }

    private CallTimer.Timing measure(KernelOp op, MatrixSize size) {
        try (BenchTensors t = new BenchTensors(backend, 31L * op.ordinal() + size.elements())) {
            Runnable call = op.prepare(t, size.rows(), size.cols());
            backend.synchronize();
            return CallTimer.measure(backend, call, options.secondsPerCase());
        }
    }

    private void printHeader(String load) {
        out.println("# hvae4j kernel bandwidth");
        out.println();
        out.println("- backend: " + backend.describe());
        if (!backend.device().isCuda()) {
            out.println("- note: the CPU kernels are single-threaded (one core per call); the copy is one memcpy");
        }
        out.println("- cpu: " + Machine.cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " logical cores");
        out.println("- jdk: " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name")
                + ")");
        out.println("- load average before: " + load);
        out.printf(Locale.ROOT, "- timing: %.2f s per case (copy: %.2f s), median of batches (synchronized before each"
                + " clock read); %d run(s), median over runs%n", options.secondsPerCase(), copySeconds(), options.runs());
        out.println("- bytes: least traffic per call, each input read once and each output written once"
                + " (N = rows*cols, R = rows, C = cols floats)");
        out.println();
        out.flush();
    }

    private void printTable(CopyResult copy, List<CaseResult> results, String loadAfter, String loadBefore) {
        boolean ranges = options.runs() > 1;
        out.printf(Locale.ROOT, "Copy bandwidth (backend.copy of %d MiB, read + write = %s per copy): %.1f GB/s%s%n",
                options.copyMiB(), Format.bytes(copy.bytes()), copy.gbps(),
                ranges ? String.format(Locale.ROOT, " (runs: %.1f to %.1f)", copy.minGbps(), copy.maxGbps()) : "");
        out.println();
        out.println("| op | size | traffic | bytes/call | time/call | GB/s | % of copy |" + (ranges ? " GB/s over runs |" : ""));
        out.println("|----|------|---------|-----------:|----------:|-----:|----------:|" + (ranges ? "---------------:|" : ""));
        for (CaseResult r : results) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %.2f | %.0f%% |%s%n", r.op().id(), r.size(),
                    r.op().traffic().formula(), Format.bytes(r.bytes()), Format.seconds(r.seconds()), r.gbps(),
                    100 * r.shareOf(copy.gbps()),
                    ranges ? String.format(Locale.ROOT, " %.2f-%.2f |", r.minGbps(), r.maxGbps()) : "");
        }
        out.println();
        MatrixSize largest = options.sizes().stream().max(Comparator.comparingLong(MatrixSize::elements))
                .orElseThrow();
        List<CaseResult> atLargest = results.stream().filter(r -> r.size().equals(largest)).toList();
        long meeting = atLargest.stream().filter(r -> r.shareOf(copy.gbps()) >= TARGET_SHARE).count();
        out.printf(Locale.ROOT, "At %s, %d of %d ops reach %.0f%% of copy bandwidth%s.%n", largest, meeting,
                atLargest.size(), 100 * TARGET_SHARE, backend.device().isCuda() ? " (the GPU target)"
                        : " (the target is set for the GPU; this is the CPU)");
        out.println("Load average after: " + loadAfter + " (before: " + loadBefore + ")");
        out.flush();
    }

    private void writeCsv(Path file, CopyResult copy, List<CaseResult> results) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            w.println("device,op,rows,cols,read_bytes,written_bytes,bytes,runs,calls,seconds_per_call,gb_per_s,"
                    + "gb_per_s_min,gb_per_s_max,copy_gb_per_s,share_of_copy");
            String device = backend.device().toString();
            w.printf(Locale.ROOT, "%s,copy,%d,1,%d,%d,%d,%d,,%.9g,%.4f,%.4f,%.4f,%.4f,1.0%n", device,
                    copy.bytes() / 2 / Float.BYTES, copy.bytes() / 2, copy.bytes() / 2, copy.bytes(), options.runs(),
                    copy.bytes() / copy.gbps() / 1e9, copy.gbps(), copy.minGbps(), copy.maxGbps(), copy.gbps());
            for (CaseResult r : results) {
                Traffic t = r.op().traffic();
                w.printf(Locale.ROOT, "%s,%s,%d,%d,%d,%d,%d,%d,%d,%.9g,%.4f,%.4f,%.4f,%.4f,%.4f%n", device, r.op().id(),
                        r.size().rows(), r.size().cols(), t.readBytes(r.size()), t.writtenBytes(r.size()), r.bytes(),
                        options.runs(), r.calls(), r.seconds(), r.gbps(), r.minGbps(), r.maxGbps(), copy.gbps(),
                        r.shareOf(copy.gbps()));
            }
        }
    }

    /** Human-readable units for the table. */
    static final class Format {
        private Format() {}

        /** Decimal units, matching GB/s: "20.0 kB", "1.28 GB". */
        static String bytes(long b) {
            if (b < 1_000) {
                return b + " B";
            }
            if (b < 1_000_000) {
                return String.format(Locale.ROOT, "%.1f kB", b / 1e3);
            }
            if (b < 1_000_000_000) {
                return String.format(Locale.ROOT, "%.1f MB", b / 1e6);
            }
            return String.format(Locale.ROOT, "%.2f GB", b / 1e9);
        }

        /** "850 ns", "12.3 us", "4.56 ms", "1.23 s". */
        static String seconds(double s) {
            if (s < 1e-6) {
                return String.format(Locale.ROOT, "%.0f ns", s * 1e9);
            }
            if (s < 1e-3) {
                return String.format(Locale.ROOT, "%.1f us", s * 1e6);
            }
            if (s < 1) {
                return String.format(Locale.ROOT, "%.2f ms", s * 1e3);
            }
            return String.format(Locale.ROOT, "%.2f s", s);
        }
    }

    /** What the benchmark reports about the machine (Linux /proc where present). */
    static final class Machine {
        private Machine() {}

        static String cpuModel() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                    if (line.startsWith("model name")) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or not readable: fall through
            }
            return System.getProperty("os.arch");
        }

        static String loadAverage() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).trim().split("\\s+");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException | RuntimeException e) {
                return "unknown";
            }
        }
    }
}
