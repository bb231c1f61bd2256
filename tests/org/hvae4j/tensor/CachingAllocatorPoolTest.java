package org.hvae4j.tensor;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The private pool of a captured graph: its blocks serve only the capture and go back when the graph closes. */
class CachingAllocatorPoolTest {
    /** Raw memory that hands out fresh fake addresses and records frees. */
    static final class Fake implements RawMemory {
        long next = 1 << 20;
        final Set<Long> live = new HashSet<>();

        @Override
        public long allocate(long bytes) {
            long a = next;
            next += bytes + 4096;
            live.add(a);
            return a;
        }

        @Override
        public void free(long address) {
            assertTrue(live.remove(address), "free of an address not allocated: " + address);
        }
    }

    @Test
    void poolBlocksServeOnlyTheirCaptureAndAreFreedWithIt() {
        Fake raw = new Fake();
        CachingAllocator alloc = new CachingAllocator(raw);
        long shared = alloc.allocate(1000);
        alloc.release(shared, 1000);  // cached in the shared bins

        CachingAllocator.Pool pool = alloc.beginPool();
        long a = alloc.allocate(1000);
        assertNotEquals(shared, a, "a capture does not take blocks from the shared cache");
        alloc.release(a, 1000);
        long b = alloc.allocate(1000);
        assertEquals(a, b, "inside the capture its own freed blocks are reused (stream order holds)");
        alloc.endPool(pool);
        alloc.release(b, 1000);  // the capture's scope closes after the capture: back to the pool

        long c = alloc.allocate(1000);
        assertEquals(shared, c, "after the capture the shared cache serves again");
        long d = alloc.allocate(1000);
        assertNotEquals(a, d, "no later allocation gets an address the graph writes");
        assertEquals(1, pool.blocks());

        alloc.closePool(pool);
        assertFalse(raw.live.contains(a), "closing the graph frees its pool");
        assertEquals(0, pool.blocks());
        assertTrue(raw.live.contains(c) && raw.live.contains(d));
        assertThrows(IllegalStateException.class, () -> {
            alloc.beginPool();
            alloc.beginPool();
        });
    }

    @Test
    void aBlockStillLiveWhenThePoolClosesReturnsToTheSharedCache() {
        Fake raw = new Fake();
        CachingAllocator alloc = new CachingAllocator(raw);
        CachingAllocator.Pool pool = alloc.beginPool();
        long a = alloc.allocate(4096);
        alloc.endPool(pool);
        alloc.closePool(pool);
        assertTrue(raw.live.contains(a), "a live block is not freed under its owner");
        alloc.release(a, 4096);
        assertEquals(a, alloc.allocate(4096), "it is cached like any other block afterwards");
    }
}
