package org.hvae4j.tensor;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.hvae4j.bridge.CpuNative;

/**
 * The CPU backend's convolutions on oneDNN (its C API through the JavaCPP presets), float32 NCHW images and OIHW
 * (GOIHW for groups) weights, the layouts of {@link Conv2d}. A primitive is created once per geometry, batch size and
 * direction and kept in a pool: a thread borrows one for a call, so the two workers of a step each run their own
 * (oneDNN's streams and library-managed scratchpads are not shared between threads). At most {@link #KEYS} prepared
 * shapes are kept; the least recently used are destroyed beyond that.
 *
 * <p>Each calling thread runs oneDNN's OpenMP with {@code -Dhvae4j.dnnl.threads} threads (default 1, as OpenBLAS:
 * the trainer's workers are the parallelism; more threads per call oversubscribe the cores).
 */
final class DnnlConvolutions implements Convolutions {
    static final int KEYS = 64;
    private static final int THREADS = Integer.getInteger("hvae4j.dnnl.threads", 1);
    private static final ThreadLocal<Boolean> THREADS_SET = new ThreadLocal<>();
    /** Whether primitives choose their own memory layouts (reordered from and to NCHW around each call). */
    static final boolean LAYOUT_ANY = !"plain".equals(System.getProperty("hvae4j.dnnl.layout", "any"));

    private enum Direction { FORWARD, FORWARD_BIAS, BACKWARD_DATA, BACKWARD_WEIGHTS, BACKWARD_WEIGHTS_BIAS }

    private record Key(Conv2d g, int n, Direction d) {}

    private final dnnl_engine engine;
    private final LinkedHashMap<Key, ArrayDeque<Plan>> idle = new LinkedHashMap<>(16, 0.75f, true);

    private DnnlConvolutions(dnnl_engine engine) {
        this.engine = engine;
    }

