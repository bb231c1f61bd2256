package org.hvae4j.tensor;

import static org.bytedeco.cuda.global.cudnn.*;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.cuda.cudnn.cudnnContext;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdDataAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionBwdFilterAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionFwdAlgoPerf_t;
import org.bytedeco.cuda.cudnn.cudnnConvolutionStruct;
import org.bytedeco.cuda.cudnn.cudnnFilterStruct;
import org.bytedeco.cuda.cudnn.cudnnTensorStruct;
import org.bytedeco.cuda.global.cudnn;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The CUDA backend's convolutions on cuDNN (the JavaCPP CUDA presets), on the backend's stream: float32 NCHW
 * tensors, KCRS filters, cross-correlation (as PyTorch and oneDNN compute it), FMA math (no TF32, so the results
 * match the CPU backend's to float32 rounding). One set of descriptors and algorithms per geometry and batch size,
 * chosen once by cuDNN's heuristics among the deterministic algorithms whose workspace fits, and a workspace of
 * the plan's own (a recorded CUDA graph keeps the addresses it was recorded with, so no plan's workspace moves). At
 * most {@link DnnlConvolutions#KEYS} shapes are kept; the least recently used are freed beyond that.
 */
final class CudnnConvolutions implements Convolutions {
    private static final long WORKSPACE_LIMIT = 256L << 20;
    private final CudaKernels kernels;
    private final cudnnContext handle = new cudnnContext();
    private final FloatPointer one = new FloatPointer(1f);
    private final FloatPointer zero = new FloatPointer(0f);
    private final LinkedHashMap<Key, Plan> plans = new LinkedHashMap<>(16, 0.75f, true);

    private record Key(Conv2d g, int n) {}

    private CudnnConvolutions(CudaKernels kernels) {
        this.kernels = kernels;
    }

    /** Loads cuDNN and binds a handle to the backend's stream, or throws BackendUnavailableException. */
    static CudnnConvolutions open(CudaKernels kernels) {
        try {
            Loader.load(cudnn.class);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("cuDNN (the CUDA backend's convolutions) could not be loaded: "
                    + Backend.rootMessage(e) + " (install cuDNN 9 for CUDA 13, e.g. the nvidia-cudnn-cu13 Python "
                    + "wheel, and put its libcudnn*.so.9 on LD_LIBRARY_PATH)", e);
        }
        CudnnConvolutions c = new CudnnConvolutions(kernels);
        kernels.ensureDevice();
        check(cudnnCreate(c.handle), "cudnnCreate", null);
        check(cudnnSetStream(c.handle, kernels.cudaStream()), "cudnnSetStream", null);
        return c;
    }

    @Override
    public synchronized void forward(Conv2d g, int n, long x, long w, long bias, long y) {
        Plan p = plan(g, n);
        check(cudnnConvolutionForward(handle, one, p.x, at(x), p.w, at(w), p.conv, p.fwdAlgo, at(p.workspace),
                p.workspaceBytes, zero, p.y, at(y)), "cudnnConvolutionForward", p.key);
        if (bias != 0) {
            check(cudnnAddTensor(handle, one, p.bias, at(bias), one, p.y, at(y)), "cudnnAddTensor", p.key);
        }
    }

    @Override
    public synchronized void backwardData(Conv2d g, int n, long dy, long w, long dx) {
        Plan p = plan(g, n);
        check(cudnnConvolutionBackwardData(handle, one, p.w, at(w), p.y, at(dy), p.conv, p.dataAlgo, at(p.workspace),
                p.workspaceBytes, zero, p.x, at(dx)), "cudnnConvolutionBackwardData", p.key);
    }

    @Override
    public synchronized void backwardWeights(Conv2d g, int n, long x, long dy, long dw, long dbias) {
        Plan p = plan(g, n);
        check(cudnnConvolutionBackwardFilter(handle, one, p.x, at(x), p.y, at(dy), p.conv, p.filterAlgo,
                at(p.workspace), p.workspaceBytes, zero, p.w, at(dw)), "cudnnConvolutionBackwardFilter", p.key);
        if (dbias != 0) {
            check(cudnnConvolutionBackwardBias(handle, one, p.y, at(dy), zero, p.bias, at(dbias)),
                    "cudnnConvolutionBackwardBias", p.key);
        }
    }

    @Override
    public synchronized String describe(Conv2d g, int n) {
        Plan p = plan(g, n);
        return "cuDNN " + cudnnGetVersion() + " (forward algorithm " + p.fwdAlgo + ", backward data " + p.dataAlgo
                + ", backward filter " + p.filterAlgo + ")";
    }

    private static Pointer at(long address) {
        return CudaKernels.at(address);
    }

    private Plan plan(Conv2d g, int n) {
        kernels.ensureDevice();
        Key key = new Key(g, n);
        Plan p = plans.get(key);
        if (p == null) {
            p = new Plan(key);
            plans.put(key, p);
            Iterator<Map.Entry<Key, Plan>> it = plans.entrySet().iterator();
            while (plans.size() > DnnlConvolutions.KEYS && it.hasNext()) {
                it.next().getValue().destroy();
                it.remove();
            }
        }
        return p;
    }

    /** Descriptors of one geometry and batch size, and the algorithm of each direction. */
    private final class Plan {
        final Key key;
        final cudnnTensorStruct x = new cudnnTensorStruct();
        final cudnnTensorStruct y = new cudnnTensorStruct();
        final cudnnTensorStruct bias = new cudnnTensorStruct();
        final cudnnFilterStruct w = new cudnnFilterStruct();
        final cudnnConvolutionStruct conv = new cudnnConvolutionStruct();
        final int fwdAlgo;
        final int dataAlgo;
        final int filterAlgo;
        final long workspaceBytes;
        long workspace;

        Plan(Key key) {
            this.key = key;
            Conv2d g = key.g();
            int n = key.n();
            try {
                check(cudnnCreateTensorDescriptor(x), "cudnnCreateTensorDescriptor", key);
                check(cudnnCreateTensorDescriptor(y), "cudnnCreateTensorDescriptor", key);
                check(cudnnCreateTensorDescriptor(bias), "cudnnCreateTensorDescriptor", key);
                check(cudnnCreateFilterDescriptor(w), "cudnnCreateFilterDescriptor", key);
                check(cudnnCreateConvolutionDescriptor(conv), "cudnnCreateConvolutionDescriptor", key);
                check(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, g.inChannels(), g.height(),
                        g.width()), "cudnnSetTensor4dDescriptor", key);
                check(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, g.outChannels(),
                        g.outHeight(), g.outWidth()), "cudnnSetTensor4dDescriptor", key);
                check(cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, g.outChannels(), 1, 1),
                        "cudnnSetTensor4dDescriptor", key);
                check(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, g.outChannels(),
                        g.inChannels() / g.groups(), g.kernelH(), g.kernelW()), "cudnnSetFilter4dDescriptor", key);
                check(cudnnSetConvolution2dDescriptor(conv, g.padding(), g.padding(), g.stride(), g.stride(), 1, 1,
                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor", key);
                check(cudnnSetConvolutionGroupCount(conv, g.groups()), "cudnnSetConvolutionGroupCount", key);
                check(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH), "cudnnSetConvolutionMathType", key);
                long[] need = new long[3];
                fwdAlgo = forwardAlgorithm(need);
                dataAlgo = dataAlgorithm(need);
                filterAlgo = filterAlgorithm(need);
                workspaceBytes = Math.max(need[0], Math.max(need[1], need[2]));
                workspace = workspaceBytes == 0 ? 0 : kernels.allocate(workspaceBytes);
            } catch (RuntimeException e) {
                destroy();
                throw e;
            }
        }

        private static final int CANDIDATES = 8;

        private int forwardAlgorithm(long[] need) {
            try (IntPointer count = new IntPointer(1);
                    cudnnConvolutionFwdAlgoPerf_t perf = new cudnnConvolutionFwdAlgoPerf_t(CANDIDATES)) {
                check(cudnnGetConvolutionForwardAlgorithm_v7(handle, x, w, conv, y, CANDIDATES, count, perf),
                        "cudnnGetConvolutionForwardAlgorithm_v7", key);
                for (int i = 0; i < count.get(); i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS && perf.memory() <= WORKSPACE_LIMIT) {
                        need[0] = perf.memory();
                        return perf.algo();
                    }
                }
            }
            throw unsupported("forward");
        }

        private int dataAlgorithm(long[] need) {
            try (IntPointer count = new IntPointer(1);
                    cudnnConvolutionBwdDataAlgoPerf_t perf = new cudnnConvolutionBwdDataAlgoPerf_t(CANDIDATES)) {
                check(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, w, y, conv, x, CANDIDATES, count, perf),
                        "cudnnGetConvolutionBackwardDataAlgorithm_v7", key);
                for (int i = 0; i < count.get(); i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS && perf.determinism() == CUDNN_DETERMINISTIC
                            && perf.memory() <= WORKSPACE_LIMIT) {
                        need[1] = perf.memory();
                        return perf.algo();
                    }
                }
            }
            throw unsupported("backward data");
        }

        private int filterAlgorithm(long[] need) {
            try (IntPointer count = new IntPointer(1);
                    cudnnConvolutionBwdFilterAlgoPerf_t perf = new cudnnConvolutionBwdFilterAlgoPerf_t(CANDIDATES)) {
                check(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, x, y, conv, w, CANDIDATES, count, perf),
                        "cudnnGetConvolutionBackwardFilterAlgorithm_v7", key);
                for (int i = 0; i < count.get(); i++) {
                    perf.position(i);
                    if (perf.status() == CUDNN_STATUS_SUCCESS && perf.determinism() == CUDNN_DETERMINISTIC
                            && perf.memory() <= WORKSPACE_LIMIT) {
                        need[2] = perf.memory();
                        return perf.algo();
                    }
                }
            }
            throw unsupported("backward filter");
        }

        private RuntimeException unsupported(String direction) {
            return new CudaException("choosing a cuDNN " + direction + " algorithm for " + key.g() + ", batch "
                    + key.n() + " (none deterministic within " + (WORKSPACE_LIMIT >> 20) + " MiB of workspace)",
                    "CUDNN_STATUS_NOT_SUPPORTED", CUDNN_STATUS_NOT_SUPPORTED);
        }

        void destroy() {
            if (workspace != 0) {
                kernels.free(workspace);
                workspace = 0;
            }
            if (!x.isNull()) {
                cudnnDestroyTensorDescriptor(x);
            }
            if (!y.isNull()) {
                cudnnDestroyTensorDescriptor(y);
            }
            if (!bias.isNull()) {
                cudnnDestroyTensorDescriptor(bias);
            }
            if (!w.isNull()) {
                cudnnDestroyFilterDescriptor(w);
            }
            if (!conv.isNull()) {
                cudnnDestroyConvolutionDescriptor(conv);
            }
        }
    }

    private static void check(int status, String call, Key key) {
        if (status == CUDNN_STATUS_SUCCESS) {
            return;
        }
        String name = cudnnGetErrorString(status).getString();
        String op = call + (key == null ? "" : " (" + key.g() + ", batch " + key.n() + ")");
        if (status == CUDNN_STATUS_ALLOC_FAILED) {
            throw new GpuOutOfMemoryException(op, name, status);
        }
        throw new CudaException(op, name, status);
    }
}
