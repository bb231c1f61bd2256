package org.hvae4j.tensor;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.hvae4j.bridge.NativeStatus;

/**
 * CUDA kernels: libhvae4j_cuda for our operations and cuBLAS (JavaCPP presets) for products, all enqueued on one
 * stream of one device. Only the CUDA backend loads this class.
 */
final class CudaKernels extends CudaKernelOps implements Kernels {
    private final int device;
    private final CUstream_st stream;
    private final long streamAddress;
    private final cublasContext blas;
    private final ThreadLocal<FloatPointer[]> scalars = ThreadLocal.withInitial(
            () -> new FloatPointer[] {new FloatPointer(1), new FloatPointer(1)});
    private final ThreadLocal<int[]> currentDevice = ThreadLocal.withInitial(() -> new int[] {-1});

    CudaKernels(int device) {
        this.device = device;
        ensureDevice();
        this.stream = new CUstream_st();
        checkCuda(cudart.cudaStreamCreate(stream), "cudaStreamCreate");
        this.streamAddress = stream.address();
        this.blas = new cublasContext();
        checkBlas(cublas.cublasCreate_v2(blas), "cublasCreate");
        checkBlas(cublas.cublasSetStream_v2(blas, stream), "cublasSetStream");
        // A workspace of our own (32 MiB, NVIDIA's advice for Hopper): cuBLAS then allocates nothing while a
        // training step is being captured as a graph. It lives as long as this backend, which is the process.
        this.blasWorkspace = allocate(BLAS_WORKSPACE_BYTES);
        checkBlas(cublas.cublasSetWorkspace_v2(blas, at(blasWorkspace), BLAS_WORKSPACE_BYTES), "cublasSetWorkspace");
    }

    private static final long BLAS_WORKSPACE_BYTES = 32L << 20;
    private final long blasWorkspace;

    int deviceIndex() {
        return device;
    }

    CUstream_st cudaStream() {
        return stream;
    }

    @Override
    long stream() {
        ensureDevice();
        return streamAddress;
    }

    /** The CUDA runtime binds a current device per host thread: set it when this thread has another one. */
    void ensureDevice() {
        int[] cur = currentDevice.get();
        if (cur[0] != device) {
            checkCuda(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")");
            cur[0] = device;
        }
    }

    static String errorName(int cudaError) {
        org.bytedeco.javacpp.BytePointer name = cudart.cudaGetErrorName(cudaError);
        return name == null ? "cudaError " + cudaError : name.getString();
    }

    static void checkCuda(int err, String op) {
        if (err != 0) {
            String name = errorName(err);
            if (err == cudart.cudaErrorMemoryAllocation) {
                throw new GpuOutOfMemoryException(op, name, err);
            }
            throw new CudaException(op, name, err);
        }
    }

    static void checkBlas(int status, String op) {
        if (status != 0) {
            throw new CudaException(op, cublas.cublasGetStatusName(status).getString(), status);
        }
    }

    /** Our kernels return HVAE4J_CUDA_ERROR_BASE + cudaError_t for launch failures. */
    static void check(int status, String op) {
        if (status == NativeStatus.OK) {
            return;
        }
        if (status >= NativeStatus.CUDA_ERROR_BASE) {
            checkCuda(status - NativeStatus.CUDA_ERROR_BASE, op);
        }
        throw new NativeException(op + ": " + NativeStatus.describe(status), status);
    }

    static Pointer at(long address) {
        return new CpuKernels.At(address, 0);
    }

    long allocate(long bytes) {
        ensureDevice();
        Pointer p = new Pointer();
        checkCuda(cudart.cudaMalloc(p, bytes), "cudaMalloc(" + bytes + " bytes)");
        return p.address();
    }

    void free(long address) {
        ensureDevice();
        checkCuda(cudart.cudaFree(at(address)), "cudaFree");
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b,
            int ldb, float beta, long c, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        ensureDevice();
        FloatPointer[] s = scalars.get();
        s[0].put(alpha);
        s[1].put(beta);
        // cuBLAS is column-major: a row-major C is a column-major Cᵀ = op(B)ᵀ op(A)ᵀ, so swap the operands.
        checkBlas(cublas.cublasSgemm_v2(blas,
                transB ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                transA ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N,
                n, m, k, s[0], new CpuKernels.At(b, 0), ldb, new CpuKernels.At(a, 0), lda, s[1],
                new CpuKernels.At(c, 0), ldc), "cublasSgemm");
    }

