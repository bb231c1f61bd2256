package org.hvae4j.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.data.Batcher;
import org.hvae4j.data.Dataset;
import org.hvae4j.nn.Adam;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.train.GradientReducer;

/**
 * Trains a {@link Hvae} with Adam on a dataset: shuffled batches (same seed, same order), the learning-rate schedule
 * and KL warm-up of the {@link TrainConfig}, one {@link TrainingStep} per batch: forward, the objective's per-row
 * weights, backward, the gradient reducer (one worker, or two threads), Adam. A step reads nothing back to the host:
 * its statistics are summed on the device and read every {@link #withStatisticsInterval statistics interval} and at
 * the end of each epoch, when the listeners get them. A step whose loss or gradient norm is NaN or infinite skips its
 * update and is counted; {@code maxBadSteps} of them in a row stop training with a {@link TrainingDivergedException}
 * (found when the statistics are read), leaving the last checkpoint as it was. Checkpoints (written at the end of each
 * epoch when a path is given) resume to the same continuation.
 *
 * <p><b>Threads.</b> A trainer and its model are used by one thread at a time (listeners are called on that thread and
 * may use the model). A call of {@link #step}, {@link #fit}, {@link #lastStepResult}, {@link #saveCheckpoint} or
 * {@link #close} made while another thread is inside one of them throws {@link
 * java.util.ConcurrentModificationException} and changes nothing; the two-worker split runs its second half on a
 * thread of its own against a replica, inside the calling thread's step.
 */
public final class Trainer implements AutoCloseable {
    private final Hvae model;
    private final TrainConfig cfg;
    private final Adam adam;
    private final Backend be;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final Tensor baseline;   // worker 0's REINFORCE running mean (one double)
    private final Tensor sums;       // running statistics of every step (codes.h hvae4j_step_sum), doubles
    private final int statisticsLength;
    private final Map<Integer, TrainingStep> steps = new HashMap<>();
    private TrainingObjective objective;
    private LongToDoubleFunction beta;
    private long step;
    private int epoch;
    private int batchInEpoch;
    private long skippedBefore;      // skipped steps of earlier segments of the run (restored from a checkpoint)
    private int workers = 1;
    private Hvae replica;
    private GradientReducer reducer;
    private org.hvae4j.train.Mpi mpi;                   // the MPI job this trainer is one rank of, or null
    private org.hvae4j.train.RankGroup group;          // its collectives on this backend's tensors, made on first use
    private final List<GradientReducer> rankReducers = new ArrayList<>();
    private boolean captureSteps;
    private boolean dataInitialized;                   // initializeFromData ran (cfg.dataInit: fit does it once)
    private int statisticsInterval = 20;
    private TrainingStep last;
    private final UseGuard guard = new UseGuard("trainer");
    private final Map<String, Object> runInfo = new java.util.LinkedHashMap<>();
    private long lastEpochApplied = -1;   // updates applied / skipped in the last finished epoch (-1: none finished)
    private long lastEpochSkipped = -1;

