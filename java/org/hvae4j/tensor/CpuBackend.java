package org.hvae4j.tensor;

import org.hvae4j.bridge.CpuNative;

/**
 * The CPU backend. Matrix products run on OpenBLAS with one thread: on small MLP products (128×784×512) one
 * thread per product measured about 30× faster here than OpenBLAS's default threading, whose thread start-up
 * and hand-off dominate at these sizes. {@code -Dhvae4j.blas.threads=N} overrides it.
 */
final class CpuBackend extends Backend {
    static final CpuBackend INSTANCE = new CpuBackend();

    private final CpuKernels kernels;

    private CpuBackend() {
        super(new RawMemory() {
            @Override
            public long allocate(long bytes) {
                long[] address = new long[1];
                int status = CpuNative.hvae4j_cpu_malloc(bytes, address);
                if (status != 0) {
                    throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
                }
                return address[0];
            }

            @Override
            public void free(long address) {
                CpuNative.hvae4j_cpu_free(address);
            }
        });
        this.kernels = new CpuKernels(Integer.getInteger("hvae4j.blas.threads", 1));
    }

    @Override
    public Device device() {
        return Device.cpu();
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    @Override
    public long memoryCapacity() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            long total = os.getTotalMemorySize();
            if (total > 0) {
                return total;
            }
        }
        return Long.MAX_VALUE;   // unknown: allocation failures still name their size
    }

    /** oneDNN, loaded when the first convolution runs (MLP-only use never loads it). */
    @Override
    Convolutions openConvolutions() {
        return DnnlConvolutions.open();
    }

    @Override
    public String describe() {
        return "cpu (" + Runtime.getRuntime().availableProcessors() + " cores, OpenBLAS "
                + Integer.getInteger("hvae4j.blas.threads", 1) + " thread per product)";
    }
}
