package org.hvae4j.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hvae4j.data.Batcher;
import org.hvae4j.data.Dataset;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.HelperThread;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Trains a {@link Hvae} with Adam on a dataset: shuffled batches (same seed, same order), one fused forward and
 * backward pass per step, KL warm-up and the learning-rate schedule of the {@link TrainConfig}. A step whose loss or
 * gradient norm is NaN or infinite skips its update and is counted; {@code maxBadSteps} of them in a row stop
 * training with a {@link TrainingDivergedException}, leaving the last checkpoint as it was. Checkpoints (written at
 * the end of each epoch when a path is given) resume to the same continuation.
 */
public final class Trainer implements AutoCloseable {
    private final Hvae model;
    private final TrainConfig cfg;
    private final Adam adam;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private final double[] baseline = {Double.NaN};
    private long step;
    private int epoch;
    private int batchInEpoch;
    private int badInRow;
    private long skipped;
    private int workers = 1;
    private Hvae replica;
    private HelperThread helper;
    private Tensor normSqLow;
    private Tensor normSqHigh;
    private final double[] baseline2 = {Double.NaN};
    // REINFORCE keeps a running baseline per worker, which checkpoints do not hold: such models train on one.
    private final boolean reinforce;
    private boolean captureSteps;
    private CapturedStep captured;

    public Trainer(Hvae model, TrainConfig cfg) {
        cfg.objective().validateFor(model.spec());
        this.model = model;
        this.cfg = cfg;
        this.reinforce = model.spec().usesReinforce();
        this.adam = new Adam(model.parameters(), 0.9f, 0.999f, 1e-8f, (float) cfg.weightDecay(),
                (float) cfg.clipNorm());
    }

    /**
     * Splits each batch between {@code n} workers (1 or 2): the second half runs on another thread against a
     * replica of the model that shares its parameters and keeps its own gradients, and the two mean gradients are
     * averaged before the fused Adam step. On the CPU this uses a second core; the result is deterministic for a
     * seed (each half has its own noise stream), though not the same run as with one worker; a checkpoint resumes
     * to the same continuation when resumed with the same number of workers. Free bits then apply to each half's
     * batch-mean KL. Models with REINFORCE latents train on one worker whatever is asked.
     */
    public Trainer withWorkers(int n) {
        if (n != 1 && n != 2) {
            throw new IllegalArgumentException("workers must be 1 or 2, got " + n);
        }
        if (captureSteps) {
            requireCapturable(n);
        }
        this.workers = n;
        return this;
    }

    public int workers() {
        return workers;
    }

    /**
     * Runs training steps as one recorded step launched again and again (see {@link org.hvae4j.tensor.StepGraph}):
     * on a CUDA backend the whole step — forward, backward, Adam — is captured once as a CUDA graph and replayed,
     * with no host synchronization inside the step and no per-kernel launch cost; on the CPU the same
     * host-read-free step runs as it is. It computes what the ordinary step computes, with the same noise. Steps the
     * graph cannot serve run the ordinary way: during KL warm-up (β &lt; 1) and for a batch of another size. Fails
     * for configurations that decide something on the host inside a step (free bits, REINFORCE layers) and with two
     * workers.
     */
    public Trainer withCapturedSteps(boolean on) {
        if (on) {
            requireCapturable(workers);
        }
        this.captureSteps = on;
        return this;
    }

    private void requireCapturable(int withWorkers) {
        String why = CapturedStep.unsupported(model, cfg, withWorkers);
        if (why != null) {
            throw new IllegalArgumentException("training steps cannot be captured: " + why);
        }
    }

    /** Whether steps are captured (see {@link #withCapturedSteps}). */
    public boolean capturedSteps() {
        return captureSteps;
    }

