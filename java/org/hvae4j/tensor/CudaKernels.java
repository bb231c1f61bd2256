package org.hvae4j.tensor;

import static org.hvae4j.bridge.CudaNative.*;

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
final class CudaKernels implements Kernels {
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

    CUstream_st stream() {
        return stream;
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
    public void fill(long y, float value, long n) {
        ensureDevice();
        check(hvae4j_cuda_fill(y, value, n, streamAddress), "fill");
    }

    @Override
    public void axpby(float alpha, long x, float beta, long y, long n) {
        ensureDevice();
        check(hvae4j_cuda_axpby(alpha, x, beta, y, n, streamAddress), "axpby");
    }

    @Override
    public void mul(long x, long z, long y, long n) {
        ensureDevice();
        check(hvae4j_cuda_mul(x, z, y, n, streamAddress), "mul");
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
    public void biasAdd(long y, long bias, long rows, long cols) {
        ensureDevice();
        check(hvae4j_cuda_bias_add(y, bias, rows, cols, streamAddress), "biasAdd");
    }

    @Override
    public void activationForward(int act, float alpha, long x, long y, long n) {
        ensureDevice();
        check(hvae4j_cuda_activation_forward(act, alpha, x, y, n, streamAddress), "activation");
    }

    @Override
    public void activationBackward(int act, float alpha, long x, long y, long dy, long dx, long n) {
        ensureDevice();
        check(hvae4j_cuda_activation_backward(act, alpha, x, y, dy, dx, n, streamAddress), "activationBackward");
    }

    @Override
    public void sumRows(long x, long rows, long cols, float alpha, float beta, long out) {
        ensureDevice();
        check(hvae4j_cuda_sum_rows(x, rows, cols, alpha, beta, out, streamAddress), "sumRows");
    }

    @Override
    public void sumCols(long x, long rows, long cols, float alpha, float beta, long out) {
        ensureDevice();
        check(hvae4j_cuda_sum_cols(x, rows, cols, alpha, beta, out, streamAddress), "sumCols");
    }

    @Override
    public void sumSquares(long x, long n, boolean accumulate, long out) {
        ensureDevice();
        check(hvae4j_cuda_sum_squares(x, n, accumulate ? 1 : 0, out, streamAddress), "sumSquares");
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
    public void synchronize() {
        ensureDevice();
        checkCuda(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    @Override
    public void gaussianForward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long z, long kl, long logq, long logp) {
        ensureDevice();
        check(hvae4j_cuda_gaussian_forward(rows, cols, flags, qMu, qLv, pMu, pLv, seed, offset, offsetAdd, z, kl, logq,
                logp, streamAddress), "gaussianForward");
    }

    @Override
    public void gaussianBackward(long rows, long cols, int flags, long qMu, long qLv, long pMu, long pLv, long seed,
            long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp, long dqMu, long dqLv, long dpMu,
            long dpLv) {
        ensureDevice();
        check(hvae4j_cuda_gaussian_backward(rows, cols, flags, qMu, qLv, pMu, pLv, seed, offset, offsetAdd, dz, wKl,
                wLogq, wLogp, dqMu, dqLv, dpMu, dpLv, streamAddress), "gaussianBackward");
    }

    @Override
    public void bernoulliForward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long z, long kl, long logq, long logp) {
        ensureDevice();
        check(hvae4j_cuda_bernoulli_forward(rows, cols, estimator, tau, qLogits, pLogits, pLogit, seed, offset,
                offsetAdd, z, kl, logq, logp, streamAddress), "bernoulliForward");
    }

    @Override
    public void bernoulliBackward(long rows, long cols, int estimator, float tau, long qLogits, long pLogits,
            float pLogit, long seed, long offset, long offsetAdd, long dz, long wKl, long wLogq, long wLogp,
            long signal, long dqLogits, long dpLogits) {
        ensureDevice();
        check(hvae4j_cuda_bernoulli_backward(rows, cols, estimator, tau, qLogits, pLogits, pLogit, seed, offset,
                offsetAdd, dz, wKl, wLogq, wLogp, signal, dqLogits, dpLogits, streamAddress), "bernoulliBackward");
    }

    @Override
    public void bernoulliLikelihoodForward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long logp) {
        ensureDevice();
        check(hvae4j_cuda_bernoulli_likelihood_forward(rows, cols, xRows, logits, x, binarize ? 1 : 0, seed, offset,
                offsetAdd, logp, streamAddress), "bernoulliLikelihoodForward");
    }

    @Override
    public void bernoulliLikelihoodBackward(long rows, long cols, long xRows, long logits, long x, boolean binarize,
            long seed, long offset, long offsetAdd, long w, long dLogits) {
        ensureDevice();
        check(hvae4j_cuda_bernoulli_likelihood_backward(rows, cols, xRows, logits, x, binarize ? 1 : 0, seed, offset,
                offsetAdd, w, dLogits, streamAddress), "bernoulliLikelihoodBackward");
    }

    @Override
    public void gaussianLikelihoodForward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long logp) {
        ensureDevice();
        check(hvae4j_cuda_gaussian_likelihood_forward(rows, cols, xRows, mu, lv, lvConst, x, logp, streamAddress),
                "gaussianLikelihoodForward");
    }

    @Override
    public void gaussianLikelihoodBackward(long rows, long cols, long xRows, long mu, long lv, float lvConst, long x,
            long w, long dMu, long dLv) {
        ensureDevice();
        check(hvae4j_cuda_gaussian_likelihood_backward(rows, cols, xRows, mu, lv, lvConst, x, w, dMu, dLv, streamAddress),
                "gaussianLikelihoodBackward");
    }

    @Override
    public void iwae(long k, long batch, long logw, long bound, long wnorm, long wsq) {
        ensureDevice();
        check(hvae4j_cuda_iwae(k, batch, logw, bound, wnorm, wsq, streamAddress), "iwae");
    }

    @Override
    public void repeatRows(long x, long rows, long cols, long times, long y) {
        ensureDevice();
        check(hvae4j_cuda_repeat_rows(x, rows, cols, times, y, streamAddress), "repeatRows");
    }

    @Override
    public void sumRepeats(long x, long rows, long cols, long times, float beta, long y) {
        ensureDevice();
        check(hvae4j_cuda_sum_repeats(x, rows, cols, times, beta, y, streamAddress), "sumRepeats");
    }

    @Override
    public void precisionMerge(long n, long mh, long lvh, long mp, long lvp, long mq, long lvq) {
        ensureDevice();
        check(hvae4j_cuda_precision_merge(n, mh, lvh, mp, lvp, mq, lvq, streamAddress), "precisionMerge");
    }

    @Override
    public void precisionMergeBackward(long n, long mh, long lvh, long mp, long lvp, long dmq, long dlvq, long dmh,
            long dlvh, long dmp, long dlvp) {
        ensureDevice();
        check(hvae4j_cuda_precision_merge_backward(n, mh, lvh, mp, lvp, dmq, dlvq, dmh, dlvh, dmp, dlvp, streamAddress),
                "precisionMergeBackward");
    }

    @Override
    public void adam(long n, long param, long grad, long m, long v, float lr, float beta1, float beta2, float eps,
            float weightDecay, float c1, float c2, long gradScale) {
        ensureDevice();
        check(hvae4j_cuda_adam(n, param, grad, m, v, lr, beta1, beta2, eps, weightDecay, c1, c2, gradScale, streamAddress), "adam");
    }

    @Override
    public void binarize(long x, long n, long seed, long offset, long offsetAdd, long y) {
        ensureDevice();
        check(hvae4j_cuda_binarize(x, n, seed, offset, offsetAdd, y, streamAddress), "binarize");
    }

    @Override
    public void u64Update(long x, long value, boolean add) {
        ensureDevice();
        check(hvae4j_cuda_u64_update(x, value, add ? 1 : 0, streamAddress), "u64Update");
    }

    @Override
    public void adamPrepare(long normSq, long loss, float clip, float beta1, float beta2, long state) {
        ensureDevice();
        check(hvae4j_cuda_adam_prepare(normSq, loss, clip, beta1, beta2, state, streamAddress), "adamPrepare");
    }

    @Override
    public void adamDevice(long n, long param, long grad, long m, long v, float beta1, float beta2, float eps,
            float weightDecay, long state) {
        ensureDevice();
        check(hvae4j_cuda_adam_device(n, param, grad, m, v, beta1, beta2, eps, weightDecay, state, streamAddress),
                "adamDevice");
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
