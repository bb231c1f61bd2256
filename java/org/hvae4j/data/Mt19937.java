package org.hvae4j.data;

/**
 * The Mersenne Twister MT19937 of M. Matsumoto and T. Nishimura, "Mersenne Twister: a 623-dimensionally
 * equidistributed uniform pseudo-random number generator", ACM Transactions on Modeling and Computer
 * Simulation 8(1):3–30, 1998 — bit-compatible with numpy's legacy {@code numpy.random.RandomState}.
 *
 * <p>Seeding follows the reference {@code init_genrand} (the 2002 revision of {@code mt19937ar.c}), which is
 * what {@code RandomState(seed)} (and {@code MT19937._legacy_seeding}) does for an integer seed in
 * {@code [0, 2^32)}; {@link #nextDouble()} is the reference {@code genrand_res53}, which is numpy's
 * {@code random_sample()} / {@code uniform()} in the legacy path. So
 * <pre>{@code
 * Mt19937 r = new Mt19937(123);
 * r.nextDouble();   // 0.6964691855978616 == numpy.random.RandomState(123).uniform()
 * }</pre>
 * and the {@code k}-th call returns the {@code k}-th value of {@code RandomState(123).uniform(size=...)}
 * (row-major, whatever the shape). Seeding by array ({@code init_by_array}) is not provided.
 *
 * <p>Not thread-safe; not suitable for cryptography.
 */
public final class Mt19937 {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908B0DF;
    private static final int UPPER_MASK = 0x80000000;
    private static final int LOWER_MASK = 0x7FFFFFFF;

    /** Largest seed accepted, {@code 2^32 - 1}, as in numpy's legacy seeding. */
    public static final long MAX_SEED = 0xFFFFFFFFL;

    private final int[] mt = new int[N];
    private int mti;

    /** A generator seeded with {@link #initGenrand(long) init_genrand(seed)}. */
    public Mt19937(long seed) {
        initGenrand(seed);
    }

    /**
     * Reseeds as the reference {@code init_genrand(s)}:
     * {@code mt[0] = s; mt[i] = 1812433253 * (mt[i-1] ^ (mt[i-1] >>> 30)) + i (mod 2^32)}.
     *
     * @param seed in {@code [0, 2^32 - 1]} (numpy rejects other integer seeds too)
     * @throws IllegalArgumentException when the seed is out of range
     */
    public void initGenrand(long seed) {
        if (seed < 0 || seed > MAX_SEED) {
            throw new IllegalArgumentException("MT19937 seed must be in [0, 2^32 - 1] (numpy's legacy integer"
                    + " seeding), got " + seed);
        }
        mt[0] = (int) seed;
        for (int i = 1; i < N; i++) {
            int prev = mt[i - 1];
            mt[i] = 1812433253 * (prev ^ (prev >>> 30)) + i; // int arithmetic wraps mod 2^32
        }
        mti = N;
    }

    /** The next 32-bit output ({@code genrand_int32}) as an int; use {@link #nextUnsignedInt32()} for its value. */
    public int nextInt32() {
        if (mti >= N) twist();
        int y = mt[mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        y ^= y >>> 18;
        return y;
    }

    /** The next 32-bit output as an unsigned value in {@code [0, 2^32)}. */
    public long nextUnsignedInt32() {
        return Integer.toUnsignedLong(nextInt32());
    }

    /**
     * A uniform double in {@code [0, 1)} with 53 random bits, from two consecutive outputs {@code a, b}:
     * {@code ((a >>> 5) * 67108864.0 + (b >>> 6)) / 9007199254740992.0} ({@code genrand_res53}, numpy's
     * legacy {@code random_sample}).
     */
    public double nextDouble() {
        int a = nextInt32() >>> 5;
        int b = nextInt32() >>> 6;
        return (a * 67108864.0 + b) / 9007199254740992.0;
    }

    /** Fills {@code dst} with successive {@link #nextDouble()} values and returns it. */
    public double[] nextDoubles(double[] dst) {
        for (int i = 0; i < dst.length; i++) dst[i] = nextDouble();
        return dst;
    }

    private void twist() {
        int k = 0;
        for (; k < N - M; k++) {
            int y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
            mt[k] = mt[k + M] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        for (; k < N - 1; k++) {
            int y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
            mt[k] = mt[k + (M - N)] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        }
        int y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
        mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ ((y & 1) != 0 ? MATRIX_A : 0);
        mti = 0;
    }
}
