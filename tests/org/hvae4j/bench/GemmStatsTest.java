package org.hvae4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.GemmStats;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The product counter behind SgemmFloor: totals, per-shape keys, and nothing counted while disabled. */
class GemmStatsTest {
    @AfterEach
    void off() {
        GemmStats.enable(false);
        GemmStats.byShape(false);
        GemmStats.reset();
    }

    @Test
    void countsProductsByShapeOnlyWhileEnabled() {
        Backend cpu = Backend.cpu();
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor a = cpu.zeros(3, 4), b = cpu.zeros(5, 4), c = cpu.zeros(3, 5), d = cpu.zeros(4, 4);
            GemmStats.reset();
            cpu.matmul(a, false, b, true, c, 1f, 0f);  // not counted: disabled
            assertEquals(0, GemmStats.calls());
            GemmStats.enable(true);
            GemmStats.byShape(true);
            cpu.matmul(a, false, b, true, c, 1f, 0f);
            cpu.matmul(a, false, b, true, c, 1f, 1f);
            cpu.matmul(a, true, a, false, d, 1f, 0f);
            assertEquals(3, GemmStats.calls());
            assertEquals(2L * (2 * 3 * 5 * 4 + 4 * 4 * 3), GemmStats.flops());
            Map<String, long[]> s = GemmStats.shapes();
            assertEquals(2, s.size());
            assertArrayEquals(new long[] {2, 2L * 2 * 3 * 5 * 4}, java.util.Arrays.copyOf(s.get("NT m=3 n=5 k=4"), 2));
            assertArrayEquals(new long[] {1, 2L * 4 * 4 * 3}, java.util.Arrays.copyOf(s.get("TN m=4 n=4 k=3"), 2));
            GemmStats.reset();
            assertTrue(GemmStats.shapes().isEmpty());
        }
    }
}
