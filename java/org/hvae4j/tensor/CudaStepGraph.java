package org.hvae4j.tensor;

import org.bytedeco.cuda.cudart.CUgraphExec_st;

/** A {@link StepGraph} captured from a CUDA backend's stream; its memory is a private pool of the allocator. */
final class CudaStepGraph extends StepGraph {
    private final CudaKernels kernels;
    private final CachingAllocator allocator;
    private final CachingAllocator.Pool pool;
    private CUgraphExec_st exec;

    private CudaStepGraph(CudaKernels kernels, CachingAllocator allocator, CachingAllocator.Pool pool,
            CUgraphExec_st exec) {
        this.kernels = kernels;
        this.allocator = allocator;
        this.pool = pool;
        this.exec = exec;
    }

    static CudaStepGraph capture(CudaKernels kernels, CachingAllocator allocator, Runnable work) {
        CachingAllocator.Pool pool = allocator.beginPool();
        try {
            kernels.beginCapture();
        } catch (RuntimeException e) {
            allocator.closePool(pool);
            throw e;
        }
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            kernels.abortCapture();
            allocator.closePool(pool);
            throw e;
        }
        allocator.endPool(pool);
        try {
            return new CudaStepGraph(kernels, allocator, pool, kernels.endCapture());
        } catch (RuntimeException e) {
            allocator.closePool(pool);
            throw e;
        }
    }

    @Override
    public void launch() {
        if (exec == null) {
            throw new IllegalStateException("launch of a closed StepGraph");
        }
        kernels.launch(exec);
    }

    @Override
    public boolean isGraph() {
        return true;
    }

    @Override
    public void close() {
        if (exec == null) {
            return;
        }
        kernels.synchronize();  // a launch may still be running on the pool's memory
        kernels.destroy(exec);
        exec = null;
        allocator.closePool(pool);
    }
}
