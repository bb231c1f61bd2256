package org.hvae4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Expected values come from numpy 2.4 ({@code RandomState(seed).uniform()}, {@code MT19937._legacy_seeding}). */
class Mt19937Test {
    @Test
    void seed123FirstUniformsMatchNumpy() {
        Mt19937 r = new Mt19937(123);
        assertEquals(0.6964691855978616, r.nextDouble());
        assertEquals(0.28613933495037946, r.nextDouble());
        assertEquals(0.2268514535642031, r.nextDouble());
    }

    @Test
    void seed0And42MatchNumpy() {
        Mt19937 r = new Mt19937(0);
        assertEquals(0.5488135039273248, r.nextDouble());
        assertEquals(0.7151893663724195, r.nextDouble());
        r = new Mt19937(42);
        assertEquals(0.3745401188473625, r.nextDouble());
        assertEquals(0.9507143064099162, r.nextDouble());
    }

    /** Values deep in the stream: uniform number 999, 784 000 and 7 839 999 of RandomState(123), many twists in. */
    @Test
    void seed123DeepInTheStreamMatchesNumpy() {
        Mt19937 r = new Mt19937(123);
        double[] u = r.nextDoubles(new double[7_840_000]);
        assertEquals(0.2948947090182449, u[999]);
        assertEquals(0.13167223041934462, u[784_000]);
        assertEquals(0.2928202419726802, u[7_839_999]);
    }

    @Test
    void rawOutputsMatchTheReference() {
        Mt19937 r = new Mt19937(5489); // the reference default seed
        assertEquals(3499211612L, r.nextUnsignedInt32());
        assertEquals(581869302L, r.nextUnsignedInt32());
        assertEquals(3890346734L, r.nextUnsignedInt32());
        for (int i = 3; i < 9999; i++) r.nextInt32();
        assertEquals(4123659995L, r.nextUnsignedInt32()); // C++ [rand.predef]: 10000th output of std::mt19937
        r = new Mt19937(123);
        assertEquals(2991312382L, r.nextUnsignedInt32());
        assertEquals((int) 3062119789L, r.nextInt32());
    }

    @Test
    void largestSeedMatchesNumpy() {
        assertEquals(0.0976320289940138, new Mt19937(Mt19937.MAX_SEED).nextDouble());
    }

    @Test
    void reseedingRestartsTheStream() {
        Mt19937 r = new Mt19937(123);
        double[] a = r.nextDoubles(new double[1000]);
        r.initGenrand(123);
        assertArrayEquals(a, r.nextDoubles(new double[1000]));
    }

    @Test
    void seedsOutsideUnsigned32BitsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Mt19937(-1));
        assertThrows(IllegalArgumentException.class, () -> new Mt19937(1L << 32));
    }
}
