package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class TensorLifecycleTest {
    private final Backend cpu = Backend.cpu();

    @Test
    void closeFreesAndSecondCloseIsHarmless() {
        long before = cpu.memoryStats().bytesInUse();
        Tensor t = cpu.zeros(10, 10);
        assertTrue(cpu.memoryStats().bytesInUse() > before);
        t.close();
        t.close();
        assertEquals(before, cpu.memoryStats().bytesInUse());
        assertTrue(t.isClosed());
    }

    @Test
    void useAfterCloseIsIllegalState() {
        Tensor t = cpu.zeros(4);
        t.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::toArray);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> cpu.fill(t, 1f));
    }

    @Test
    void viewsDieWithTheirBase() {
        Tensor base = cpu.fromArray(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor rows = base.rowsView(1, 3);
        assertArrayEquals(new float[] {3, 4, 5, 6}, rows.toArray());
        Tensor flat = base.reshape(6);
        rows.close();  // closing a view leaves the base alone
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, base.toArray());
        base.close();
        assertThrows(IllegalStateException.class, flat::toArray);
    }

    @Test
    void scopeFreesEverythingAllocatedInsideButDetached() {
        long before = cpu.memoryStats().bytesInUse();
        Tensor kept;
        Tensor inner;
        try (MemoryScope scope = MemoryScope.open()) {
            cpu.zeros(100);
            inner = cpu.zeros(50);
            kept = scope.detach(cpu.full(2f, 3));
            Tensor closedEarly = cpu.zeros(7);
            closedEarly.close();
            assertEquals(2, scope.size());
        }
        assertTrue(inner.isClosed());
        assertFalse(kept.isClosed());
        assertArrayEquals(new float[] {2, 2, 2}, kept.toArray());
        kept.close();
        assertEquals(before, cpu.memoryStats().bytesInUse());
    }

    @Test
    void nestedScopesMustCloseInnerFirst() {
        MemoryScope outer = MemoryScope.open();
        MemoryScope inner = MemoryScope.open();
        Tensor a = cpu.zeros(2);
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        assertTrue(a.isClosed());
        Tensor b = cpu.zeros(2);
        outer.close();
        assertTrue(b.isClosed());
    }

    @Test
    void steadyAllocationPatternReachesRawAllocatorOnlyOnce() {
        Runnable step = () -> {
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor x = cpu.zeros(100, 784);
                Tensor w = cpu.zeros(784, 200);
                Tensor h = cpu.matmul(x, w);
                cpu.activation(Activation.TANH, h, h);
            }
        };
        step.run();
        long raw = cpu.memoryStats().rawAllocations();
        for (int i = 0; i < 20; i++) {
            step.run();
        }
        assertEquals(raw, cpu.memoryStats().rawAllocations(), "allocations after the first step");
    }

    @Test
    void allocatorReleasesCacheAndRetriesOnOutOfMemory() {
        // A raw allocator with room for two blocks: the third allocation succeeds only after the cache is emptied.
        int[] live = {0};
        RawMemory tight = new RawMemory() {
            long next = 4096;

            @Override
            public long allocate(long bytes) {
                if (live[0] == 2) {
                    throw new GpuOutOfMemoryException("cudaMalloc", "cudaErrorMemoryAllocation", 2);
                }
                live[0]++;
                return next += 1 << 20;
            }

            @Override
            public void free(long address) {
                live[0]--;
            }
        };
        CachingAllocator a = new CachingAllocator(tight);
        long p = a.allocate(1000);
        a.release(p, 1000);
        long q = a.allocate(5000);
        long r = a.allocate(9000);  // cache holds the 1000-byte block: freed, then retried
        assertNotEquals(q, r);
        assertEquals(1, a.stats().rawFrees());
        GpuOutOfMemoryException e = assertThrows(GpuOutOfMemoryException.class, () -> a.allocate(100));
        assertTrue(e.getMessage().contains("cudaErrorMemoryAllocation"), e.getMessage());
    }

    @Test
    void fromArrayChecksLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cpu.fromArray(new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> cpu.empty(2, -1));
    }
}