    @Override
    public void copy(long src, long dst, long bytes) {
        if (bytes == 0 || src == dst) {
            return;
        }
        ensureDevice();
        checkCuda(cudart.cudaMemcpyAsync(at(dst), at(src), bytes, cudart.cudaMemcpyDeviceToDevice, stream),
                "cudaMemcpyAsync(device to device)");
    }

    @Override
    public void copyFromHost(float[] src, int srcOffset, long dst, long count) {
        if (count == 0) {
            return;
        }
        ensureDevice();
        try (FloatPointer host = new FloatPointer(count)) {
            host.put(src, srcOffset, Math.toIntExact(count));
            checkCuda(cudart.cudaMemcpyAsync(at(dst), host, count * Float.BYTES, cudart.cudaMemcpyHostToDevice,
                    stream), "cudaMemcpyAsync(host to device)");
            // The staging buffer is freed when this block ends: the copy must be done by then.
            checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        }
    }

    @Override
    public void copyToHost(long src, float[] dst, int dstOffset, long count) {
        if (count == 0) {
            return;
        }
        ensureDevice();
        try (FloatPointer host = new FloatPointer(count)) {
            checkCuda(cudart.cudaMemcpyAsync(host, at(src), count * Float.BYTES, cudart.cudaMemcpyDeviceToHost,
                    stream), "cudaMemcpyAsync(device to host)");
            checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            host.get(dst, dstOffset, Math.toIntExact(count));
        }
    }

    @Override
    public void copyToHost(long src, double[] dst, int dstOffset, long count) {
        if (count == 0) {
            return;
        }
        ensureDevice();
        try (org.bytedeco.javacpp.DoublePointer host = new org.bytedeco.javacpp.DoublePointer(count)) {
            checkCuda(cudart.cudaMemcpyAsync(host, at(src), count * Double.BYTES, cudart.cudaMemcpyDeviceToHost,
                    stream), "cudaMemcpyAsync(device to host)");
            checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
            host.get(dst, dstOffset, Math.toIntExact(count));
        }
    }

    @Override
    public void copyFromHost(double[] src, int srcOffset, long dst, long count) {
        if (count == 0) {
            return;
        }
        ensureDevice();
        try (org.bytedeco.javacpp.DoublePointer host = new org.bytedeco.javacpp.DoublePointer(count)) {
            host.put(src, srcOffset, Math.toIntExact(count));
            checkCuda(cudart.cudaMemcpyAsync(at(dst), host, count * Double.BYTES, cudart.cudaMemcpyHostToDevice,
                    stream), "cudaMemcpyAsync(host to device)");
            checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
        }
    }

    @Override
    public void synchronize() {
        ensureDevice();
        checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    // ---- CUDA graphs ----------------------------------------------------------------------------------------

    /**
     * Starts capturing this backend's stream into a graph. Relaxed mode: the caching allocator may still call
     * cudaMalloc while a capture is under way (the blocks then belong to the capture's pool); any call that would
     * synchronize the stream (a copy to the host, say) fails the capture with a CudaException.
     */
    void beginCapture() {
        ensureDevice();
        checkCuda(cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeRelaxed),
                "cudaStreamBeginCapture");
    }

    /** Ends the capture and instantiates it; returns the executable graph (the template graph is destroyed). */
    org.bytedeco.cuda.cudart.CUgraphExec_st endCapture() {
        ensureDevice();
        org.bytedeco.cuda.cudart.CUgraph_st graph = new org.bytedeco.cuda.cudart.CUgraph_st();
        checkCuda(cudart.cudaStreamEndCapture(stream, graph), "cudaStreamEndCapture");
        try {
            org.bytedeco.cuda.cudart.CUgraphExec_st exec = new org.bytedeco.cuda.cudart.CUgraphExec_st();
            checkCuda(cudart.cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
            return exec;
        } finally {
            cudart.cudaGraphDestroy(graph);
        }
    }

    /** Ends a capture that failed, discarding what was captured (errors are ignored: the first one is reported). */
    void abortCapture() {
        org.bytedeco.cuda.cudart.CUgraph_st graph = new org.bytedeco.cuda.cudart.CUgraph_st();
        if (cudart.cudaStreamEndCapture(stream, graph) == 0 && !graph.isNull()) {
            cudart.cudaGraphDestroy(graph);
        }
        cudart.cudaGetLastError();  // clears a sticky capture error
    }

    void launch(org.bytedeco.cuda.cudart.CUgraphExec_st exec) {
        ensureDevice();
        checkCuda(cudart.cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    }

    void destroy(org.bytedeco.cuda.cudart.CUgraphExec_st exec) {
        ensureDevice();
        checkCuda(cudart.cudaGraphExecDestroy(exec), "cudaGraphExecDestroy");
    }
}
