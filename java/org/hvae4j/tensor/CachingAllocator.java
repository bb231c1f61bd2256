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

    public synchronized long allocate(long bytes) {
        long size = roundUp(bytes);
        ArrayDeque<Long> bin = bins.get(size);
        long address;
        if (bin != null && !bin.isEmpty()) {
            address = bin.pop();
            bytesCached -= size;
        } else {
            address = allocateRaw(size);
        }
        bytesInUse += size;
        peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        return address;
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

    /** Returns a block obtained from {@link #allocate} with the same {@code bytes}. */
    public synchronized void release(long address, long bytes) {
        long size = roundUp(bytes);
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
