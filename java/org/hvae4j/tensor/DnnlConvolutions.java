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

    @Override
    public void forward(Conv2d g, int n, long x, long w, long bias, long y) {
        run(new Key(g, n, bias == 0 ? Direction.FORWARD : Direction.FORWARD_BIAS), x, w, bias, y);
    }

    @Override
    public void backwardData(Conv2d g, int n, long dy, long w, long dx) {
        run(new Key(g, n, Direction.BACKWARD_DATA), dy, w, 0, dx);
    }

    @Override
    public void backwardWeights(Conv2d g, int n, long x, long dy, long dw, long dbias) {
        run(new Key(g, n, dbias == 0 ? Direction.BACKWARD_WEIGHTS : Direction.BACKWARD_WEIGHTS_BIAS), x, dy, dbias, dw);
    }

    @Override
    public String describe(Conv2d g, int n) {
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

    /** One primitive and its memory objects (their data handles set at each call), and a stream of its own. */
    private final class Plan {
        final Key key;
        final String implementation;
        private final dnnl_primitive primitive = new dnnl_primitive();
        private final dnnl_stream stream = new dnnl_stream();
        private final List<dnnl_memory> memories = new ArrayList<>();
        private final dnnl_memory[] byPosition = new dnnl_memory[4];
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
            dnnl_memory_desc src = md(new long[] {n, g.inChannels(), g.height(), g.width()}, dnnl_nchw);
            dnnl_memory_desc dst = md(new long[] {n, g.outChannels(), g.outHeight(), g.outWidth()}, dnnl_nchw);
            dnnl_memory_desc wei = g.groups() == 1
                    ? md(new long[] {g.outChannels(), g.inChannels(), g.kernelH(), g.kernelW()}, dnnl_oihw)
                    : md(new long[] {g.groups(), g.outChannels() / g.groups(), g.inChannels() / g.groups(),
                            g.kernelH(), g.kernelW()}, dnnl_goihw);
            dnnl_memory_desc bias = md(new long[] {g.outChannels()}, dnnl_x);
            Direction d = key.d();
            boolean withBias = d == Direction.FORWARD_BIAS || d == Direction.BACKWARD_WEIGHTS_BIAS;
            dnnl_primitive_desc fwd = new dnnl_primitive_desc();
            dnnl_primitive_desc pd = null;
            try {
                check(dnnl_convolution_forward_primitive_desc_create(fwd, engine, dnnl_forward_training,
                        dnnl_convolution_direct, src, wei, withBias ? bias : null, dst, strides, dilates, padL, padR,
                        null), "dnnl_convolution_forward_primitive_desc_create", key);
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
                                dnnl_convolution_direct, src, wei, dst, strides, dilates, padL, padR, fwd, null),
                                "dnnl_convolution_backward_data_primitive_desc_create", key);
                        argIds = new int[] {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, 0, DNNL_ARG_DIFF_SRC};
                        argMds = new dnnl_memory_desc[] {dst, wei, null, src};
                    }
                    default -> {
                        pd = new dnnl_primitive_desc();
                        check(dnnl_convolution_backward_weights_primitive_desc_create(pd, engine,
                                dnnl_convolution_direct, src, wei, withBias ? bias : null, dst, strides, dilates,
                                padL, padR, fwd, null), "dnnl_convolution_backward_weights_primitive_desc_create",
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
                args = new dnnl_exec_arg_t(count);
                int at = 0;
                for (int i = 0; i < 4; i++) {
                    if (argMds[i] == null) {
                        continue;
                    }
                    dnnl_memory mem = new dnnl_memory();
                    check(dnnl_memory_create(mem, argMds[i], engine, null), "dnnl_memory_create", key);
                    memories.add(mem);
                    byPosition[i] = mem;
                    args.position(at++).arg(argIds[i]).memory(mem);
                }
                args.position(0);
                check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "dnnl_stream_create", key);
            } catch (RuntimeException e) {
                destroy();
                throw e;
            } finally {
                if (pd != null && pd != fwd) {
                    dnnl_primitive_desc_destroy(pd);
                }
                if (!fwd.isNull()) {
                    dnnl_primitive_desc_destroy(fwd);
                }
                for (dnnl_memory_desc m : new dnnl_memory_desc[] {src, dst, wei, bias}) {
                    dnnl_memory_desc_destroy(m);
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
            check(dnnl_primitive_execute(primitive, stream, (int) memories.size(), args), "dnnl_primitive_execute",
                    key);
            check(dnnl_stream_wait(stream), "dnnl_stream_wait", key);
        }

        void destroy() {
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
