package org.hvae4j.report;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a training loop: a live progress bar (me.tongfei progressbar) when the output is a terminal,
 * plain log lines otherwise, which never come more often than once per {@linkplain Builder#interval interval}
 * (10 s by default) so a log file stays short. Either way it shows the epoch, the step, the last metrics
 * given, examples per second and the time left.
 *
 * <pre>{@code
 * try (Progress p = Progress.builder("train", epochs * stepsPerEpoch).examplesPerStep(batch).epochs(epochs)
 *         .start()) {
 *     for (...) { ...; p.step(Map.of("elbo", elbo)); }
 * }
 * }</pre>
 *
 * <p>Plain mode prints a header line at the start, then after each step at least an interval after the
 * previous line one line such as
 * <pre>train  epoch 3/10  step 1200/6000  20.0%  elbo -105.32  31,250 ex/s  eta 0:01:12</pre>
 * and at {@link #close} a final line ({@code done} when every step was made, {@code stopped} otherwise) with the
 * average speed and the elapsed time. The speed of a periodic line is that since the previous line, and its
 * ETA is the remaining steps at that speed. Metrics are shown in the order first given, each with the last
 * value given; numbers use {@link Locale#ROOT}. Thread-safe.
 */
public final class Progress implements AutoCloseable {
    /** How the progress is shown. */
    public enum Mode {
        /** A bar when a console is attached ({@code System.console() != null}), else plain lines. */
        AUTO,
        /** Always the progress bar. */
        BAR,
        /** Always plain, rate-limited lines. */
        PLAIN
    }

    /** Default least time between two plain lines. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    private static final long BAR_MESSAGE_NANOS = 250_000_000L;

    private final String task;
    private final long totalSteps;
    private final long examplesPerStep;
    private final int epochs;
    private final long intervalNanos;
    private final PrintStream out;
    private final LongSupplier clock;
    private final ProgressBar bar;
    private final Map<String, Double> metrics = new LinkedHashMap<>();
    private final long startNanos;
    private final long startStep;
    private long current;
    private long lastLineNanos;
    private long lastLineStep;
    private long lastBarMessageNanos;
    private boolean closed;

    /** Whether the optional progressbar library is on the class path. */
    static final boolean BAR_AVAILABLE = Progress.class.getClassLoader()
            .getResource("me/tongfei/progressbar/ProgressBarBuilder.class") != null;

    private Progress(Builder b) {
        this.task = b.task;
        this.totalSteps = b.totalSteps;
        this.examplesPerStep = b.examplesPerStep;
        this.epochs = b.epochs;
        this.intervalNanos = b.interval.toNanos();
        this.out = b.out;
        this.clock = b.clock;
        this.current = b.startStep;
        this.startStep = b.startStep;
        this.startNanos = clock.getAsLong();
        this.lastLineNanos = startNanos;
        this.lastLineStep = startStep;
        this.lastBarMessageNanos = startNanos - BAR_MESSAGE_NANOS; // the first step updates the bar's message
        boolean plain = switch (b.mode) {
            case PLAIN -> true;
            case BAR -> false;
            case AUTO -> System.console() == null;
        } || !BAR_AVAILABLE;   // progressbar is an optional dependency: without it, plain lines
        if (plain) {
            this.bar = null;
            StringBuilder sb = new StringBuilder(task).append(": ").append(String.format(Locale.ROOT, "%,d", totalSteps))
                    .append(" steps");
            if (epochs > 0) sb.append(" in ").append(epochs).append(epochs == 1 ? " epoch" : " epochs");
            if (examplesPerStep > 0) {
                sb.append(", ").append(String.format(Locale.ROOT, "%,d", examplesPerStep)).append(" examples/step");
            }
            if (startStep > 0) sb.append(", resuming at step ").append(startStep);
            out.println(sb);
            out.flush();
        } else {
            this.bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(totalSteps)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).startsFrom(startStep, Duration.ZERO).build();
        }
    }

    /**
     * Starts reporting a task of {@code totalSteps} steps of {@code examplesPerStep} examples each (0 when
     * unknown: steps/s are shown instead) on {@code System.out}: a bar on a console unless {@code forcePlain},
     * plain lines every 10 s at most otherwise.
     */
    public static Progress start(String task, long totalSteps, long examplesPerStep, boolean forcePlain) {
        return builder(task, totalSteps).examplesPerStep(examplesPerStep).plain(forcePlain).start();
    }

    /** A builder for a task of {@code totalSteps} steps, {@code >= 1}. */
    public static Builder builder(String task, long totalSteps) {
        return new Builder(task, totalSteps);
    }

    /** One step made; {@code metricsToShow} (may be null or empty) updates the values shown. */
    public void step(Map<String, Double> metricsToShow) {
        step(1, metricsToShow);
    }

    /**
     * {@code steps} steps made, {@code >= 0}; {@code metricsToShow} (may be null or empty) updates the values
     * shown.
     *
     * @throws IllegalStateException after {@link #close}
     */
    public synchronized void step(long steps, Map<String, Double> metricsToShow) {
        if (steps < 0) throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        if (closed) throw new IllegalStateException("progress of '" + task + "' is closed");
        current += steps;
        if (metricsToShow != null) metrics.putAll(metricsToShow);
        long now = clock.getAsLong();
        if (bar != null) {
            bar.stepTo(current);
            if (now - lastBarMessageNanos >= BAR_MESSAGE_NANOS || current >= totalSteps) {
                lastBarMessageNanos = now;
                bar.setExtraMessage(barMessage(now));
            }
        } else if (now - lastLineNanos >= intervalNanos) {
            double rate = perSecond(current - lastLineStep, now - lastLineNanos);
            String eta = rate > 0 ? clockTime((totalSteps - current) / (rate / unit())) : "?";
            printLine("", rate, "eta " + eta);
            lastLineNanos = now;
            lastLineStep = current;
        }
    }

    /** Steps made so far. */
    public synchronized long current() {
        return current;
    }

    /** The bar's message (epoch, metrics, speed); null in plain mode. For tests. */
    synchronized String barMessage() {
        return bar == null ? null : bar.getExtraMessage();
    }

    /** Whether this reporter prints plain lines (rather than a bar). */
    public boolean isPlain() {
        return bar == null;
    }

    /** Ends the report: the final plain line, or the finished bar. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        long now = clock.getAsLong();
        if (bar != null) {
            bar.setExtraMessage(barMessage(now));
            bar.close();
            return;
        }
        double rate = perSecond(current - startStep, now - startNanos);
        printLine(current >= totalSteps ? "done  " : "stopped  ", rate,
                "elapsed " + clockTime((now - startNanos) / 1e9));
    }

    private void printLine(String state, double rate, String time) {
        StringBuilder sb = new StringBuilder(task).append("  ").append(state);
        if (epochs > 0) sb.append("epoch ").append(epoch()).append('/').append(epochs).append("  ");
        sb.append("step ").append(current).append('/').append(totalSteps).append("  ");
        sb.append(String.format(Locale.ROOT, "%.1f%%", 100.0 * current / totalSteps)).append("  ");
        appendMetrics(sb);
        sb.append(speed(rate)).append("  ").append(time);
        out.println(sb);
        out.flush();
    }

    private String barMessage(long now) {
        StringBuilder sb = new StringBuilder();
        if (epochs > 0) sb.append("epoch ").append(epoch()).append('/').append(epochs).append("  ");
        appendMetrics(sb);
        sb.append(speed(perSecond(current - startStep, now - startNanos)));
        return sb.toString();
    }

    private void appendMetrics(StringBuilder sb) {
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            sb.append(e.getKey()).append(' ').append(number(e.getValue())).append("  ");
        }
    }

    /** The epoch of the latest step, 1-based, the steps spread evenly over the epochs. */
    private long epoch() {
        long perEpoch = (totalSteps + epochs - 1) / epochs;
        return Math.max(1, Math.min(epochs, (current + perEpoch - 1) / perEpoch));
    }

    /** Examples (or steps, when examples per step is unknown) per second. */
    private double perSecond(long steps, long nanos) {
        if (nanos <= 0) return 0;
        return steps * unit() / (nanos / 1e9);
    }

    private double unit() {
        return examplesPerStep > 0 ? examplesPerStep : 1;
    }

    private String speed(double rate) {
        String u = examplesPerStep > 0 ? " ex/s" : " steps/s";
        return (rate >= 100 ? String.format(Locale.ROOT, "%,d", Math.round(rate))
                : String.format(Locale.ROOT, "%.1f", rate)) + u;
    }

    static String number(Double v) {
        if (v == null || v.isNaN()) return "nan";
        if (v.isInfinite()) return v > 0 ? "inf" : "-inf";
        double a = Math.abs(v);
        if (a == 0 || (a >= 0.01 && a < 1e6)) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** Seconds as h:mm:ss. */
    static String clockTime(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) return "?";
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Options of a {@link Progress}; {@link #start} makes it. */
    public static final class Builder {
        private final String task;
        private final long totalSteps;
        private long examplesPerStep;
        private int epochs;
        private Mode mode = Mode.AUTO;
        private Duration interval = DEFAULT_INTERVAL;
        private PrintStream out = System.out;
        private LongSupplier clock = System::nanoTime;
        private long startStep;

        private Builder(String task, long totalSteps) {
            if (task == null || task.isBlank()) throw new IllegalArgumentException("task must not be blank");
            if (totalSteps < 1) throw new IllegalArgumentException("totalSteps must be >= 1, got " + totalSteps);
            this.task = task;
            this.totalSteps = totalSteps;
        }

        /** Examples in one step, {@code >= 0} (0, the default: unknown, steps/s are shown). */
        public Builder examplesPerStep(long n) {
            if (n < 0) throw new IllegalArgumentException("examplesPerStep must be >= 0, got " + n);
            this.examplesPerStep = n;
            return this;
        }

        /**
         * Number of epochs the steps make, {@code 0..totalSteps}; when positive, lines show
         * {@code epoch e/epochs}, the steps being spread evenly over the epochs. 0 (the default): no epoch.
         */
        public Builder epochs(int n) {
            if (n < 0 || n > totalSteps) {
                throw new IllegalArgumentException("epochs must be in 0.." + totalSteps + ", got " + n);
            }
            this.epochs = n;
            return this;
        }

        /** Plain lines when {@code forcePlain}, else {@link Mode#AUTO}. */
        public Builder plain(boolean forcePlain) {
            this.mode = forcePlain ? Mode.PLAIN : Mode.AUTO;
            return this;
        }

        /** How progress is shown; {@link Mode#AUTO} by default. */
        public Builder mode(Mode m) {
            this.mode = Objects.requireNonNull(m, "mode");
            return this;
        }

        /** Least time between two plain lines, positive; {@link #DEFAULT_INTERVAL} by default. */
        public Builder interval(Duration d) {
            Objects.requireNonNull(d, "interval");
            if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("interval must be positive, got " + d);
            this.interval = d;
            return this;
        }

        /** Where to print; {@code System.out} by default. */
        public Builder output(PrintStream s) {
            this.out = Objects.requireNonNull(s, "output");
            return this;
        }

        /** A clock in nanoseconds, such as {@link System#nanoTime} (the default); for tests. */
        public Builder clock(LongSupplier nanos) {
            this.clock = Objects.requireNonNull(nanos, "clock");
            return this;
        }

        /** The step a resumed run starts at, {@code 0..totalSteps}; 0 by default. */
        public Builder startAt(long step) {
            if (step < 0 || step > totalSteps) {
                throw new IllegalArgumentException("start step must be in 0.." + totalSteps + ", got " + step);
            }
            this.startStep = step;
            return this;
        }

        /** Starts the report (plain mode prints its header line now). */
        public Progress start() {
            return new Progress(this);
        }
    }
}
