package org.hvae4j.tensor;

import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.hvae4j.bridge.CudaNative;

/**
 * The CUDA backend of one device: our kernels and cuBLAS on one stream, memory through a caching allocator
 * over cudaMalloc. Created by {@link Backend#cuda(int)}, which reaches this class only by name so that CPU-only
 * use never loads a CUDA library.
 */
final class CudaBackend extends Backend {
    private final int index;
    private final CudaKernels kernels;
    private final String description;

    private CudaBackend(int index, CudaKernels kernels, String description) {
        super(new RawMemory() {
            @Override
            public long allocate(long bytes) {
                return kernels.allocate(bytes);
            }

            @Override
            public void free(long address) {
                kernels.free(address);
            }
        });
        this.index = index;
        this.kernels = kernels;
        this.description = description;
    }

    /** Opens device {@code index}, or throws BackendUnavailableException saying which piece is missing. */
    static Backend open(int index) {
        String platform = Loader.getPlatform();
        if (CudaNative.class.getResource(platform + "/libjniCudaNative.so") == null) {
            throw new BackendUnavailableException("hvae4j was built without its CUDA library (no nvcc was found "
                    + "at build time; build with -Dhvae4j.cuda=on on a machine with the CUDA toolkit)", null);
        }
        try {
            Loader.load(cudart.class);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("the CUDA runtime could not be loaded: " + rootMessage(e)
                    + " (is the NVIDIA driver installed, and libcudart.so.13 on the library path?)", e);
        }
        int[] count = new int[1];
        int err = cudart.cudaGetDeviceCount(count);
        if (err != 0) {
            throw new BackendUnavailableException("no usable CUDA device: " + CudaKernels.errorName(err), null);
        }
        if (index >= count[0]) {
            throw new BackendUnavailableException("CUDA device " + index + " was requested but "
                    + (count[0] == 0 ? "none is present" : "only " + count[0] + " present"), null);
        }
        try {
            CudaNative.ensureLoaded();
        } catch (LinkageError e) {
            throw new BackendUnavailableException("hvae4j's CUDA library could not be loaded: " + rootMessage(e), e);
        }
        try {
            Loader.load(cublas.class);
        } catch (LinkageError e) {
            throw new BackendUnavailableException("cuBLAS could not be loaded: " + rootMessage(e)
                    + " (install the CUDA toolkit's libcublas.so.13 and libcublasLt.so.13, or put them on "
                    + "LD_LIBRARY_PATH)", e);
        }
        CudaKernels kernels = new CudaKernels(index);
        cudaDeviceProp prop = new cudaDeviceProp();
        CudaKernels.checkCuda(cudart.cudaGetDeviceProperties(prop, index), "cudaGetDeviceProperties");
        int[] driver = new int[1];
        int[] runtime = new int[1];
        cudart.cudaDriverGetVersion(driver);
        cudart.cudaRuntimeGetVersion(runtime);
        String description = "cuda:" + index + " (" + prop.name().getString() + ", sm_" + prop.major() + prop.minor()
                + ", " + (prop.totalGlobalMem() >> 20) + " MiB, driver " + version(driver[0]) + ", runtime "
                + version(runtime[0]) + ")";
        return new CudaBackend(index, kernels, description);
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    @Override
    public Device device() {
        return Device.cuda(index);
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    @Override
    StepGraph capture(Runnable work) {
        return CudaStepGraph.capture(kernels, allocator(), work);
    }

    @Override
    public long memoryCapacity() {
        CudaKernels.checkCuda(cudart.cudaSetDevice(index), "cudaSetDevice");
        try (org.bytedeco.javacpp.SizeTPointer free = new org.bytedeco.javacpp.SizeTPointer(1);
                org.bytedeco.javacpp.SizeTPointer total = new org.bytedeco.javacpp.SizeTPointer(1)) {
            CudaKernels.checkCuda(cudart.cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return free.get() + memoryStats().bytesCached();
        }
    }

    /** cuDNN, loaded when the first convolution runs on this device. */
    @Override
    Convolutions openConvolutions() {
        return CudnnConvolutions.open(kernels);
    }

    @Override
    public String describe() {
        return description;
    }
}
