package org.hvae4j.tensor;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the CPU backend's matrix products while enabled: floating-point operations (2·m·n·k per product) and the
 * wall time spent inside OpenBLAS, summed over threads. For benchmarks ({@code org.hvae4j.bench.SgemmFloor}); off by
 * default, when it costs one field read per product.
 */
public final class GemmStats {
    private static volatile boolean enabled;
    private static final LongAdder FLOPS = new LongAdder();
    private static final LongAdder NANOS = new LongAdder();
    private static final LongAdder CALLS = new LongAdder();
    private static volatile boolean byShape;
    private static final Map<String, long[]> SHAPES = new ConcurrentHashMap<>();

    private GemmStats() {}

    public static void enable(boolean on) {
        enabled = on;
    }

    static boolean enabled() {
        return enabled;
    }

    /** Also keeps calls, FLOPs and nanoseconds per product shape (see {@link #shapes()}). */
    public static void byShape(boolean on) {
        byShape = on;
    }

    static void record(boolean transA, boolean transB, int m, int n, int k, long nanos) {
        long flops = 2L * m * n * k;
        FLOPS.add(flops);
        NANOS.add(nanos);
        CALLS.increment();
        if (byShape) {
            String key = (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k;
            long[] s = SHAPES.computeIfAbsent(key, x -> new long[3]);
            synchronized (s) {
                s[0]++;
                s[1] += flops;
                s[2] += nanos;
            }
        }
    }

    /** Per shape ("NT m=… n=… k=…", row-major operands as passed to cblas): {calls, FLOPs, nanoseconds}. */
    public static Map<String, long[]> shapes() {
        Map<String, long[]> r = new TreeMap<>();
        SHAPES.forEach((k, v) -> {
            synchronized (v) {
                r.put(k, v.clone());
            }
        });
        return r;
    }

    public static void reset() {
        FLOPS.reset();
        NANOS.reset();
        CALLS.reset();
        SHAPES.clear();
    }

    public static long flops() {
        return FLOPS.sum();
    }

    public static long nanos() {
        return NANOS.sum();
    }

    public static long calls() {
        return CALLS.sum();
    }
}
