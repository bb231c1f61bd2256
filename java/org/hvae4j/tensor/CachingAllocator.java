package org.hvae4j.tensor;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps freed blocks in bins of their rounded size and hands them out again, so that a training step at a
 * steady batch size, which frees and allocates the same sizes every step, reaches the raw allocator
 * (cudaMalloc, malloc) zero times after the first step. Memory is reused in stream order: a backend runs every
 * operation on one stream, so a block freed by the host may be handed out at once.
 *
 * <p>When the raw allocator reports out-of-memory, every cached block is returned to it and the allocation is
 * tried once more before the error reaches the caller.
 */
public final class CachingAllocator {
    private static final long SMALL = 1L << 20;
    private static final long SMALL_GRAIN = 512;
    private static final long LARGE_GRAIN = 128L << 10;

    private final RawMemory raw;
    private final Map<Long, ArrayDeque<Long>> bins = new HashMap<>();
    private long rawAllocations;
    private long rawFrees;
    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;

    public CachingAllocator(RawMemory raw) {
        this.raw = raw;
    }

    /** The size a request of {@code bytes} is served with. */
    static long roundUp(long bytes) {
        long grain = bytes <= SMALL ? SMALL_GRAIN : LARGE_GRAIN;
        long b = Math.max(bytes, 1);
        return (b + grain - 1) / grain * grain;
    }

    /**
     * The memory of one captured CUDA graph: blocks allocated while its capture was under way belong to it, are
     * reused only by that capture (in its stream order), and go back to the raw allocator when the graph is closed,
     * so that no later allocation can be handed an address the graph still writes at each replay.
     */
    public static final class Pool {
        private final Map<Long, ArrayDeque<Long>> bins = new HashMap<>();
        private final Map<Long, Long> sizes = new HashMap<>();

        /** Blocks this pool owns. */
        public synchronized int blocks() {
            return sizes.size();
        }
    }

    private Pool capturing;
    private final Map<Long, Pool> poolOf = new HashMap<>();

    /** From now until {@link #endPool}, every allocation is served by (and owned by) a new pool. */
    public synchronized Pool beginPool() {
        if (capturing != null) {
            throw new IllegalStateException("a capture is already under way on this backend");
        }
        capturing = new Pool();
        return capturing;
    }

    /** Allocations are served from the shared cache again; the pool keeps the blocks it owns. */
    public synchronized void endPool(Pool pool) {
        if (capturing == pool) {
            capturing = null;
        }
    }

    /**
     * Gives the pool's free blocks back to the raw allocator. A block still held by a live tensor leaves the pool
     * and returns to the shared cache when that tensor is closed.
     */
    public synchronized void closePool(Pool pool) {
        endPool(pool);
        for (ArrayDeque<Long> bin : pool.bins.values()) {
            while (!bin.isEmpty()) {
                long address = bin.pop();
                pool.sizes.remove(address);
                poolOf.remove(address);
                raw.free(address);
                rawFrees++;
            }
        }
        for (Long address : pool.sizes.keySet()) {
            poolOf.remove(address);
        }
        pool.sizes.clear();
    }

    public synchronized long allocate(long bytes) {
        long size = roundUp(bytes);
        long address = capturing != null ? allocateInPool(capturing, size) : allocateShared(size);
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        return address;
    }

    private long allocateShared(long size) {
        ArrayDeque<Long> bin = bins.get(size);
        if (bin != null && !bin.isEmpty()) {
            bytesCached -= size;
            return bin.pop();
        }
        return allocateRaw(size);
    }

    private long allocateRaw(long size) {
        long address;
        try {
            address = raw.allocate(size);
        } catch (GpuOutOfMemoryException | OutOfMemoryError e) {
            if (bytesCached == 0) {
                throw e;
            }
            emptyCache();
            address = raw.allocate(size);
        }
        rawAllocations++;
        return address;
    }

    private long allocateInPool(Pool pool, long size) {
        ArrayDeque<Long> bin = pool.bins.get(size);
        if (bin != null && !bin.isEmpty()) {
            return bin.pop();
        }
        long address = allocateRaw(size);
        pool.sizes.put(address, size);
        poolOf.put(address, pool);
        return address;
    }

    /** Returns a block obtained from {@link #allocate} with the same {@code bytes}. */
    public synchronized void release(long address, long bytes) {
        long size = roundUp(bytes);
        Pool pool = poolOf.get(address);
        if (pool != null) {
            pool.bins.computeIfAbsent(size, k -> new ArrayDeque<>()).push(address);
            bytesInUse -= size;
            return;
        }
        bins.computeIfAbsent(size, k -> new ArrayDeque<>()).push(address);
        bytesInUse -= size;
        bytesCached += size;
    }

    /** Gives every cached block back to the raw allocator. */
    public synchronized void emptyCache() {
        for (ArrayDeque<Long> bin : bins.values()) {
            while (!bin.isEmpty()) {
                raw.free(bin.pop());
                rawFrees++;
            }
        }
        bins.clear();
        bytesCached = 0;
    }

    public synchronized Stats stats() {
        return new Stats(rawAllocations, rawFrees, bytesInUse, bytesCached, peakBytesInUse);
    }

    /**
     * Counters of the allocator.
     *
     * @param rawAllocations calls that reached the raw allocator (cudaMalloc on the GPU)
     * @param rawFrees blocks given back to it
     * @param bytesInUse bytes held by live tensors
     * @param bytesCached bytes kept for reuse
     * @param peakBytesInUse the largest bytesInUse seen
     */
    public record Stats(long rawAllocations, long rawFrees, long bytesInUse, long bytesCached, long peakBytesInUse) {}
}
