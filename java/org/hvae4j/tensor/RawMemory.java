package org.hvae4j.tensor;

/** The allocator underneath the cache: host malloc or cudaMalloc. */
public interface RawMemory {
    /** Allocates {@code bytes}; throws (GpuOutOfMemoryException on the GPU) when there is no room. */
    long allocate(long bytes);

    void free(long address);
}
