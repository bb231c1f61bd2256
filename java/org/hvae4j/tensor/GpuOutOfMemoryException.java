package org.hvae4j.tensor;

/** The GPU had no room for an allocation, even after the caching allocator released its cached blocks. */
public final class GpuOutOfMemoryException extends CudaException {
    public GpuOutOfMemoryException(String operation, String errorName, int code) {
        super(operation, errorName, code);
    }
}
