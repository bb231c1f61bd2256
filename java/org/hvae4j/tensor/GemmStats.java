package org.hvae4j.tensor;

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

    private GemmStats() {}

    public static void enable(boolean on) {
        enabled = on;
    }

    static boolean enabled() {
        return enabled;
    }

    static void record(long flops, long nanos) {
        FLOPS.add(flops);
        NANOS.add(nanos);
        CALLS.increment();
    }

    public static void reset() {
        FLOPS.reset();
        NANOS.reset();
        CALLS.reset();
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