    /** Whether a captured step exists and is a CUDA graph (false on the CPU, and before the first such step). */
    public boolean capturedGraph() {
        return captured != null && captured.isGraph();
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

    /** Steps taken (updates applied or skipped). */
    public long step() {
        return step;
    }

    public int epoch() {
        return epoch;
    }

    public long skippedSteps() {
        return skipped;
    }

    /** One training step on a batch already on the model's backend (c may be null). */
    public StepResult step(Tensor x, Tensor c, double lr) {
        if (captureSteps) {
            if (captured == null && cfg.beta(step) == 1.0) {
                captured = new CapturedStep(model, adam, cfg, x.rows());
            }
            if (captured != null && captured.supports(x.rows(), step)) {
                StepResult r = captured.run(x, c, step, lr);
                step++;
                if (r.skipped()) {
                    return skip(r, r.gradNorm());
                }
                badInRow = 0;
                return r;
            }
        }
        StepResult r = workers == 2 && !reinforce && x.rows() >= 2 && x.rows() % 2 == 0 ? parallelPass(x, c) : pass(model, x, c,
                new Hvae.Streams(cfg.seed(), step), baseline);
        step++;
        if (!Double.isFinite(r.loss())) {
            return skip(r, Double.NaN);
        }
        // Two workers: the second core also updates about half of the parameters. A two-worker pass has already
        // summed the gradient norm from its halves (NaN otherwise: Adam computes it).
        float norm = Double.isNaN(r.gradNorm()) ? adam.step((float) lr, workers == 2 ? helper : null)
                : adam.step((float) lr, (float) r.gradNorm(), helper);
        if (!Float.isFinite(norm)) {
            return skip(r, norm);
        }
        badInRow = 0;
        return r.withGradNorm(norm, false);
    }

    private StepResult pass(Hvae m, Tensor x, Tensor c, Hvae.Streams streams, double[] base) {
        m.zeroGrad();
        try (MemoryScope scope = MemoryScope.open()) {
            Hvae.Pass ps = m.forward(x, c, cfg.objective().k(), streams);
            return Objectives.run(m, ps, cfg.objective(), cfg.beta(step), base, true);
        }
    }

    /**
     * Half a batch here, half on the worker thread; gradients averaged into the model's. The result's gradient norm
     * is that of the averaged gradients, summed from the two halves' sums of squares.
     */
    private StepResult parallelPass(Tensor x, Tensor c) {
        if (replica == null) {
            replica = model.replica();
            try (MemoryScope own = MemoryScope.open()) {  // the trainer owns these, not a caller's scope
                normSqLow = own.detach(model.backend().empty(1));
                normSqHigh = own.detach(model.backend().empty(1));
            }
            helper = new HelperThread("hvae4j-worker");
        }
        int h = x.rows() / 2;
        try (Tensor x0 = x.rowsView(0, h); Tensor x1 = x.rowsView(h, x.rows());
                Tensor c0 = c == null ? null : c.rowsView(0, h); Tensor c1 = c == null ? null : c.rowsView(h, c.rows())) {
            StepResult[] mine = new StepResult[1];
            StepResult b = helper.alongside(
                    () -> pass(replica, x1, c1, new Hvae.Streams(cfg.seed(), 2 * step + 1), baseline2),
                    () -> mine[0] = pass(model, x0, c0, new Hvae.Streams(cfg.seed(), 2 * step), baseline));
            StepResult a = mine[0];
            // The two means averaged, each core taking about half of the parameters.
            int split = Adam.halfByElements(model.parameters());
            helper.alongside(() -> averageGradients(0, split, normSqLow),
                    () -> averageGradients(split, model.parameters().size(), normSqHigh));
            double[] kl = new double[a.kl().length];
            for (int l = 0; l < kl.length; l++) {
                kl[l] = 0.5 * (a.kl()[l] + b.kl()[l]);
            }
            return new StepResult(0.5 * (a.objective() + b.objective()), 0.5 * (a.reconstruction() + b.reconstruction()),
                    kl, 0.5 * (a.loss() + b.loss()), Math.sqrt((double) normSqLow.item() + normSqHigh.item()), false);
        }
    }

    /** Averages the replica's gradients of parameters [from, to) into the model's; their sum of squares to normSq. */
    private void averageGradients(int from, int to, Tensor normSq) {
        var be = model.backend();
        List<Tensor> grads = new ArrayList<>();
        for (int i = from; i < to; i++) {
            Tensor g = model.parameters().get(i).grad();
            be.axpby(0.5f, replica.parameters().get(i).grad(), 0.5f, g);
            grads.add(g);
        }
        be.sumSquares(grads, normSq);
    }

    private StepResult skip(StepResult r, double norm) {
        skipped++;
        badInRow++;
        if (badInRow >= cfg.maxBadSteps()) {
            throw new TrainingDivergedException("training stopped: " + badInRow
                    + " consecutive steps had a non-finite loss or gradient (last loss " + r.loss() + ", gradient norm "
                    + norm + "); the last checkpoint, if any, is unchanged");
        }
        return r.withGradNorm(norm, true);
    }

    /** Trains until {@code cfg.epochs()}, from where this trainer stands (a resumed trainer continues). */
    public void fit(Dataset data, Path checkpoint) {
        if (data.cols() != model.spec().inputDim()) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.cols()
                    + " columns but the model's input has " + model.spec().inputDim());
        }
        if (model.spec().conditional() && model.spec().conditioningOneHot()) {
            if (!data.hasLabels()) {
                throw new IllegalArgumentException("the model is conditioned on a class label but dataset '"
                        + data.name() + "' has no labels");
            }
            if (data.numClasses() > model.spec().conditioningDim()) {
                throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.numClasses()
                        + " classes but the model's conditioning has " + model.spec().conditioningDim());
            }
        }
        long bad = data.firstNonFinite();
        if (bad >= 0) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has a non-finite value ("
                    + data.features()[(int) bad] + ") at row " + bad / data.cols() + ", column " + bad % data.cols());
        }
        if (data.rows() < cfg.batchSize()) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.rows()
                    + " rows, fewer than one batch of " + cfg.batchSize());
        }
        Batcher batcher = Batcher.of(data, cfg.batchSize(), cfg.seed()).withDropLast(true);
        int perEpoch = batcher.batchesPerEpoch();
        float[] buf = batcher.newFeatureBuffer();
        int[] labels = batcher.newLabelBuffer();
        Batches io = new Batches(model, cfg.batchSize());
        try (io) {
            while (epoch < cfg.epochs()) {
                Batcher.Epoch it = batcher.epoch(epoch);
                double[] sums = null;
                int n = 0;
                for (int b = 0; it.hasNext(); b++) {
                    it.next(buf, data.hasLabels() ? labels : null);
                    if (b < batchInEpoch) {
                        continue;  // resuming inside an epoch
                    }
                    double lr = cfg.learningRate()
                            * TrainConfig.scheduleFactor(cfg.schedule(), epoch + (double) b / perEpoch, cfg.epochs());
                    io.load(buf, data.hasLabels() ? labels : null);
                    StepResult r = step(io.x, io.c, lr);
                    batchInEpoch = b + 1;
                    if (!r.skipped()) {
                        sums = accumulate(sums, r);
                        n++;
                    }
                    for (TrainingListener l : listeners) {
                        l.onStep(step, epoch, b, perEpoch, r);
                    }
                }
                epoch++;
                batchInEpoch = 0;
                StepResult mean = mean(sums, n, model.depth());
                for (TrainingListener l : listeners) {
                    l.onEpoch(epoch, mean, step);
                }
                if (checkpoint != null) {
                    saveCheckpoint(checkpoint);
                }
            }
        }
    }

    private static double[] accumulate(double[] s, StepResult r) {
        double[] kl = r.kl();
        if (s == null) {
            s = new double[4 + kl.length];
        }
        s[0] += r.objective();
        s[1] += r.reconstruction();
        s[2] += r.loss();
        s[3] += r.gradNorm();
        for (int i = 0; i < kl.length; i++) {
            s[4 + i] += kl[i];
        }
        return s;
    }

    private static StepResult mean(double[] s, int n, int depth) {
        if (s == null || n == 0) {
            double[] nan = new double[depth];
            java.util.Arrays.fill(nan, Double.NaN);
            return new StepResult(Double.NaN, Double.NaN, nan, Double.NaN, Double.NaN, true);
        }
        double[] kl = new double[s.length - 4];
        for (int i = 0; i < kl.length; i++) {
            kl[i] = s[4 + i] / n;
        }
        return new StepResult(s[0] / n, s[1] / n, kl, s[2] / n, s[3] / n, false);
    }

    /** Writes a checkpoint of the current state atomically (temporary file, then rename). */
    public void saveCheckpoint(Path path) {
        try {
            Checkpoint.write(path, this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write checkpoint " + path + ": " + e.getMessage(), e);
        }
    }

    // ---- state for checkpoints -------------------------------------------------------------------------------

    Adam adam() {
        return adam;
    }

    int batchInEpoch() {
        return batchInEpoch;
    }

    double baseline() {
        return baseline[0];
    }

    void restore(long step, int epoch, int batchInEpoch, long adamSteps, double baselineValue, long skippedSteps) {
        this.step = step;
        this.epoch = epoch;
        this.batchInEpoch = batchInEpoch;
        this.adam.setSteps(adamSteps);
        this.baseline[0] = baselineValue;
        this.skipped = skippedSteps;
    }

    @Override
    public void close() {
        if (captured != null) {
            captured.close();
        }
        if (helper != null) {
            helper.close();  // waits for work in progress, which may use the replica
        }
        if (replica != null) {
            replica.close();
            normSqLow.close();
            normSqHigh.close();
        }
        adam.close();
    }

    /** Device buffers for one batch and its one-hot (or vector) conditioning. */
    static final class Batches implements AutoCloseable {
        final Tensor x;
        final Tensor c;
        private final float[] oneHot;
        private final Hvae model;

        Batches(Hvae model, int batch) {
            this.model = model;
            this.x = model.backend().empty(batch, model.spec().inputDim());
            int cd = model.spec().conditioningDim();
            this.c = cd > 0 ? model.backend().zeros(batch, cd) : null;
            this.oneHot = cd > 0 ? new float[batch * cd] : null;
        }

        void load(float[] features, int[] labels) {
            model.backend().copyFrom(features, x);
            if (c != null) {
                int cd = model.spec().conditioningDim();
                java.util.Arrays.fill(oneHot, 0f);
                for (int i = 0; i < x.rows(); i++) {
                    oneHot[i * cd + labels[i]] = 1f;
                }
                model.backend().copyFrom(oneHot, c);
            }
        }

        @Override
        public void close() {
            x.close();
            if (c != null) {
                c.close();
            }
        }
    }
}