    public Trainer(Hvae model, TrainConfig cfg) {
        cfg.objective().validateFor(model.spec());
        long bytes = 4 * model.parameterCount();   // one float copy of the parameters
        long capacity = model.backend().memoryCapacity();
        if (bytes > capacity / 4) {   // values, gradients, Adam's two moments
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "training the model's %,d "
                    + "parameters needs %s (values, gradients and Adam's two moments), more than the %s of memory on %s;"
                    + " make the layers narrower", model.parameterCount(), Hvae.gib(4 * bytes), Hvae.gib(capacity),
                    model.backend().device()));
        }
        this.model = model;
        this.cfg = cfg;
        this.objective = cfg.objective();
        this.beta = cfg::beta;
        this.be = model.backend();
        this.adam = new Adam(model.parameters(), 0.9f, 0.999f, 1e-8f, (float) cfg.weightDecay(),
                (float) cfg.clipNorm());
        this.statisticsLength = NativeCodes.SUM_VALUES + NativeCodes.STEP_KL + model.depth();
        try (MemoryScope own = MemoryScope.open()) {  // the trainer's, not a caller's scope
            baseline = ObjectiveContext.newBaseline(be);
            sums = be.zeros(2 * statisticsLength);
            own.detachAll();
        }
    }

    /**
     * Splits each batch between {@code n} workers (1 or 2): the second half runs on another thread against a replica
     * of the model that shares its parameters and keeps its own gradients, and the two mean gradients are averaged
     * before the Adam step (both threads share the averaging and the update). On the CPU this uses a second core; the
     * result is deterministic for a seed (each half has its own noise stream), though not the same run as with one
     * worker; a checkpoint resumes to the same continuation when resumed with the same number of workers. Free bits
     * then apply to each half's batch-mean KL. Models with REINFORCE latents train on one worker whatever is asked.
     */
    public Trainer withWorkers(int n) {
        if (n != 1 && n != 2) {
            throw new IllegalArgumentException("workers must be 1 or 2, got " + n);
        }
        if (captureSteps && n != 1) {
            throw new IllegalArgumentException("training steps cannot be captured: captured steps run on one worker");
        }
        if (n != workers) {
            clearSteps();
        }
        this.workers = n;
        return this;
    }

    public int workers() {
        return workers;
    }

    /**
     * Makes this trainer one rank of the MPI job {@code mpi}: {@link #fit} gives each rank a disjoint shard of every
     * batch (the batch size is the global one and must divide by the number of ranks), sums the gradients over the
     * ranks after each backward pass, starts every rank from rank 0's parameters and optimizer state, refuses to train
     * when the ranks' models, configurations or data differ, and checks after every epoch that the parameters are
     * bit-identical everywhere. Each rank draws its own noise. {@link #step} on a rank's own shard sums its gradient
     * with the other ranks' too, but checks and broadcasts nothing: start every rank from the same seed. On the CPU
     * the gradients travel by MPI; on a CUDA backend by NCCL between the ranks' GPUs (one GPU per rank: give each
     * rank the device of its {@link org.hvae4j.train.Mpi#localRank}), the communicator made at the first step or
     * fit, on every rank at once. Steps captured as CUDA graphs are not combined with several GPU ranks.
     */
    public Trainer withProcessGroup(org.hvae4j.train.Mpi mpi) {
        refuseCapturedStepsOnGpuRanks(captureSteps, mpi);
        if (mpi != this.mpi) {
            clearSteps();
            closeGroup();
        }
        this.mpi = mpi;
        return this;
    }

    /** Captured steps and several GPU ranks do not combine: the step waits for NCCL under the job's watchdog. */
    private void refuseCapturedStepsOnGpuRanks(boolean captured, org.hvae4j.train.Mpi mpi) {
        if (captured && mpi != null && mpi.size() > 1 && be.device().isCuda()) {
            throw new IllegalArgumentException("captured CUDA-graph steps cannot run with " + mpi.size()
                    + " GPU ranks: the step waits for NCCL's all-reduce under the job's watchdog (drop --graph)");
        }
    }

    /** The collectives of the process group on this backend's tensors (made on first use: a collective call). */
    private org.hvae4j.train.RankGroup group() {
        if (group == null) {
            group = org.hvae4j.train.RankGroup.of(mpi, be);
        }
        return group;
    }

    private void closeGroup() {
        if (group != null) {
            group.close();
            group = null;
        }
    }

    /** This process's rank and the number of ranks ({0, 1} without a process group). */
    public int[] rankAndRanks() {
        return mpi == null ? new int[] {0, 1} : new int[] {mpi.rank(), mpi.size()};
    }

    /**
     * Records the training step once and launches the recording at every step (see {@link
     * org.hvae4j.tensor.StepGraph}): on a CUDA backend the whole step — forward, objective, backward, Adam — is a CUDA
     * graph replayed with no host synchronization inside the step and no per-kernel launch cost; on the CPU the
     * recorded work runs as it is. It is the ordinary step's code, so it computes what the ordinary step computes,
     * with the same noise. One graph is recorded per batch size. Captured steps run on one worker.
     */
    public Trainer withCapturedSteps(boolean on) {
        if (on && workers != 1) {
            throw new IllegalArgumentException("training steps cannot be captured: captured steps run on one worker");
        }
        refuseCapturedStepsOnGpuRanks(on, mpi);
        if (on != captureSteps) {
            clearSteps();
        }
        this.captureSteps = on;
        return this;
    }

    /** Whether steps are captured (see {@link #withCapturedSteps}). */
    public boolean capturedSteps() {
        return captureSteps;
    }

    /** Whether the last step ran as a recorded CUDA graph (false on the CPU, and before the first step). */
    public boolean capturedGraph() {
        return last != null && last.isGraph();
    }

    /**
     * Trains this objective instead of the configuration's (a researcher's own {@link TrainingObjective}). A
     * checkpoint records the configuration's objective: a resumed run trains that one unless this is called again.
     */
    public Trainer withObjective(TrainingObjective o) {
        o.validateFor(model.spec());
        clearSteps();
        this.objective = o;
        return this;
    }

    /**
     * The KL weight β of each step (0-based step index), instead of the configuration's linear warm-up: a cyclical
     * schedule, say. Written to the device before each step, so captured steps follow it too.
     */
    public Trainer withBetaSchedule(LongToDoubleFunction schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("beta schedule must not be null");
        }
        this.beta = schedule;
        return this;
    }

    /** Reads the statistics (and calls {@link TrainingListener#onStatistics}) every {@code n} steps of {@link #fit}. */
    public Trainer withStatisticsInterval(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("statistics interval must be >= 1 step, got " + n);
        }
        this.statisticsInterval = n;
        return this;
    }

    public Trainer addListener(TrainingListener l) {
        listeners.add(l);
        return this;
    }

    public Hvae model() {
        return model;
    }

    public TrainConfig config() {
        return cfg;
    }

    /** The optimizer (its state is part of checkpoints). */
    public Adam optimizer() {
        return adam;
    }

    /** Steps taken (updates applied or skipped). */
    public long step() {
        return step;
    }

    public int epoch() {
        return epoch;
    }

    /** Steps skipped for a non-finite loss or gradient norm, in the whole run (synchronizes). */
    public long skippedSteps() {
        return skippedBefore + (long) readSums()[NativeCodes.SUM_SKIPPED];
    }

    private void clearSteps() {
        steps.values().forEach(TrainingStep::close);
        steps.clear();
        rankReducers.forEach(GradientReducer::close);
        rankReducers.clear();
        last = null;
    }

    private TrainingStep stepFor(int rows) {
        TrainingStep s = steps.get(rows);
        if (s == null) {
            boolean split = workers == 2 && !model.spec().usesReinforce() && rows >= 2 && rows % 2 == 0;
            List<Hvae> models = new ArrayList<>(List.of(model));
            GradientReducer r;
            if (split) {
                if (replica == null) {
                    replica = model.replica();
                }
                if (reducer == null) {
                    reducer = GradientReducer.threads(2);
                }
                models.add(replica);
                r = reducer;
            } else {
                r = GradientReducer.none();
            }
            if (mpi != null && mpi.size() > 1) {
                r = GradientReducer.acrossRanks(r, group());
                rankReducers.add(r);
            }
            s = new TrainingStep(models, objective, r, adam, baseline, sums, cfg.seed(), rows, captureSteps);
            steps.put(rows, s);
        }
        return s;
    }

    /**
     * One training step on a batch already on the model's backend (c: its conditions, or null), at learning rate
     * {@code lr}. Returns once the step is enqueued (on a GPU it may still run); {@link #lastStepResult} reads it.
     */
    public void step(Tensor x, Tensor c, double lr) {
        enter();
        try {
            stepGuarded(x, c, lr);
        } finally {
            exit();
        }
    }

    private void stepGuarded(Tensor x, Tensor c, double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        }
        if (x == null || x.backend() != be || x.cols() != model.spec().inputDim()) {
            throw new IllegalArgumentException("step: x must be [rows, " + model.spec().inputDim() + "] on "
                    + be.device() + (x == null ? ", got null" : ", got " + x.shape() + " on " + x.device()));
        }
        TrainingStep s = stepFor(x.rows());
        if (s.condition() != null) {
            if (c == null || c.backend() != be || c.rows() != x.rows() || c.cols() != s.condition().cols()) {
                throw new IllegalArgumentException("step: the model is conditioned on c: give c of [" + x.rows() + ", "
                        + s.condition().cols() + "] on " + be.device() + (c == null ? "" : ", got " + c.shape()));
            }
        } else if (c != null) {
            throw new IllegalArgumentException("step: the model is not conditional, but c was given");
        }
        s.run(x, c, step, lr, beta.applyAsDouble(step));
        step++;
        last = s;
    }

    /**
     * The statistics of the last step: the objective, reconstruction, per-layer KL and loss of the step (the mean of
     * the workers'), its gradient norm and whether it was skipped (synchronizes). Throws
     * {@link TrainingDivergedException} when {@code maxBadSteps} steps in a row were skipped.
     */
    public StepResult lastStepResult() {
        enter();
        try {
            return lastStepResultGuarded();
        } finally {
            exit();
        }
    }

    private StepResult lastStepResultGuarded() {
        if (last == null) {
            throw new IllegalStateException("no step has been taken");
        }
        StepResult r = last.context().result();
        boolean skipped = adam.lastStepSkipped();
        float norm = adam.lastGradientNorm();
        checkDivergence(readSums());
        return r.withGradNorm(skipped && Float.isFinite(norm) ? Double.NaN : norm, skipped);
    }

    private double[] readSums() {
        double[] s = new double[statisticsLength];
        be.kernels().copyToHost(sums.address(), s, 0, s.length);
        return s;
    }

    private void checkDivergence(double[] s) {
        long bad = (long) s[NativeCodes.SUM_BAD_IN_ROW];
        if (bad >= cfg.maxBadSteps()) {
            throw new TrainingDivergedException("training stopped: " + bad
                    + " consecutive steps had a non-finite loss or gradient (last loss " + s[NativeCodes.SUM_LAST_LOSS]
                    + ", gradient norm " + s[NativeCodes.SUM_LAST_NORM] + "); the last checkpoint, if any, is unchanged");
        }
    }

    /** The mean statistics of the applied steps between two readings of the running sums. */
    private StepResult meanBetween(double[] from, double[] to) {
        double n = to[NativeCodes.SUM_STEPS] - from[NativeCodes.SUM_STEPS];
        int depth = model.depth();
        double[] kl = new double[depth];
        if (n == 0) {
            java.util.Arrays.fill(kl, Double.NaN);
            return new StepResult(Double.NaN, Double.NaN, kl, Double.NaN, Double.NaN, true);
        }
        int v = NativeCodes.SUM_VALUES;
        for (int l = 0; l < depth; l++) {
            kl[l] = (to[v + NativeCodes.STEP_KL + l] - from[v + NativeCodes.STEP_KL + l]) / n;
        }
        return new StepResult((to[v + NativeCodes.STEP_OBJECTIVE] - from[v + NativeCodes.STEP_OBJECTIVE]) / n,
                (to[v + NativeCodes.STEP_RECONSTRUCTION] - from[v + NativeCodes.STEP_RECONSTRUCTION]) / n, kl,
                (to[v + NativeCodes.STEP_LOSS] - from[v + NativeCodes.STEP_LOSS]) / n,
                (to[NativeCodes.SUM_NORM] - from[NativeCodes.SUM_NORM]) / n, false);
    }

    /** Trains until {@code cfg.epochs()}, from where this trainer stands (a resumed trainer continues). */
    public void fit(Dataset data, Path checkpoint) {
        enter();
        try {
            fitGuarded(data, checkpoint);
        } finally {
            exit();
        }
    }

    private void fitGuarded(Dataset data, Path checkpoint) {
        Batches.check(model, data, cfg.batchSize());
        Batcher batcher = Batcher.of(data, cfg.batchSize(), cfg.seed()).withDropLast(true);
        int perEpoch = batcher.batchesPerEpoch();
        float[] buf = batcher.newFeatureBuffer();
        int[] labels = batcher.newLabelBuffer();
        float[] conditions = batcher.newConditionBuffer();
        int ranks = mpi == null ? 1 : mpi.size(), rank = mpi == null ? 0 : mpi.rank();
        if (cfg.batchSize() % ranks != 0) {
            throw new IllegalArgumentException("the batch size " + cfg.batchSize() + " does not divide among the "
                    + ranks + " ranks of the job: choose a multiple of " + ranks);
        }
        int shard = cfg.batchSize() / ranks;
        if (cfg.dataInit() && step == 0 && !dataInitialized) {
            initializeGuarded(data, cfg.batchSize());  // every rank alike (the same rows and noise), before the broadcast
        }
        if (ranks > 1) {
            RankChecks.agree(mpi, model, cfg, data, step);
            RankChecks.broadcastState(group(), model, adam, baseline);
        }
        ShardView view = ranks > 1 ? new ShardView(data, buf, labels, conditions, rank, shard) : null;
        TrainingStep s = stepFor(shard);
        Batches io = new Batches(model, s.input(), s.condition());
        while (epoch < cfg.epochs()) {
            Batcher.Epoch it = batcher.epoch(epoch);
            double[] atEpoch = readSums();
            double[] atReport = atEpoch;
            for (int b = 0; it.hasNext(); b++) {
                it.next(buf, data.hasLabels() ? labels : null, conditions);
                if (b < batchInEpoch) {
                    continue;  // resuming inside an epoch
                }
                double lr = cfg.learningRate()
                        * TrainConfig.scheduleFactor(cfg.schedule(), epoch + (double) b / perEpoch, cfg.epochs());
                if (view == null) {
                    io.load(buf, data.hasLabels() ? labels : null, conditions);
                } else {
                    view.cut();
                    io.load(view.features, data.hasLabels() ? view.labels : null, view.conditions);
                }
                step(io.x, io.c, lr);
                batchInEpoch = b + 1;
                for (TrainingListener l : listeners) {
                    l.onProgress(step, epoch, b, perEpoch);
                }
                if (step % statisticsInterval == 0) {
                    double[] now = readSums();
                    checkDivergence(now);
                    StepResult mean = meanBetween(atReport, now);
                    atReport = now;
                    for (TrainingListener l : listeners) {
                        l.onStatistics(step, epoch, mean);
                    }
                }
            }
            double[] end = readSums();
            checkDivergence(end);
            epoch++;
            batchInEpoch = 0;
            lastEpochApplied = (long) (end[NativeCodes.SUM_STEPS] - atEpoch[NativeCodes.SUM_STEPS]);
            lastEpochSkipped = (long) (end[NativeCodes.SUM_SKIPPED] - atEpoch[NativeCodes.SUM_SKIPPED]);
            StepResult mean = meanBetween(atEpoch, end);
            if (ranks > 1) {
                RankChecks.sameParameters(mpi, model, epoch);
            }
            for (TrainingListener l : listeners) {
                l.onEpoch(epoch, mean, step);
            }
            if (checkpoint != null) {
                saveCheckpoint(checkpoint);
            }
        }
    }

    /**
     * Data-dependent initialization ({@link Hvae#initializeFromData}) of this trainer's fresh model on the first
     * {@code rows} examples of {@code data} (fewer if the data, or 1 GiB of the backend's memory for the pass, holds
     * fewer), before the first step. With {@link TrainConfig#dataInit} {@link #fit} does this itself, on the first
     * batch-size rows of its data, unless it was done already. A trainer that has taken steps (or resumed a
     * checkpoint) refuses: its parameters are trained. Returns the number of convolutions initialized (0 for a model without convolutional cells).
     */
    public int initializeFromData(Dataset data, int rows) {
        enter();
        try {
            return initializeGuarded(data, rows);
        } finally {
            exit();
        }
    }

    private int initializeGuarded(Dataset data, int rows) {
        if (step > 0) {
            throw new IllegalStateException("data-dependent initialization is for a fresh model, but this trainer "
                    + "has taken " + step + " steps");
        }
        Batches.check(model, data, 2);
        int n = Math.min(Math.min(rows, data.rows()), model.rowsWithin(1L << 30));
        if (n < 2) {
            throw new IllegalArgumentException("data-dependent initialization needs at least 2 examples, got "
                    + n + " (rows " + rows + ")");
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Batches b = new Evaluator(model, cfg.seed()).load(data, 0, n);
            int layers = model.initializeFromData(b.x, b.c, cfg.seed());
            dataInitialized = true;
            return layers;
        }
    }

    /** Writes a checkpoint of the current state atomically (temporary file, then rename). */
    public void saveCheckpoint(Path path) {
        enter();
        try {
            Checkpoint.write(path, this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write checkpoint " + path + ": " + e.getMessage(), e);
        } finally {
            exit();
        }
    }

    /** Enters the trainer's guard and its model's: while the trainer works, the model is in use too. */
    private void enter() {
        guard.enter();
        try {
            model.guard.enter();
        } catch (RuntimeException e) {
            guard.exit();
            throw e;
        }
    }

    private void exit() {
        model.guard.exit();
        guard.exit();
    }

    /**
     * Information about the run kept with its checkpoints (string keys; values of JSON's kinds: strings, numbers,
     * booleans, null, lists and maps of them): the command-line program records where its data came from, so a
     * resumed run trains on the same data. Restored by {@link Checkpoint#resume}. The map is the trainer's own: change
     * it before a checkpoint is written.
     */
    public Map<String, Object> runInfo() {
        return runInfo;
    }

    /**
     * Updates applied and skipped (non-finite loss or gradient) in the last finished epoch, {@code {applied,
     * skipped}}; {@code {-1, -1}} before an epoch has finished (or for a checkpoint that did not record it).
     */
    public long[] lastEpochSteps() {
        return new long[] {lastEpochApplied, lastEpochSkipped};
    }

    /** Whether the last finished epoch applied no update at all: every one of its steps was skipped. */
    public boolean lastEpochAllSkipped() {
        return allSkipped(lastEpochApplied, lastEpochSkipped);
    }

    static boolean allSkipped(long applied, long skipped) {
        return applied == 0 && skipped > 0;
    }

    // ---- state for checkpoints -------------------------------------------------------------------------------

    /** Batches of the current epoch already trained (0 at an epoch's start; a checkpoint may stand mid-epoch). */
    public int batchInEpoch() {
        return batchInEpoch;
    }

    /** REINFORCE's running baseline (NaN before the first REINFORCE step; synchronizes). */
    double baseline() {
        double[] d = new double[1];
        be.kernels().copyToHost(baseline.address(), d, 0, 1);
        return d[0];
    }

    void restoreLastEpoch(long applied, long skipped) {
        this.lastEpochApplied = applied;
        this.lastEpochSkipped = skipped;
    }

    void restore(long step, int epoch, int batchInEpoch, long adamSteps, double baselineValue, long skippedSteps) {
        this.step = step;
        this.epoch = epoch;
        this.batchInEpoch = batchInEpoch;
        this.adam.setSteps(adamSteps);
        be.kernels().copyFromHost(new double[] {baselineValue}, 0, baseline.address(), 1);
        this.skippedBefore = skippedSteps - (long) readSums()[NativeCodes.SUM_SKIPPED];
    }

    @Override
    public void close() {
        enter();
        try {
            closeGuarded();
        } finally {
            exit();
        }
    }

    /** This rank's rows of the global batch in the batcher's buffers. */
    private static final class ShardView {
        final float[] features;
        final int[] labels;
        final float[] conditions;
        private final float[] allFeatures;
        private final int[] allLabels;
        private final float[] allConditions;
        private final int rank;
        private final int rows;
        private final int cols;
        private final int conditionCols;

        ShardView(Dataset data, float[] buf, int[] labels, float[] conditions, int rank, int rows) {
            this.allFeatures = buf;
            this.allLabels = labels;
            this.allConditions = conditions;
            this.rank = rank;
            this.rows = rows;
            this.cols = data.cols();
            this.conditionCols = data.hasConditions() ? data.conditionDim() : 0;
            this.features = new float[rows * cols];
            this.labels = labels == null ? null : new int[rows];
            this.conditions = conditions == null ? null : new float[rows * conditionCols];
        }

        void cut() {
            System.arraycopy(allFeatures, rank * rows * cols, features, 0, features.length);
            if (labels != null) {
                System.arraycopy(allLabels, rank * rows, labels, 0, rows);
            }
            if (conditions != null) {
                System.arraycopy(allConditions, rank * rows * conditionCols, conditions, 0, conditions.length);
            }
        }
    }

    private void closeGuarded() {
        clearSteps();
        closeGroup();
        if (reducer != null) {
            reducer.close();  // waits for work in progress, which may use the replica
        }
        if (replica != null) {
            replica.close();
        }
        adam.close();
        baseline.close();
        sums.close();
    }
}
