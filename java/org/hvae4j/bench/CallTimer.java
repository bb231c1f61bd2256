package org.hvae4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hvae4j.tensor.Backend;

/**
 * Times repeated calls of an operation on a backend. GPU calls return once enqueued, so the clock is read only
 * after {@link Backend#synchronize()}: a batch of n calls is timed from a synchronized start to a synchronized end,
 * and its time per call includes any launch overhead the calls do not hide.
 *
 * <p>Procedure, within a budget of {@code seconds}: one timed warm-up call (first-use costs: JIT, lazy loading,
 * page faults of fresh outputs); if it was shorter than a tenth of the budget, batches of 2, 4, 8, … calls until one
 * lasts a tenth of the budget or a quarter of the budget is spent (more warm-up, and calibration of the batch size
 * to a tenth of the budget); then batches of that size until the budget is spent, at least {@value #MIN_BATCHES} of
 * them, except that a case whose warm-up call alone took the whole budget gets one measured call (the slow CPU
 * cases at large sizes, seconds per call: repeat the sweep with {@code --runs} for several samples). The result is
 * the median time per call over the measured batches.
 */
final class CallTimer {
    /** Batches measured at least, unless one call exceeds the whole budget (then one). */
    static final int MIN_BATCHES = 3;

    private CallTimer() {}

    /**
     * The timing of one case.
     *
     * @param calls          calls measured (warm-up excluded)
     * @param batches        batches measured
     * @param medianSeconds  median over batches of the time per call
     * @param minSeconds     fastest batch's time per call
     * @param maxSeconds     slowest batch's time per call
     */
    record Timing(long calls, int batches, double medianSeconds, double minSeconds, double maxSeconds) {}

    static Timing measure(Backend backend, Runnable call, double seconds) {
        long budget = (long) (seconds * 1e9);
        long batchTarget = Math.max(1, budget / 10);
        long start = System.nanoTime();

        long first = batch(backend, call, 1);
        long n = 1;
        if (first < batchTarget) {
            double perCall;
            while (true) {
                n *= 2;
                long t = batch(backend, call, n);
                perCall = (double) t / n;
                if (t >= batchTarget || System.nanoTime() - start >= budget / 4) {
                    break;
                }
            }
            n = Math.max(1, Math.round(batchTarget / perCall));
        }
        int minBatches = first >= budget ? 1 : MIN_BATCHES;

        List<Double> perCallTimes = new ArrayList<>();
        long calls = 0;
        while (perCallTimes.size() < minBatches || System.nanoTime() - start < budget) {
            perCallTimes.add(batch(backend, call, n) * 1e-9 / n);
            calls += n;
        }
        double[] sorted = perCallTimes.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Timing(calls, sorted.length, median(sorted), sorted[0], sorted[sorted.length - 1]);
    }

    /** Nanoseconds for n calls, from a synchronized start to a synchronized end. */
    private static long batch(Backend backend, Runnable call, long n) {
        backend.synchronize();
        long t0 = System.nanoTime();
        for (long i = 0; i < n; i++) {
            call.run();
        }
        backend.synchronize();
        return System.nanoTime() - t0;
    }

    /** The median of values (left unchanged). */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m]);
    }
}
