package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.BatchNorm;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.StepGraph;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.train.GradientReducer;

/**
 * The training step, for one batch size: for each worker's shard of the batch, zero its gradients, forward pass,
 * the objective's per-row weights, backward passes; then the gradient reducer, the optimizer and the running
 * statistics. The work reads nothing on the host: what changes from step to step (the batch, the learning rate,
 * β, the step's share of the noise offsets) is written into device buffers before the work runs. The same work runs
 * directly (an ordinary step) or recorded once as a {@link StepGraph} and replayed (a captured step: a CUDA graph on
 * the GPU; on the CPU the recorded work simply runs again).
 */
final class TrainingStep implements AutoCloseable {
    private final List<Hvae> models;
    private final TrainingObjective objective;
    private final GradientReducer reducer;
    private final Adam adam;
    private final Tensor sums;
    private final long seed;
    private final int batch;
    private final int workers;
    private final Tensor xBuffer;   // the batch a recorded step reads (written before each launch)
    private final Tensor cBuffer;
    private Tensor x;               // the batch the work reads: the buffers, or an ordinary step's own tensors
    private Tensor c;
    private final int rank;               // this process's place among the ranks that train together (0 of 1)
    private final int ranks;
    private final Tensor[] noiseWord;     // per worker: (ranks · workers · step + rank · workers + w) << 16
    private final ObjectiveContext[] ctx;
    private final Tensor normSq;
    private final int[] updateBounds;
    private final StepGraph graph;
    private final List<Tensor> owned = new ArrayList<>();

    /**
     * @param models the model and, for more workers, replicas sharing its parameters (worker w runs models.get(w))
     * @param baseline worker 0's REINFORCE baseline (kept by the trainer across batch sizes)
     * @param sums the trainer's running statistics (codes.h hvae4j_step_sum)
     * @param capture record the work once as a graph
     */
    TrainingStep(List<Hvae> models, TrainingObjective objective, GradientReducer reducer, Adam adam, Tensor baseline,
            Tensor sums, long seed, int batch, boolean capture) {
        this.models = models;
        this.objective = objective;
        this.reducer = reducer;
        this.adam = adam;
        this.sums = sums;
        this.seed = seed;
        this.batch = batch;
        this.workers = reducer.workers();
        this.rank = reducer.rank();
        this.ranks = reducer.ranks();
        Hvae m = models.get(0);
        Backend be = m.backend();
        ModelSpec spec = m.spec();
        noiseWord = new Tensor[workers];
        ctx = new ObjectiveContext[workers];
        try (MemoryScope own = MemoryScope.open()) {
            xBuffer = be.zeros(batch, spec.inputDim());
            cBuffer = spec.conditional() ? be.zeros(batch, spec.conditioningDim()) : null;
            x = xBuffer;
            c = cBuffer;
            for (int w = 0; w < workers; w++) {
                noiseWord[w] = be.zeros(2);
                ctx[w] = new ObjectiveContext(be, m.depth(), w == 0 ? baseline : null);
            }
            normSq = be.zeros(1);
            owned.addAll(own.detachAll());
        }
        updateBounds = adam.split(workers);
        try {
            this.graph = capture ? StepGraph.capture(be, this::work) : null;
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    int batch() {
        return batch;
    }

    boolean isGraph() {
        return graph != null && graph.isGraph();
    }

    /** A buffer the step can read its batch from (the one a recorded step reads). */
    Tensor input() {
        return xBuffer;
    }

    /** The buffer of the batch's conditions, or null. */
    Tensor condition() {
        return cBuffer;
    }

    /** Worker 0's objective context (its statistics are the step's after the reduction). */
    ObjectiveContext context() {
        return ctx[0];
    }

    /**
     * Runs step {@code step} on batch {@code xb} (and its conditions {@code cb}): a recorded step reads its buffers,
     * so the batch is copied there unless it is already in them; an ordinary step reads the batch where it is.
     */
    void run(Tensor xb, Tensor cb, long step, double lr, double beta) {
        Backend be = models.get(0).backend();
        if (graph != null) {
            if (xb != xBuffer) {
                be.copy(xb, xBuffer);
            }
            if (cBuffer != null && cb != cBuffer) {
                be.copy(cb, cBuffer);
            }
        } else {
            x = xb;
            c = cb;
        }
        for (int w = 0; w < workers; w++) {
            // Every worker of every rank draws its own noise, and with one rank this is the single-process stream.
            long stream = (long) ranks * workers * step + (long) rank * workers + w;
            be.kernels().u64Update(noiseWord[w].address(), stream << 16, false);
            ctx[w].setBeta(beta);
        }
        adam.setLearningRate(lr);
        if (graph != null) {
            graph.launch();
        } else {
            work();
            x = xBuffer;  // the caller's tensors are not kept past the step
            c = cBuffer;
        }
    }

    /** The recorded work: everything it reads lives in device memory. */
    private void work() {
        int rows = batch / workers;
        reducer.forEachWorker(w -> {
            Hvae m = models.get(w);
            m.zeroGrad();
            try (MemoryScope scope = MemoryScope.open(); Tensor xw = x.rowsView(w * rows, (w + 1) * rows);
                    Tensor cw = c == null ? null : c.rowsView(w * rows, (w + 1) * rows)) {
                // A training pass: batch normalization (where the model has it) uses the shard's statistics.
                Pass ps = BatchNorm.training(() -> m.forward(xw, cw, objective.samples(),
                        new NoiseStreams(seed, 0, noiseWord[w].address())));
                ps.backward(objective.weights(ps, ctx[w]));
            }
        });
        List<List<Tensor>> grads = new ArrayList<>();
        List<Tensor> stats = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            grads.add(models.get(w).parameters().stream().map(Param::grad).toList());
            stats.add(ctx[w].statistics());
        }
        reducer.reduce(grads, stats, normSq);
        adam.prepare(normSq, ctx[0].slotView(NativeCodes.STEP_LOSS));
        reducer.forEachWorker(w -> adam.apply(updateBounds[w], updateBounds[w + 1]));
        Backend be = models.get(0).backend();
        be.kernels().statisticsAccumulate(NativeCodes.STEP_KL + models.get(0).depth(), ctx[0].statistics().address(),
                adam.state().address(), sums.address());
    }

    @Override
    public void close() {
        if (graph != null) {
            graph.close();
        }
        for (ObjectiveContext oc : ctx) {
            if (oc != null) {
                oc.close();
            }
        }
        owned.forEach(Tensor::close);
    }
}
