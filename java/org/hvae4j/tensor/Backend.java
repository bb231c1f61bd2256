package org.hvae4j.tensor;

import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A place to compute: {@link #cpu()} (our C++ kernels and OpenBLAS) or {@link #cuda(int)} (our CUDA kernels and
 * cuBLAS). Both run the same functions. A backend creates tensors in its memory and runs the dense algebra of
 * MLPs on them, checking shapes and devices first: a mismatch is an IllegalArgumentException naming the shapes.
 *
 * <p>Operations on the GPU are enqueued on one stream per backend and return at once; reading a result into
 * Java ({@link Tensor#toArray()}, {@link #globalNorm}) waits for them.
 */
public abstract class Backend {
    private static final System.Logger LOG = System.getLogger("org.hvae4j");
    private static final Map<Integer, Backend> CUDA = new ConcurrentHashMap<>();
    // The first failure names the real cause; later touches of a class whose initialisation failed only say
    // NoClassDefFoundError, so the first answer is kept and repeated.
    private static final Map<Integer, BackendUnavailableException> CUDA_FAILURES = new ConcurrentHashMap<>();
    private static volatile String autoFallbackLogged;

    private final CachingAllocator allocator;

    Backend(RawMemory raw) {
        this.allocator = new CachingAllocator(raw);
    }

    /** The CPU backend (one per process). */
    public static Backend cpu() {
        return CpuBackend.INSTANCE;
    }

    /**
     * The CUDA backend of device {@code index} (one per device per process). Throws
     * {@link BackendUnavailableException} naming the cause when hvae4j was built without CUDA, the driver, the
     * CUDA runtime or cuBLAS cannot be loaded, or there is no such device. The CUDA libraries are first touched
     * here: CPU-only use never loads them.
     */
    /** The version of the JavaCPP CUDA presets this build is compiled against. */
    static final String CUDA_PRESETS = "13.1-9.19-1.5.13";

    public static Backend cuda(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        }
        BackendUnavailableException failed = CUDA_FAILURES.get(index);
        if (failed != null) {
            throw new BackendUnavailableException(failed.getMessage(), failed);
        }
        try {
            return CUDA.computeIfAbsent(index, Backend::createCuda);
        } catch (BackendUnavailableException e) {
            CUDA_FAILURES.putIfAbsent(index, e);
            throw e;
        }
    }

    private static Backend createCuda(int index) {
        if (Backend.class.getClassLoader().getResource("org/bytedeco/cuda/global/cudart.class") == null) {
            throw new BackendUnavailableException("the JavaCPP CUDA presets are not on the class path: for GPU use add "
                    + "the dependencies org.bytedeco:cuda:" + CUDA_PRESETS + " and org.bytedeco:cuda:" + CUDA_PRESETS
                    + ":linux-x86_64 (optional dependencies of hvae4j; see its README)", null);
        }
        try {
            // By name, so that no class of the CUDA path is loaded before a CUDA backend is asked for.
            Class<?> c = Class.forName("org.hvae4j.tensor.CudaBackend", true, Backend.class.getClassLoader());
            return (Backend) c.getDeclaredMethod("open", int.class).invoke(null, index);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new BackendUnavailableException("CUDA backend unavailable: " + rootMessage(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new BackendUnavailableException("CUDA backend unavailable: " + rootMessage(e), e);
        }
    }

    /**
     * Why the last {@link #auto()} fell back to the CPU (null when it did not, or was not called): the message of the
     * CUDA backend's failure.
     */
    public static String autoFallbackReason() {
        return autoFallbackLogged;
    }

    /** CUDA device 0 when usable, otherwise the CPU (logging why, once). */
    public static Backend auto() {
        return auto(0);
    }

    /** CUDA device {@code index} when usable, otherwise the CPU (logging why, once). */
    public static Backend auto(int index) {
        try {
            return cuda(index);
        } catch (BackendUnavailableException e) {
            String why = e.getMessage();
            if (!why.equals(autoFallbackLogged)) {
                autoFallbackLogged = why;
                LOG.log(Level.INFO, "Using the CPU backend: " + why);
            }
            return cpu();
        }
    }

    /** Parses "cpu", "cuda", "cuda:N" or "auto". */
    public static Backend byName(String name) {
        return byName(name, 0);
    }

    /**
     * Parses "cpu", "cuda", "cuda:N" or "auto", where "cuda" and "auto" mean device {@code defaultCuda} (a process's
     * own GPU when one process runs per GPU).
     */
    public static Backend byName(String name, int defaultCuda) {
        String n = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("cpu")) {
            return cpu();
        }
        if (n.equals("auto")) {
            return auto(defaultCuda);
        }
        if (n.equals("cuda") || n.equals("gpu")) {
            return cuda(defaultCuda);
        }
        if (n.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(n.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CUDA device in '" + name + "'");
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, cuda, cuda:N or auto)");
    }

    static String rootMessage(Throwable t) {
        // JavaCPP's UnsatisfiedLinkError says "no jniX in java.library.path" and hides the real reason
        // (a missing libcuda.so.1, say) in its causes: report the deepest one, and the top one beside it.
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        String deep = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return root == t || top.equals(deep) ? top : deep + " (while: " + top + ")";
    }

    // ---- identity -------------------------------------------------------------------------------------------

    public abstract Device device();

    /** The raw kernels of this backend (no shape checks). */
    public abstract Kernels kernels();

    /** A human-readable description (device name, library versions). */
    public abstract String describe();

    /** Counters of this backend's caching allocator. */
    /**
     * Bytes of memory this backend can hold tensors in, for size checks before allocation: the machine's physical
     * memory on the CPU, the device memory free now (plus what this backend's cache holds) on a GPU.
     */
    public abstract long memoryCapacity();

    public CachingAllocator.Stats memoryStats() {
        return allocator.stats();
    }

    /** Returns cached free blocks to the system (cudaFree / free). */
    public void emptyCache() {
        synchronize();
        allocator.emptyCache();
    }

    public void synchronize() {
        kernels().synchronize();
    }

    /** See {@link StepGraph#capture}: the CPU records nothing and runs the work at each launch. */
    StepGraph capture(Runnable work) {
        return new StepGraph.Eager(work);
    }

    CachingAllocator allocator() {
        return allocator;
    }

    @Override
    public String toString() {
        return device().toString();
    }

    // ---- memory ---------------------------------------------------------------------------------------------

    /** A new tensor with unspecified contents. */
    public Tensor empty(int... dims) {
        Shape shape = Shape.of(dims);
        long bytes = shape.numel() * Float.BYTES;
        long address = allocator.allocate(bytes);
        return new Tensor(new Tensor.Storage(this, address, bytes), 0, shape, true);
    }

    public Tensor zeros(int... dims) {
        return full(0f, dims);
    }

    public Tensor full(float value, int... dims) {
        Tensor t = empty(dims);
        kernels().fill(t.address(), value, t.numel());
        return t;
    }

    /** A tensor holding a copy of {@code data}, whose length must equal the product of {@code dims}. */
    public Tensor fromArray(float[] data, int... dims) {
        Shape shape = Shape.of(dims);
        if (data == null || data.length != shape.numel()) {
            throw new IllegalArgumentException("array of " + (data == null ? "null" : data.length + " elements")
                    + " does not fill shape " + shape + " (" + shape.numel() + " elements)");
        }
        Tensor t = empty(dims);
        kernels().copyFromHost(data, 0, t.address(), data.length);
        return t;
    }

    void release(Tensor.Storage storage) {
        allocator.release(storage.address, storage.bytes);
    }

    float[] toArray(Tensor t) {
        float[] out = new float[Math.toIntExact(t.numel())];
        kernels().copyToHost(t.address(), out, 0, out.length);
        return out;
    }

    /** Copies {@code src} into {@code dst} (same number of elements), across devices if needed. */
    public void copy(Tensor src, Tensor dst) {
        if (src.numel() != dst.numel()) {
            throw new IllegalArgumentException("copy: source " + src.shape() + " and destination " + dst.shape()
                    + " differ in size");
        }
        Backend sb = src.backend();
        Backend db = dst.backend();
        if (sb == db) {
            sb.kernels().copy(src.address(), dst.address(), src.numel() * Float.BYTES);
        } else {
            // Between devices through a host array: simple, and only used outside training steps.
            float[] staging = src.toArray();
            db.kernels().copyFromHost(staging, 0, dst.address(), staging.length);
        }
    }

    /** Copies a Java array into an existing tensor of the same number of elements. */
    public void copyFrom(float[] src, Tensor dst) {
        own(dst, "copyFrom");
        if (src.length != dst.numel()) {
            throw new IllegalArgumentException("copyFrom: array of " + src.length + " elements into tensor "
                    + dst.shape());
        }
        kernels().copyFromHost(src, 0, dst.address(), src.length);
    }

    // ---- checks ---------------------------------------------------------------------------------------------

    void own(Tensor t, String op) {
        t.checkOpen();
        if (t.backend() != this) {
            throw new IllegalArgumentException(op + ": tensor " + t.shape() + " is on " + t.device()
                    + ", this backend is " + device());
        }
    }

    static void sameShape(Tensor a, Tensor b, String op, String an, String bn) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(op + ": " + an + " " + a.shape() + " and " + bn + " " + b.shape()
                    + " must have the same shape");
        }
    }

    // ---- dense algebra --------------------------------------------------------------------------------------

    /**
     * c = alpha · op(a) · op(b) + beta · c, with op the transpose when asked; a, b and c are read as matrices
     * (rows × cols). beta = 0 overwrites c whatever it held.
     */
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta) {
        own(a, "matmul");
        own(b, "matmul");
        own(c, "matmul");
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb) {
            throw new IllegalArgumentException("matmul: A" + (transA ? "ᵀ " : " ") + a.shape() + " and B"
                    + (transB ? "ᵀ " : " ") + b.shape() + " do not fit: inner dimensions " + k + " and " + kb);
        }
        if (c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("matmul: result C " + c.shape() + " must be [" + m + ", " + n
                    + "] for A" + (transA ? "ᵀ " : " ") + a.shape() + " and B" + (transB ? "ᵀ " : " ") + b.shape());
        }
        kernels().gemm(transA, transB, m, n, k, alpha, a.address(), a.cols(), b.address(), b.cols(), beta,
                c.address(), c.cols());
    }

    /** c = a · b (a new tensor). */
    public Tensor matmul(Tensor a, Tensor b) {
        Tensor c = empty(a.rows(), b.cols());
        try {
            matmul(a, false, b, false, c, 1f, 0f);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** y[r, :] += bias for every row r; bias has y.cols() elements. */
    public void biasAdd(Tensor y, Tensor bias) {
        own(y, "biasAdd");
        own(bias, "biasAdd");
        if (bias.numel() != y.cols()) {
            throw new IllegalArgumentException("biasAdd: bias " + bias.shape() + " does not match the "
                    + y.cols() + " columns of " + y.shape());
        }
        kernels().biasAdd(y.address(), bias.address(), y.rows(), y.cols());
    }

    /** y = f(x); y may be x. */
    public void activation(Activation f, Tensor x, Tensor y) {
        own(x, "activation");
        own(y, "activation");
        sameShape(x, y, "activation", "x", "y");
        kernels().activationForward(f.code(), f.alpha(), x.address(), y.address(), x.numel());
    }

    /** dx = dy ⊙ f'(x), given x and y = f(x) from the forward pass; dx may be dy. */
    public void activationBackward(Activation f, Tensor x, Tensor y, Tensor dy, Tensor dx) {
        for (Tensor t : new Tensor[] {x, y, dy, dx}) {
            own(t, "activationBackward");
        }
        sameShape(x, y, "activationBackward", "x", "y");
        sameShape(x, dy, "activationBackward", "x", "dy");
        sameShape(x, dx, "activationBackward", "x", "dx");
        kernels().activationBackward(f.code(), f.alpha(), x.address(), y.address(), dy.address(), dx.address(),
                x.numel());
    }

    /** out = alpha · (sum over the rows of x) + beta · out; out has x.cols() elements (bias gradients). */
    public void sumRows(Tensor x, Tensor out, float alpha, float beta) {
        own(x, "sumRows");
        own(out, "sumRows");
        if (out.numel() != x.cols()) {
            throw new IllegalArgumentException("sumRows: out " + out.shape() + " must have the " + x.cols()
                    + " columns of x " + x.shape());
        }
        kernels().sumRows(x.address(), x.rows(), x.cols(), alpha, beta, out.address());
    }

    /** out = alpha · (sum over the columns of x) + beta · out; out has x.rows() elements. */
    public void sumCols(Tensor x, Tensor out, float alpha, float beta) {
        own(x, "sumCols");
        own(out, "sumCols");
        if (out.numel() != x.rows()) {
            throw new IllegalArgumentException("sumCols: out " + out.shape() + " must have the " + x.rows()
                    + " rows of x " + x.shape());
        }
        kernels().sumCols(x.address(), x.rows(), x.cols(), alpha, beta, out.address());
    }

    /** out[0] = Σ x² over every tensor (a one-element tensor of this backend; no host synchronization). */
    public void sumSquares(List<Tensor> xs, Tensor out) {
        own(out, "sumSquares");
        if (out.numel() != 1) {
            throw new IllegalArgumentException("sumSquares: out must have one element, not " + out.shape());
        }
        boolean accumulate = false;
        for (Tensor x : xs) {
            own(x, "sumSquares");
            kernels().sumSquares(x.address(), x.numel(), accumulate, out.address());
            accumulate = true;
        }
        if (!accumulate) {
            kernels().fill(out.address(), 0f, 1);
        }
    }

    /** √(Σ x²) over every tensor: the global norm used for gradient clipping (waits for the device). */
    public float globalNorm(List<Tensor> xs) {
        try (Tensor out = empty(1)) {
            sumSquares(xs, out);
            return (float) Math.sqrt(out.item());
        }
    }

    public void fill(Tensor y, float value) {
        own(y, "fill");
        kernels().fill(y.address(), value, y.numel());
    }

    /** y = alpha x + beta y. */
    public void axpby(float alpha, Tensor x, float beta, Tensor y) {
        own(x, "axpby");
        own(y, "axpby");
        sameShape(x, y, "axpby", "x", "y");
        kernels().axpby(alpha, x.address(), beta, y.address(), x.numel());
    }

    /** y = x ⊙ z. */
    public void mul(Tensor x, Tensor z, Tensor y) {
        own(x, "mul");
        own(z, "mul");
        own(y, "mul");
        sameShape(x, z, "mul", "x", "z");
        sameShape(x, y, "mul", "x", "y");
        kernels().mul(x.address(), z.address(), y.address(), x.numel());
    }

    /** y = k stacked copies of x (sample-major: rows s·x.rows() + r): the k importance samples of a batch. */
    public void repeatRows(Tensor x, int k, Tensor y) {
        own(x, "repeatRows");
        own(y, "repeatRows");
        if (k < 0 || y.rows() != (long) x.rows() * k || y.cols() != x.cols()) {
            throw new IllegalArgumentException("repeatRows: y " + y.shape() + " must hold " + k + " copies of x "
                    + x.shape());
        }
        kernels().repeatRows(x.address(), x.rows(), x.cols(), k, y.address());
    }

    /** y = Σ_s x[s·y.rows() + r] + beta·y: the adjoint of {@link #repeatRows}. */
    public void sumRepeats(Tensor x, int k, Tensor y, float beta) {
        own(x, "sumRepeats");
        own(y, "sumRepeats");
        if (k < 0 || x.rows() != (long) y.rows() * k || y.cols() != x.cols()) {
            throw new IllegalArgumentException("sumRepeats: x " + x.shape() + " must hold " + k + " blocks of y "
                    + y.shape());
        }
        kernels().sumRepeats(x.address(), y.rows(), y.cols(), k, beta, y.address());
    }

    // ---- convolutions (float32 NCHW; see Conv2d) -----------------------------------------------------------

    private volatile Convolutions convolutions;
    private BackendUnavailableException convolutionsFailure;

    /** Loads this backend's convolution library (oneDNN on the CPU, cuDNN on CUDA). */
    abstract Convolutions openConvolutions();

    /**
     * This backend's convolution library, loaded on first use; a failure to load it is a
     * BackendUnavailableException naming the library, kept and repeated on every later call.
     */
    final Convolutions convolutions() {
        Convolutions c = convolutions;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (convolutions == null) {
                if (convolutionsFailure != null) {
                    throw new BackendUnavailableException(convolutionsFailure.getMessage(), convolutionsFailure);
                }
                try {
                    convolutions = openConvolutions();
                } catch (LinkageError e) {
                    convolutionsFailure = new BackendUnavailableException("the convolution library of " + device()
                            + " could not be loaded: " + rootMessage(e), e);
                    throw convolutionsFailure;
                } catch (BackendUnavailableException e) {
                    convolutionsFailure = e;
                    throw e;
                }
            }
            return convolutions;
        }
    }

    /** y = conv(x, w) + bias: x holds N images of {@code g}'s input, y N of its output; bias may be null. */
    public void conv2d(Conv2d g, Tensor x, Tensor w, Tensor bias, Tensor y) {
        int n = images(g, x, g.inSize(), "conv2d", "x", "input");
        checkImages(g, y, n, g.outSize(), "conv2d", "y", "output");
        checkConvParams(g, w, bias, "conv2d", "w", "bias");
        distinct(x, y, "conv2d", "x", "y");
        if (n > 0) {
            convolutions().forward(g, n, x.address(), w.address(), bias == null ? 0 : bias.address(), y.address());
        }
    }

    /** dx = the gradient of Σ dy·conv(x, w) with respect to x (overwritten). */
    public void conv2dBackwardData(Conv2d g, Tensor dy, Tensor w, Tensor dx) {
        int n = images(g, dy, g.outSize(), "conv2dBackwardData", "dy", "output");
        checkImages(g, dx, n, g.inSize(), "conv2dBackwardData", "dx", "input");
        checkConvParams(g, w, null, "conv2dBackwardData", "w", "bias");
        distinct(dy, dx, "conv2dBackwardData", "dy", "dx");
        if (n > 0) {
            convolutions().backwardData(g, n, dy.address(), w.address(), dx.address());
        } else {
            fill(dx, 0f);
        }
    }

    /**
     * dw, and dbias when not null, = the gradients of Σ dy·(conv(x, w) + bias) with respect to the weights and the
     * bias (overwritten; add them to a running gradient with {@link #axpby}).
     */
    public void conv2dBackwardWeights(Conv2d g, Tensor x, Tensor dy, Tensor dw, Tensor dbias) {
        int n = images(g, x, g.inSize(), "conv2dBackwardWeights", "x", "input");
        checkImages(g, dy, n, g.outSize(), "conv2dBackwardWeights", "dy", "output");
        checkConvParams(g, dw, dbias, "conv2dBackwardWeights", "dw", "dbias");
        if (n > 0) {
            convolutions().backwardWeights(g, n, x.address(), dy.address(), dw.address(),
                    dbias == null ? 0 : dbias.address());
        } else {
            fill(dw, 0f);
            if (dbias != null) {
                fill(dbias, 0f);
            }
        }
    }

    /** The library and implementation that run {@code g} at batch size {@code n} here (for benchmarks). */
    public String convolutionImplementation(Conv2d g, int n) {
        return convolutions().describe(g, n);
    }

    // ---- spatial helpers of convolutional cells (images N x C x H x W, row-major) ------------------------------

    /**
     * y = x upsampled by {@code factor} (nearest neighbour): x holds planes of h × w (any number of images and
     * channels), y the same planes at (h·factor) × (w·factor).
     */
    public void upsampleNearest(Tensor x, int h, int w, int factor, Tensor y) {
        long planes = planes(x, h, w, factor, y, "upsampleNearest", "x", "y");
        kernels().upsampleNearest(x.address(), planes, h, w, factor, y.address());
    }

    /** dx = the adjoint of {@link #upsampleNearest} applied to dy (each factor × factor block summed); h, w of dx. */
    public void upsampleNearestBackward(Tensor dy, int h, int w, int factor, Tensor dx) {
        long planes = planes(dx, h, w, factor, dy, "upsampleNearestBackward", "dx", "dy");
        kernels().upsampleNearestBackward(dy.address(), planes, h, w, factor, dx.address());
    }

    private long planes(Tensor small, int h, int w, int factor, Tensor big, String op, String sn, String bn) {
        own(small, op);
        own(big, op);
        if (h <= 0 || w <= 0 || factor < 1) {
            throw new IllegalArgumentException(op + ": planes of " + h + "x" + w + " and factor " + factor
                    + " (sizes must be > 0, the factor >= 1)");
        }
        long plane = (long) h * w;
        if (small.numel() % plane != 0) {
            throw new IllegalArgumentException(op + ": " + sn + " " + small.shape() + " is not made of " + h + "x" + w
                    + " planes");
        }
        long planes = small.numel() / plane;
        if (big.numel() != planes * plane * factor * factor) {
            throw new IllegalArgumentException(op + ": " + bn + " " + big.shape() + " must hold the " + planes + " planes"
                    + " of " + sn + " at " + (h * factor) + "x" + (w * factor));
        }
        distinct(small, big, op, sn, bn);
        return planes;
    }

    /** y[r, :] = s[r] · x[r, :] (y may be x): x as rows × cols, s one value per row. */
    public void scaleRows(Tensor x, Tensor s, Tensor y) {
        own(x, "scaleRows");
        own(s, "scaleRows");
        own(y, "scaleRows");
        sameShape(x, y, "scaleRows", "x", "y");
        if (s.numel() != x.rows()) {
            throw new IllegalArgumentException("scaleRows: s " + s.shape() + " must hold one value per row of x "
                    + x.shape());
        }
        kernels().scaleRows(x.address(), s.address(), x.rows(), x.cols(), y.address());
    }

    /** out[r] = Σ_c x[r, c]·z[r, c] + beta·out[r] (summed in double). */
    public void rowDot(Tensor x, Tensor z, float beta, Tensor out) {
        own(x, "rowDot");
        own(z, "rowDot");
        own(out, "rowDot");
        sameShape(x, z, "rowDot", "x", "z");
        if (out.numel() != x.rows()) {
            throw new IllegalArgumentException("rowDot: out " + out.shape() + " must hold one value per row of x "
                    + x.shape());
        }
        kernels().rowDot(x.address(), z.address(), x.rows(), x.cols(), beta, out.address());
    }

    /**
     * Weight normalization: v is read as g.numel() rows (one per output unit or channel), norm[r] = ‖v[r]‖ and
     * w[r] = g[r]·v[r]/norm[r]; w has v's size.
     */
    public void weightNorm(Tensor v, Tensor g, Tensor w, Tensor norm) {
        int rows = weightNormRows(v, g, norm, "weightNorm");
        own(w, "weightNorm");
        if (w.numel() != v.numel()) {
            throw new IllegalArgumentException("weightNorm: w " + w.shape() + " must have v's size " + v.shape());
        }
        kernels().weightNorm(v.address(), g.address(), rows, v.numel() / rows, w.address(), norm.address());
    }

    /** The gradients of {@link #weightNorm} from dw into dv and dg (each = new + beta·old). */
    public void weightNormBackward(Tensor v, Tensor g, Tensor norm, Tensor dw, float beta, Tensor dv, Tensor dg) {
        int rows = weightNormRows(v, g, norm, "weightNormBackward");
        for (Tensor t : new Tensor[] {dw, dv}) {
            own(t, "weightNormBackward");
            if (t.numel() != v.numel()) {
                throw new IllegalArgumentException("weightNormBackward: " + t.shape() + " must have v's size "
                        + v.shape());
            }
        }
        own(dg, "weightNormBackward");
        sameShape(g, dg, "weightNormBackward", "g", "dg");
        kernels().weightNormBackward(v.address(), g.address(), norm.address(), dw.address(), rows, v.numel() / rows,
                beta, dv.address(), dg.address());
    }

    private int weightNormRows(Tensor v, Tensor g, Tensor norm, String op) {
        own(v, op);
        own(g, op);
        own(norm, op);
        long rows = g.numel();
        if (rows == 0 || v.numel() % rows != 0 || norm.numel() != rows) {
            throw new IllegalArgumentException(op + ": v " + v.shape() + " must split into g.numel() = " + rows
                    + " rows, and norm " + norm.shape() + " hold one value per row");
        }
        return (int) rows;
    }

    /** Each channel's mean and biased variance over the images and positions of x (N images of channels × H·W). */
    public void channelMoments(Tensor x, int channels, Tensor mean, Tensor var) {
        long hw = channelPlane(x, channels, "channelMoments");
        perChannel(channels, "channelMoments", mean, var);
        kernels().channelMoments(x.address(), x.shape().dim(0), channels, hw, mean.address(), var.address());
    }

    /** y = gamma (x − mean)/√(var + eps) + beta per channel (y may be x). */
    public void batchNorm(Tensor x, int channels, Tensor mean, Tensor var, float eps, Tensor gamma, Tensor beta,
            Tensor y) {
        long hw = channelPlane(x, channels, "batchNorm");
        perChannel(channels, "batchNorm", mean, var, gamma, beta);
        own(y, "batchNorm");
        sameShape(x, y, "batchNorm", "x", "y");
        kernels().batchNorm(x.address(), x.shape().dim(0), channels, hw, mean.address(), var.address(), eps,
                gamma.address(), beta.address(), y.address());
    }

    /**
     * The backward pass of {@link #batchNorm}: dgamma and dbeta (added to what they hold when {@code accumulate}),
     * and dx (may be null; may be dy) through the batch's own moments when {@code batchStats}, through fixed ones
     * otherwise.
     */
    public void batchNormBackward(Tensor x, Tensor dy, int channels, Tensor mean, Tensor var, float eps, Tensor gamma,
            boolean batchStats, boolean accumulate, Tensor dx, Tensor dgamma, Tensor dbeta) {
        long hw = channelPlane(x, channels, "batchNormBackward");
        perChannel(channels, "batchNormBackward", mean, var, gamma, dgamma, dbeta);
        own(dy, "batchNormBackward");
        sameShape(x, dy, "batchNormBackward", "x", "dy");
        if (dx != null) {
            own(dx, "batchNormBackward");
            sameShape(x, dx, "batchNormBackward", "x", "dx");
        }
        kernels().batchNormBackward(x.address(), dy.address(), x.shape().dim(0), channels, hw, mean.address(),
                var.address(), eps, gamma.address(), batchStats, accumulate, dx == null ? 0 : dx.address(),
                dgamma.address(), dbeta.address());
    }

    private long channelPlane(Tensor x, int channels, String op) {
        own(x, op);
        int n = x.shape().dim(0);
        if (channels <= 0 || n == 0 || x.numel() % ((long) n * channels) != 0 || x.numel() == 0) {
            throw new IllegalArgumentException(op + ": x " + x.shape() + " is not a non-empty batch of images of "
                    + channels + " channels (the first dimension the batch)");
        }
        return x.numel() / ((long) n * channels);
    }

    private void perChannel(int channels, String op, Tensor... ts) {
        for (Tensor t : ts) {
            own(t, op);
            if (t.numel() != channels) {
                throw new IllegalArgumentException(op + ": " + t.shape() + " must hold one value per channel ("
                        + channels + ")");
            }
        }
    }

    private int images(Conv2d g, Tensor t, int perImage, String op, String name, String side) {
        own(t, op);
        int n = t.shape().dim(0);
        if (t.numel() != (long) n * perImage) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " is not a batch of " + side
                    + " images of " + g + " (" + perImage + " values per image, the first dimension the batch)");
        }
        return n;
    }

    private void checkImages(Conv2d g, Tensor t, int n, int perImage, String op, String name, String side) {
        own(t, op);
        if (t.numel() != (long) n * perImage || t.shape().dim(0) != n) {
            throw new IllegalArgumentException(op + ": " + name + " " + t.shape() + " must hold the " + n + " " + side
                    + " images of " + g + " (" + n + " x " + perImage + " values)");
        }
    }

    private void checkConvParams(Conv2d g, Tensor w, Tensor bias, String op, String wn, String bn) {
        own(w, op);
        if (w.numel() != g.weightCount()) {
            throw new IllegalArgumentException(op + ": " + wn + " " + w.shape() + " does not hold the weights of " + g
                    + " (" + java.util.Arrays.toString(g.weightShape()) + ")");
        }
        if (bias != null) {
            own(bias, op);
            if (bias.numel() != g.outChannels()) {
                throw new IllegalArgumentException(op + ": " + bn + " " + bias.shape() + " must hold one value per "
                        + "output channel (" + g.outChannels() + ")");
            }
        }
    }

    private static void distinct(Tensor a, Tensor b, String op, String an, String bn) {
        long a0 = a.address(), a1 = a0 + a.numel() * Float.BYTES;
        long b0 = b.address(), b1 = b0 + b.numel() * Float.BYTES;
        if (a0 < b1 && b0 < a1) {
            throw new IllegalArgumentException(op + ": " + an + " and " + bn + " overlap in memory (convolutions do "
                    + "not run in place)");
        }
    }
}
