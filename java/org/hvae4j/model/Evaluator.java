package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.BernoulliLikelihood;
import org.hvae4j.latent.GaussianLikelihood;
import org.hvae4j.latent.Noise;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Evaluation of a trained {@link Hvae} on datasets, through the model's public passes: importance-sampled log p(x)
 * with up to thousands of samples per example, computed in chunks so memory stays bounded; the ELBO and its per-layer
 * KL terms; active units; reconstructions; samples from the prior; posterior means; anomaly scores. Noise streams are
 * separate from training's.
 */
public final class Evaluator {
    private static final long EVAL_STEP_BASE = 1L << 40;
    private final Hvae model;
    private final long seed;
    private int workers = 1;
    private BiConsumer<Integer, Double> afterBatch;

    public Evaluator(Hvae model, long seed) {
        this.model = model;
        this.seed = seed;
    }

    /**
     * Spreads {@link #logLikelihood(Dataset, int, int, int)} over {@code n} threads (CPU backend; 1 by default), each
     * evaluating whole batches against a {@link Hvae#replica} of the model (at most as many as half the backend's
     * memory holds passes of the budget below). Every batch draws the noise it draws on one thread, so the results are
     * the same, bit for bit, for any number of workers.
     */
    public Evaluator withWorkers(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("evaluation workers must be >= 1, got " + n);
        }
        if (n > 1 && model.backend().device().isCuda()) {
            throw new IllegalArgumentException("evaluation workers > 1 need the CPU backend (a GPU evaluates on one "
                    + "worker), got " + n);
        }
        workers = n;
        return this;
    }

    /**
     * Has {@link #logLikelihood(Dataset, int, int, int)} call {@code afterBatch} after each batch with the number of
     * its examples and the sum of their log-likelihoods (null: no calls). With several workers it is called from
     * each worker's thread, batches in any order, so it must be thread-safe.
     */
    public Evaluator withProgress(BiConsumer<Integer, Double> afterBatch) {
        this.afterBatch = afterBatch;
        return this;
    }

    /** The number of threads {@link #logLikelihood(Dataset, int, int, int)} uses. */
    public int workers() {
        return workers;
    }

    private Backend be() {
        return model.backend();
    }

    /** Rows [from, to) of data (and their conditions) on the backend, in the caller's memory scope. */
    Batches load(Dataset data, int from, int to) {
        int n = to - from;
        ModelSpec spec = model.spec();
        Tensor x = be().empty(n, data.cols());
        Tensor c = spec.conditional() ? be().empty(n, spec.conditioningDim()) : null;
        Batches b = new Batches(model, x, c);
        float[] buf = new float[n * data.cols()];
        System.arraycopy(data.features(), from * data.cols(), buf, 0, buf.length);
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = from + i;
        }
        int[] labels = null;
        float[] conditions = null;
        if (spec.conditional() && spec.conditioningOneHot()) {
            labels = new int[n];
            data.copyLabels(rows, 0, n, labels);
        } else if (spec.conditional()) {
            conditions = new float[n * spec.conditioningDim()];
            data.copyConditions(rows, 0, n, conditions);
        }
        b.load(buf, labels, conditions);
        return b;
    }

    void checkData(Dataset data) {
        Batches.check(model, data, 0);
    }

    /**
     * Importance-sampled log p(x) per example with k samples (the IWAE-k bound, which tends to log p(x) as k
     * grows), processed {@code chunk} samples and {@code batch} examples at a time.
     */
    public double[] logLikelihood(Dataset data, int k, int chunk, int batch) {
        checkData(data);
        if (k < 1 || chunk < 1 || batch < 1) {
            throw new IllegalArgumentException("k, chunk and batch must be >= 1 (got " + k + ", " + chunk + ", "
                    + batch + ")");
        }
        batch = Math.min(batch, maxRows());
        int batches = (data.rows() + batch - 1) / batch;
        // The noise streams of batch b start where those of the batches before it end, as on one thread.
        // Each batch's pass size is fixed here, whichever replica runs it, so that the offsets stay right.
        long[] firstCall = new long[batches + 1];
        int[] perPass = new int[batches];
        for (int b = 0; b < batches; b++) {
            perPass[b] = samplesPerPass(Math.min(batch, data.rows() - b * batch), chunk);
            firstCall[b + 1] = firstCall[b] + (k + perPass[b] - 1) / perPass[b];
        }
        double[] out = new double[data.rows()];
        int size = batch;
        BiConsumer<Evaluator, Integer> one = (ev, b) -> {
            int from = b * size, to = Math.min(data.rows(), from + size);
            try (MemoryScope outer = MemoryScope.open()) {
                Batches bt = ev.load(data, from, to);
                double[] ll = ev.logLikelihood(ev.fixedBinarization(bt.x, from), bt.c, k, perPass[b],
                        new long[] {firstCall[b]}, null);
                System.arraycopy(ll, 0, out, from, ll.length);
                if (afterBatch != null) {
                    afterBatch.accept(ll.length, java.util.Arrays.stream(ll).sum());
                }
            }
        };
        // Each thread's passes may take the whole pass budget: no more threads than half the memory holds.
        long memory = model.backend().memoryCapacity();
        int threads = (int) Math.min(Math.min(workers, batches), Math.max(1, memory / (2 * passBudget())));
        if (threads <= 1) {
            for (int b = 0; b < batches; b++) {
                one.accept(this, b);
            }
            return out;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        Consumer<Evaluator> loop = ev -> {
            try {
                for (int b = next.getAndIncrement(); b < batches && !failed.get(); b = next.getAndIncrement()) {
                    one.accept(ev, b);
                }
            } catch (RuntimeException | Error e) {
                failed.set(true);
                throw e;
            }
        };
        List<Hvae> replicas = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads - 1,
                r -> {
                    Thread t = new Thread(r, "hvae4j-eval");
                    t.setDaemon(true);
                    return t;
                });
        List<Future<?>> futures = new ArrayList<>();
        Throwable failure = null;
        try {
            for (int w = 1; w < threads; w++) {
                Hvae r = model.replica();
                replicas.add(r);
                Evaluator ev = new Evaluator(r, seed);
                futures.add(pool.submit(() -> loop.accept(ev)));
            }
            loop.accept(this);
        } catch (RuntimeException | Error e) {
            failed.set(true);
            failure = e;
        }
        // Every worker is waited for, even after a failure: the replicas are closed only when none uses them.
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = add(failure, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = add(failure, e);
            }
        }
        pool.shutdown();
        for (Hvae r : replicas) {
            r.close();
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        } else if (failure instanceof Error e) {
            throw e;
        } else if (failure != null) {
            throw new IllegalStateException("evaluation interrupted", failure);
        }
        return out;
    }

    private static Throwable add(Throwable first, Throwable next) {
        if (first == null) {
            return next;
        }
        if (first != next) {
            first.addSuppressed(next);
        }
        return first;
    }

    /**
     * The IWAE-k estimate of log p(x) of each row of x (already binarized), k samples drawn {@code chunk} at a time
     * from the streams of steps EVAL_STEP_BASE + call[0]++, with the proposal of {@code local} where given.
     */
    double[] logLikelihood(Tensor x, Tensor c, int k, int chunk, long[] call, LocalPosterior local) {
        int n = x.rows();
        double[] max = new double[n], sum = new double[n];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        int perPass = samplesPerPass(n, chunk);
        for (int done = 0; done < k; done += perPass) {
            int kc = Math.min(perPass, k - done);
            float[] lw;
            try (Pass ps = model.forward(x, c, kc, NoiseStreams.of(seed, EVAL_STEP_BASE + call[0]++), local)) {
                lw = ps.logWeightsArray();
            }
            for (int s = 0; s < kc; s++) {
                for (int i = 0; i < n; i++) {
                    double v = lw[s * n + i];
                    if (v > max[i]) {
                        sum[i] = sum[i] * Math.exp(max[i] - v) + 1;
                        max[i] = v;
                    } else {
                        sum[i] += Math.exp(v - max[i]);
                    }
                }
            }
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = max[i] + Math.log(sum[i]) - Math.log(k);
        }
        return out;
    }

    /**
     * With a dynamically binarizing likelihood, one binarization of the batch shared by every chunk of importance
     * samples (on binary data it is the data itself); otherwise x.
     */
    Tensor fixedBinarization(Tensor x, int firstRow) {
        if (model.spec().likelihood() instanceof BernoulliLikelihood b && b.binarized()) {
            return b.binarize(x, Noise.of(seed, EVAL_STEP_BASE - 1 - firstRow, 0));
        }
        return x;
    }

    /**
     * Memory one evaluation pass may hold: {@value #PASS_BUDGET_BYTES} bytes, or a quarter of the backend's memory when
     * that is less. The chunks of importance samples and the examples per pass shrink to fit it (an MLP's passes of
     * 100 examples × 500 samples fit; a convolutional model's are made smaller). Only a pass that would exceed it is
     * split, so the samples drawn, and the results, of the passes that fit are unchanged.
     */
    static final long PASS_BUDGET_BYTES = 2L << 30;

    /** Importance samples per pass over n examples: {@code chunk}, or fewer where a pass would exceed the budget. */
    private int samplesPerPass(int n, int chunk) {
        return Math.max(1, Math.min(chunk, maxRows() / Math.max(1, n)));
    }

    int maxRows() {
        return model.rowsWithin(passBudget());
    }

    private long passBudget() {
        return Math.min(PASS_BUDGET_BYTES, model.backend().memoryCapacity() / 4);
    }

    /** Mean over examples of an array. */
    public static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s / a.length;
    }

    private static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }

    /** −log p(x) per example by importance sampling with k samples: higher is more anomalous. */
    public double[] anomalyScores(Dataset data, int k) {
        double[] ll = logLikelihood(data, k, Math.min(k, 100), 100);
        for (int i = 0; i < ll.length; i++) {
            ll[i] = -ll[i];
        }
        return ll;
    }

    /** The ELBO (one sample per example) with its reconstruction and per-layer KL terms, averaged. */
    public StepResult elbo(Dataset data, int batch) {
        checkData(data);
        batch = Math.max(1, Math.min(batch, maxRows()));
        double obj = 0, rec = 0;
        double[] kl = new double[model.depth()];
        long call = 0;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch);
            try (MemoryScope scope = MemoryScope.open()) {
                Batches b = load(data, from, to);
                Pass ps = model.forward(b.x, b.c, 1, NoiseStreams.of(seed, EVAL_STEP_BASE / 2 + call++));
                double w = (double) (to - from) / data.rows();
                double r = mean(ps.logLikelihoodArray()), e = r;
                for (int l = 0; l < kl.length; l++) {
                    double k = mean(ps.klTermArray(l));
                    kl[l] += w * k;
                    e -= k;
                }
                obj += w * e;
                rec += w * r;
            }
        }
        return new StepResult(obj, rec, kl, -obj, Double.NaN, false);
    }

    /** Posterior means of every layer (bottom-up: index 0 is z1) for each example. */
    public List<float[]> encode(Dataset data, int batch) {
        checkData(data);
        List<float[]> out = new ArrayList<>();
        for (int l = 0; l < model.depth(); l++) {
            out.add(new float[data.rows() * model.latent(l).size()]);
        }
        long call = 0;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch);
            try (MemoryScope scope = MemoryScope.open()) {
                Batches b = load(data, from, to);
                List<Tensor> means = model.encode(b.x, b.c, NoiseStreams.of(seed, EVAL_STEP_BASE / 4 + call++));
                for (int l = 0; l < model.depth(); l++) {
                    float[] m = means.get(l).toArray();
                    System.arraycopy(m, 0, out.get(l), from * model.latent(l).size(), m.length);
                }
            }
        }
        return out;
    }

    /**
     * Active units per layer (Burda et al.): a unit is active when the variance over the data of its posterior
     * mean exceeds {@code threshold} (0.01 in the paper). Higher layers' means are taken given sampled parents,
     * averaged over {@code samples} draws.
     */
    public int[] activeUnits(Dataset data, double threshold, int samples) {
        checkData(data);
        int depth = model.depth();
        double[][] sum = new double[depth][], sq = new double[depth][];
        for (int l = 0; l < depth; l++) {
            sum[l] = new double[model.latent(l).size()];
            sq[l] = new double[model.latent(l).size()];
        }
        long call = 0;
        int batch = 100;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch), n = to - from;
            try (MemoryScope scope = MemoryScope.open()) {
                Batches b = load(data, from, to);
                Pass ps = model.forward(b.x, b.c, samples, NoiseStreams.of(seed, EVAL_STEP_BASE / 8 + call++));
                for (int l = 0; l < depth; l++) {
                    int d = model.latent(l).size();
                    float[] m = model.latentLayer(l).posteriorMean(ps.posterior(l), ps.prior(l)).toArray();
                    for (int i = 0; i < n; i++) {
                        for (int u = 0; u < d; u++) {
                            double e = 0;
                            for (int s = 0; s < samples; s++) {
                                e += m[(s * n + i) * d + u];
                            }
                            e /= samples;
                            sum[l][u] += e;
                            sq[l][u] += e * e;
                        }
                    }
                }
            }
        }
        int[] active = new int[depth];
        for (int l = 0; l < depth; l++) {
            for (int u = 0; u < sum[l].length; u++) {
                double mean = sum[l][u] / data.rows();
                double var = sq[l][u] / data.rows() - mean * mean;
                if (var > threshold) {
                    active[l]++;
                }
            }
        }
        return active;
    }

    /** The decoder's mean of p(x|z) (probabilities for Bernoulli) for z drawn from q(z|x), per example. */
    public float[] reconstruct(Dataset data, int batch) {
        checkData(data);
        float[] out = new float[data.rows() * data.cols()];
        long call = 0;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch);
            try (MemoryScope scope = MemoryScope.open()) {
                Batches b = load(data, from, to);
                Pass ps = model.forward(b.x, b.c, 1, NoiseStreams.of(seed, EVAL_STEP_BASE / 16 + call++));
                float[] mean = model.likelihoodMean(ps.likelihoodParameters()).toArray();
                System.arraycopy(mean, 0, out, from * data.cols(), mean.length);
            }
        }
        return out;
    }

    /**
     * n samples from the generative model by ancestral sampling (top prior, then each layer given the one above),
     * returning the decoder's mean of p(x|z); {@code classes} gives the conditioning class of each sample (null for
     * an unconditional model; for a model conditioned on vectors see {@link #samplePriorGiven}).
     */
    public float[] samplePrior(int n, int[] classes) {
        try (MemoryScope scope = MemoryScope.open()) {
            return model.likelihoodMean(fromPrior(n, oneHot(n, classes))).toArray();
        }
    }

    /** {@link #samplePrior} for a model conditioned on vectors: {@code conditions} holds n rows of them. */
    public float[] samplePriorGiven(int n, float[] conditions) {
        try (MemoryScope scope = MemoryScope.open()) {
            return model.likelihoodMean(fromPrior(n, vectors(n, conditions))).toArray();
        }
    }

    /**
     * n draws of x from the generative model: z by ancestral sampling as in {@link #samplePrior}, then x from
     * p(x|z) itself (the decoder's mean plus Gaussian noise of its variance, or Bernoulli bits), so the spread of the
     * observation model shows.
     */
    public float[] sampleObservations(int n, int[] classes) {
        try (MemoryScope scope = MemoryScope.open()) {
            List<Tensor> heads = fromPrior(n, oneHot(n, classes));
            float[] x = model.likelihoodMean(heads).toArray();
            java.util.SplittableRandom rng = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
            if (model.spec().likelihood() instanceof GaussianLikelihood g) {
                float[] lv = g.learnedVariance() ? heads.get(1).toArray() : null;
                for (int i = 0; i < x.length; i++) {
                    x[i] += (float) (Math.exp(0.5 * (lv != null ? lv[i] : g.logVariance())) * rng.nextGaussian());
                }
            } else {
                for (int i = 0; i < x.length; i++) {
                    x[i] = rng.nextDouble() < x[i] ? 1f : 0f;
                }
            }
            return x;
        }
    }

    /** The likelihood's parameters for n prior draws (in the caller's scope). */
    private List<Tensor> fromPrior(int n, Tensor c) {
        return model.likelihoodFrom(model.depth() - 1, null, n, c, 1.0, seed);
    }

    /** The one-hot conditions of n samples' classes (null for an unconditional model), in the caller's scope. */
    private Tensor oneHot(int n, int[] classes) {
        if (n < 1) {
            throw new IllegalArgumentException("number of samples must be >= 1, got " + n);
        }
        ModelSpec spec = model.spec();
        if (!spec.conditional()) {
            return null;
        }
        if (!spec.conditioningOneHot()) {
            throw new IllegalArgumentException("the model is conditioned on vectors: use samplePriorGiven");
        }
        if (classes == null || classes.length != n) {
            throw new IllegalArgumentException("a conditional model needs one class per sample");
        }
        int cd = spec.conditioningDim();
        float[] oh = new float[n * cd];
        for (int i = 0; i < n; i++) {
            if (classes[i] < 0 || classes[i] >= cd) {
                throw new IllegalArgumentException("class " + classes[i] + " out of range [0, " + cd + ")");
            }
            oh[i * cd + classes[i]] = 1f;
        }
        return be().fromArray(oh, n, cd);
    }

    private Tensor vectors(int n, float[] conditions) {
        ModelSpec spec = model.spec();
        if (n < 1) {
            throw new IllegalArgumentException("number of samples must be >= 1, got " + n);
        }
        if (!spec.conditional() || spec.conditioningOneHot()) {
            throw new IllegalArgumentException("the model is not conditioned on vectors");
        }
        int cd = spec.conditioningDim();
        if (conditions == null || conditions.length != n * cd) {
            throw new IllegalArgumentException("give " + n + " condition vectors of " + cd + " values ("
                    + n * cd + " floats)");
        }
        return be().fromArray(conditions, n, cd);
    }
}