    /** Loads oneDNN and opens its CPU engine, or throws BackendUnavailableException saying why not. */
    static DnnlConvolutions open() {
        try {
            Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        } catch (LinkageError | TypeNotPresentException e) {
            throw new BackendUnavailableException("oneDNN (the CPU backend's convolutions) could not be loaded: "
                    + Backend.rootMessage(e) + " (hvae4j needs org.bytedeco:dnnl:3.11-1.5.13 and "
                    + "org.bytedeco:opencl:3.0-1.5.13 with their linux-x86_64 jars on the class path)", e);
        }
        dnnl_engine engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "dnnl_engine_create", null);
        return new DnnlConvolutions(engine);
    }

    /**
     * Depthwise convolutions with stride 1 run on hvae4j's own loops (native/src/cpu/spatial.cpp): oneDNN 3.11 has
     * no fast backward-weights kernel for them on AVX2 (it fell back to gemm at 1-2 GFLOP/s on NVAE's 5 x 5 cells).
     */
    static boolean ownDepthwise(Conv2d g) {
        return g.groups() == g.inChannels() && g.outChannels() == g.inChannels() && g.stride() == 1
                && g.kernelH() == g.kernelW() && g.kernelH() <= 64;
    }

    @Override
    public void forward(Conv2d g, int n, long x, long w, long bias, long y) {
        if (ownDepthwise(g)) {
            CpuKernels.check(CpuNative.hvae4j_cpu_depthwise_conv(x, w, bias, n, g.inChannels(), g.height(), g.width(),
                    g.kernelH(), g.padding(), y), "depthwise convolution");
            return;
        }
        run(new Key(g, n, bias == 0 ? Direction.FORWARD : Direction.FORWARD_BIAS), x, w, bias, y);
    }

    @Override
    public void backwardData(Conv2d g, int n, long dy, long w, long dx) {
        if (ownDepthwise(g)) {
            CpuKernels.check(CpuNative.hvae4j_cpu_depthwise_conv_backward_data(dy, w, n, g.inChannels(), g.height(),
                    g.width(), g.kernelH(), g.padding(), dx), "depthwise convolution (backward data)");
            return;
        }
        run(new Key(g, n, Direction.BACKWARD_DATA), dy, w, 0, dx);
    }

    @Override
    public void backwardWeights(Conv2d g, int n, long x, long dy, long dw, long dbias) {
        if (ownDepthwise(g)) {
            CpuKernels.check(CpuNative.hvae4j_cpu_depthwise_conv_backward_weights(x, dy, n, g.inChannels(), g.height(),
                    g.width(), g.kernelH(), g.padding(), dw, dbias), "depthwise convolution (backward weights)");
            return;
        }
        run(new Key(g, n, dbias == 0 ? Direction.BACKWARD_WEIGHTS : Direction.BACKWARD_WEIGHTS_BIAS), x, dy, dbias, dw);
    }

    @Override
    public String describe(Conv2d g, int n) {
        if (ownDepthwise(g)) {
            return "hvae4j depthwise loops";
        }
        Plan p = borrow(new Key(g, n, Direction.FORWARD));
        try {
            return "oneDNN " + p.implementation;
        } finally {
            giveBack(p);
        }
    }

    /** The geometries and batch sizes with a prepared primitive kept (at most {@link #KEYS}). */
    int preparedShapes() {
        synchronized (idle) {
            return idle.size();
        }
    }

    /** Runs the key's primitive on the four addresses, in the order of its plan's arguments. */
    private void run(Key key, long a, long b, long c, long d) {
        if (THREADS_SET.get() == null) {
            CpuNative.hvae4j_cpu_omp_threads(THREADS, new long[1]);
            THREADS_SET.set(Boolean.TRUE);
        }
        Plan p = borrow(key);
        try {
            p.execute(a, b, c, d);
        } finally {
            giveBack(p);
        }
    }

    private Plan borrow(Key key) {
        synchronized (idle) {
            ArrayDeque<Plan> q = idle.get(key);
            if (q != null && !q.isEmpty()) {
                return q.pop();
            }
        }
        return new Plan(key);   // outside the lock: creating a primitive takes a while
    }

    private void giveBack(Plan p) {
        List<Plan> evicted = new ArrayList<>();
        synchronized (idle) {
            idle.computeIfAbsent(p.key, k -> new ArrayDeque<>()).push(p);
            Iterator<Map.Entry<Key, ArrayDeque<Plan>>> it = idle.entrySet().iterator();
            while (idle.size() > KEYS && it.hasNext()) {
                evicted.addAll(it.next().getValue());
                it.remove();
            }
        }
        for (Plan e : evicted) {
            e.destroy();
        }
    }

    /** A reorder between the caller's layout and a primitive's, run before the primitive (inputs) or after it. */
    private record Reorder(dnnl_primitive primitive, dnnl_exec_arg_t args, int argCount, boolean after) {}

    /** One primitive and its memory objects (their data handles set at each call), and a stream of its own. */
    private final class Plan {
        final Key key;
        final String implementation;
        private final dnnl_primitive primitive = new dnnl_primitive();
        private final dnnl_stream stream = new dnnl_stream();
        private final List<dnnl_memory> memories = new ArrayList<>();   // every memory object, to destroy
        private final dnnl_memory[] byPosition = new dnnl_memory[4];      // the caller's (plain layout) memories
        private final List<Reorder> reorders = new ArrayList<>();   // into the primitive's layouts, or out of them
        private int argCount;
        private final dnnl_exec_arg_t args;

        Plan(Key key) {
            this.key = key;
            Conv2d g = key.g();
            int n = key.n();
            long[] strides = {g.stride(), g.stride()};
            long[] dilates = {0, 0};
            long[] padL = {g.padding(), g.padding()};
            long[] padR = {(g.outHeight() - 1L) * g.stride() + g.kernelH() - g.height() - g.padding(),
                    (g.outWidth() - 1L) * g.stride() + g.kernelW() - g.width() - g.padding()};
            long[] srcDims = {n, g.inChannels(), g.height(), g.width()};
            long[] dstDims = {n, g.outChannels(), g.outHeight(), g.outWidth()};
            long[] weiDims = g.groups() == 1 ? new long[] {g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW()}
                    : new long[] {g.groups(), g.outChannels() / g.groups(), g.inChannels() / g.groups(), g.kernelH(),
                            g.kernelW()};
            dnnl_memory_desc src = md(srcDims, dnnl_nchw);
            dnnl_memory_desc dst = md(dstDims, dnnl_nchw);
            dnnl_memory_desc wei = md(weiDims, g.groups() == 1 ? dnnl_oihw : dnnl_goihw);
            dnnl_memory_desc bias = md(new long[] {g.outChannels()}, dnnl_x);
            // With LAYOUT_ANY the primitive picks its own layouts (blocked ones, where its fastest kernels want them)
            // and the plain tensors are reordered into and out of them around each call.
            dnnl_memory_desc srcAny = LAYOUT_ANY ? md(srcDims, dnnl_format_tag_any) : src;
            dnnl_memory_desc dstAny = LAYOUT_ANY ? md(dstDims, dnnl_format_tag_any) : dst;
            dnnl_memory_desc weiAny = LAYOUT_ANY ? md(weiDims, dnnl_format_tag_any) : wei;
            Direction d = key.d();
            boolean withBias = d == Direction.FORWARD_BIAS || d == Direction.BACKWARD_WEIGHTS_BIAS;
            dnnl_primitive_desc fwd = new dnnl_primitive_desc();
            dnnl_primitive_desc pd = null;
            // A scratchpad of the plan's own (user mode): with oneDNN's default, one scratchpad shared by every
            // primitive, a primitive must run on the thread that created it, and plans move between the workers.
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            try {
                userScratchpad(attr);
                check(dnnl_convolution_forward_primitive_desc_create(fwd, engine, dnnl_forward_training,
                        dnnl_convolution_direct, srcAny, weiAny, withBias ? bias : null, dstAny, strides, dilates, padL,
                        padR, attr), "dnnl_convolution_forward_primitive_desc_create", key);
                int[] argIds;
                dnnl_memory_desc[] argMds;
                switch (d) {
                    case FORWARD, FORWARD_BIAS -> {
                        pd = fwd;
                        argIds = new int[] {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
                        argMds = new dnnl_memory_desc[] {src, wei, withBias ? bias : null, dst};
                    }
                    case BACKWARD_DATA -> {
                        pd = new dnnl_primitive_desc();
                        check(dnnl_convolution_backward_data_primitive_desc_create(pd, engine,
                                dnnl_convolution_direct, srcAny, weiAny, dstAny, strides, dilates, padL, padR, fwd,
                                attr),
                                "dnnl_convolution_backward_data_primitive_desc_create", key);
                        argIds = new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, 0, DNNL_ARG_DIFF_SRC};
                        argMds = new dnnl_memory_desc[] {dst, wei, null, src};
                    }
                    default -> {
                        pd = new dnnl_primitive_desc();
                        check(dnnl_convolution_backward_weights_primitive_desc_create(pd, engine,
                                dnnl_convolution_direct, srcAny, weiAny, withBias ? bias : null, dstAny, strides,
                                dilates, padL, padR, fwd, attr), "dnnl_convolution_backward_weights_primitive_desc_create",
                                key);
                        argIds = new int[] {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_BIAS,
                                DNNL_ARG_DIFF_WEIGHTS};
                        argMds = new dnnl_memory_desc[] {src, dst, withBias ? bias : null, wei};
                    }
                }
                check(dnnl_primitive_create(primitive, pd), "dnnl_primitive_create", key);
                implementation = implementation(pd);
                int count = 0;
                for (dnnl_memory_desc m : argMds) {
                    count += m == null ? 0 : 1;
                }
                dnnl_memory scratch = scratchpad(pd);
                argCount = count + (scratch != null ? 1 : 0);
                args = new dnnl_exec_arg_t(argCount);
                if (scratch != null) {
                    args.position(count).arg(DNNL_ARG_SCRATCHPAD).memory(scratch);
                }
                int at = 0;
                for (int i = 0; i < 4; i++) {
                    if (argMds[i] == null) {
                        continue;
                    }
                    dnnl_memory user = memory(argMds[i], null);
                    byPosition[i] = user;
                    dnnl_memory_desc actual = dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, argIds[i]);
                    dnnl_memory used = user;
                    if (actual != null && !actual.isNull() && dnnl_memory_desc_equal(actual, argMds[i]) == 0) {
                        used = memory(actual, new CpuKernels.At(-1, 0));   // DNNL_MEMORY_ALLOCATE: oneDNN's buffer
                        boolean output = i == 3;
                        addReorder(output ? actual : argMds[i], output ? used : user, output ? argMds[i] : actual,
                                output ? user : used, output);
                    }
                    args.position(at++).arg(argIds[i]).memory(used);
                }
                args.position(0);
                check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "dnnl_stream_create", key);
            } catch (RuntimeException e) {
                destroy();
                throw e;
            } finally {
                if (!attr.isNull()) {
                    dnnl_primitive_attr_destroy(attr);
                }
                if (pd != null && pd != fwd) {
                    dnnl_primitive_desc_destroy(pd);
                }
                if (!fwd.isNull()) {
                    dnnl_primitive_desc_destroy(fwd);
                }
                for (dnnl_memory_desc m : new dnnl_memory_desc[] {src, dst, wei, bias}) {
                    dnnl_memory_desc_destroy(m);
                }
                if (LAYOUT_ANY) {
                    for (dnnl_memory_desc m : new dnnl_memory_desc[] {srcAny, dstAny, weiAny}) {
                        dnnl_memory_desc_destroy(m);
                    }
                }
            }
        }

        private dnnl_memory memory(dnnl_memory_desc m, Pointer handle) {
            dnnl_memory mem = new dnnl_memory();
            check(dnnl_memory_create(mem, m, engine, handle), "dnnl_memory_create", key);
            memories.add(mem);
            return mem;
        }

        /** Makes {@code attr} and sets it to user-managed scratchpads (each plan brings its own). */
        private void userScratchpad(dnnl_primitive_attr attr) {
            check(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create", key);
            check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                    "dnnl_primitive_attr_set_scratchpad_mode", key);
        }

        /** A scratchpad buffer of the size {@code pd} asks for (oneDNN allocates it), or null when it needs none. */
        private dnnl_memory scratchpad(dnnl_primitive_desc pd) {
            dnnl_memory_desc smd = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
            if (smd == null || smd.isNull() || dnnl_memory_desc_get_size(smd) == 0) {
                return null;
            }
            return memory(smd, new CpuKernels.At(-1, 0));   // DNNL_MEMORY_ALLOCATE
        }

        private void addReorder(dnnl_memory_desc fromMd, dnnl_memory from, dnnl_memory_desc toMd, dnnl_memory to,
                boolean after) {
            dnnl_primitive_desc rpd = new dnnl_primitive_desc();
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            dnnl_primitive r = new dnnl_primitive();
            dnnl_memory scratch;
            try {
                userScratchpad(attr);
                check(dnnl_reorder_primitive_desc_create(rpd, fromMd, engine, toMd, engine, attr),
                        "dnnl_reorder_primitive_desc_create", key);
                check(dnnl_primitive_create(r, rpd), "dnnl_primitive_create (reorder)", key);
                try {
                    scratch = scratchpad(rpd);
                } catch (RuntimeException e) {
                    dnnl_primitive_destroy(r);
                    throw e;
                }
            } finally {
                if (!rpd.isNull()) {
                    dnnl_primitive_desc_destroy(rpd);
                }
                if (!attr.isNull()) {
                    dnnl_primitive_attr_destroy(attr);
                }
            }
            int count = scratch == null ? 2 : 3;
            dnnl_exec_arg_t ra = new dnnl_exec_arg_t(count);
            ra.position(0).arg(DNNL_ARG_FROM).memory(from);
            ra.position(1).arg(DNNL_ARG_TO).memory(to);
            if (scratch != null) {
                ra.position(2).arg(DNNL_ARG_SCRATCHPAD).memory(scratch);
            }
            ra.position(0);
            reorders.add(new Reorder(r, ra, count, after));
        }

        private void runReorders(boolean after) {
            for (Reorder r : reorders) {
                if (r.after() == after) {
                    check(dnnl_primitive_execute(r.primitive(), stream, r.argCount(), r.args()),
                            "dnnl_primitive_execute (reorder)", key);
                }
            }
        }

        void execute(long a, long b, long c, long d) {
            long[] addresses = {a, b, c, d};
            for (int i = 0; i < 4; i++) {
                if (byPosition[i] != null) {
                    check(dnnl_memory_set_data_handle(byPosition[i], new CpuKernels.At(addresses[i], 0)),
                            "dnnl_memory_set_data_handle", key);
                }
            }
            runReorders(false);
            check(dnnl_primitive_execute(primitive, stream, argCount, args), "dnnl_primitive_execute", key);
            runReorders(true);
            check(dnnl_stream_wait(stream), "dnnl_stream_wait", key);
        }

        void destroy() {
            for (Reorder r : reorders) {
                dnnl_primitive_destroy(r.primitive());
            }
            reorders.clear();
            for (dnnl_memory m : memories) {
                dnnl_memory_destroy(m);
            }
            memories.clear();
            if (!primitive.isNull()) {
                dnnl_primitive_destroy(primitive);
                primitive.setNull();
            }
            if (!stream.isNull()) {
                dnnl_stream_destroy(stream);
                stream.setNull();
            }
        }
    }

    private static dnnl_memory_desc md(long[] dims, int tag) {
        dnnl_memory_desc m = new dnnl_memory_desc();
        check(dnnl_memory_desc_create_with_tag(m, dims.length, dims, dnnl_f32, tag), "dnnl_memory_desc_create_with_tag",
                null);
        return m;
    }

    private static String implementation(dnnl_primitive_desc pd) {
        try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
            if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out) != dnnl_success || out.get(0) == null) {
                return "(unknown implementation)";
            }
            Pointer p = out.get(0);
            return new BytePointer(p).getString();
        }
    }

    private static void check(int status, String call, Key key) {
        if (status == dnnl_success) {
            return;
        }
        String name = status == dnnl_out_of_memory ? "out of memory"
                : status == dnnl_invalid_arguments ? "invalid arguments"
                : status == dnnl_unimplemented ? "no implementation for these shapes"
                : status == dnnl_runtime_error ? "runtime error"
                : "status " + status;
        throw new NativeException("oneDNN " + call + " failed: " + name
                + (key == null ? "" : " (" + key.g() + ", batch " + key.n() + ", " + key.d() + ")"), status);
    }
}
