package org.hvae4j.tensor;

/**
 * A unit of work (a training step) recorded once and launched many times. On the CUDA backend it is a CUDA graph:
 * the work is captured from the backend's stream (kernels, cuBLAS products, copies between device buffers) and each
 * {@link #launch} replays it with one call, no host synchronization and no per-kernel launch cost. Anything the
 * work must vary from launch to launch has to live in device memory (a learning rate, the noise offset: see
 * {@link org.hvae4j.latent.Noise#offsetSource()}); the work must not read device values on the host, which fails
 * the capture with a {@link CudaException}. Memory the work allocates belongs to the graph (a private pool of the
 * caching allocator) and is freed by {@link #close}.
 *
 * <p>On the CPU backend nothing is captured: {@link #launch} runs the work again, so code written for graphs runs,
 * and is tested, on both backends.
 */
public abstract class StepGraph implements AutoCloseable {
    StepGraph() {}

    /** Records {@code work} on {@code backend} (does not run it). */
    public static StepGraph capture(Backend backend, Runnable work) {
        return backend.capture(work);
    }

    /** Runs the recorded work once more, enqueued on the backend's stream (returns before it finishes on a GPU). */
    public abstract void launch();

    /** True when the work was captured as a CUDA graph, false when launches run it again (the CPU). */
    public abstract boolean isGraph();

    @Override
    public abstract void close();

    /** The CPU's graph: the work itself. */
    static final class Eager extends StepGraph {
        private final Runnable work;
        private boolean closed;

        Eager(Runnable work) {
            this.work = work;
        }

        @Override
        public void launch() {
            if (closed) {
                throw new IllegalStateException("launch of a closed StepGraph");
            }
            work.run();
        }

        @Override
        public boolean isGraph() {
            return false;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
