package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.BernoulliLatent;
import org.hvae4j.latent.GaussianLatent;
import org.hvae4j.latent.LatentSample;
import org.hvae4j.latent.Noise;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Evaluation of a trained {@link Hvae}: importance-sampled log p(x) with up to thousands of samples per example,
 * computed in chunks so memory stays bounded; the ELBO and its per-layer KL terms; active units; reconstructions;
 * samples from the prior; posterior means; anomaly scores. Noise streams are separate from training's.
 */
public final class Evaluator {
    private static final long EVAL_STEP_BASE = 1L << 40;
    private final Hvae model;
    private final long seed;

    public Evaluator(Hvae model, long seed) {
        this.model = model;
        this.seed = seed;
    }

    private Backend be() {
        return model.backend();
    }

    /** Loads rows [from, to) of data (and its conditioning) onto the backend. */
    private Trainer.Batches load(Dataset data, int from, int to) {
        int n = to - from;
        Trainer.Batches b = new Trainer.Batches(model, n);
        float[] buf = new float[n * data.cols()];
        System.arraycopy(data.features(), from * data.cols(), buf, 0, buf.length);
        int[] labels = null;
        if (model.spec().conditional()) {
            if (!data.hasLabels()) {
                b.close();
                throw new IllegalArgumentException("the model is conditional but dataset '" + data.name()
                        + "' has no labels");
            }
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = data.label(from + i);
            }
        }
        b.load(buf, labels);
        return b;
    }

    private void checkData(Dataset data) {
        if (data.cols() != model.spec().inputDim()) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has " + data.cols()
                    + " columns but the model's input has " + model.spec().inputDim());
        }
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
        double[] out = new double[data.rows()];
        long call = 0;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch), n = to - from;
            double[] max = new double[n], sum = new double[n];
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            try (Trainer.Batches b = load(data, from, to); Tensor x = fixedBinarization(b.x, from)) {
                for (int done = 0; done < k; done += chunk) {
                    int kc = Math.min(chunk, k - done);
                    float[] lw;
                    try (MemoryScope scope = MemoryScope.open()) {
                        Hvae.Pass ps = model.forward(x, b.c, kc, new Hvae.Streams(seed, EVAL_STEP_BASE + call++));
                        lw = ps.logWeights().toArray();
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
            }
            for (int i = 0; i < n; i++) {
                out[from + i] = max[i] + Math.log(sum[i]) - Math.log(k);
            }
        }
        return out;
    }

    /**
     * With a dynamically binarizing likelihood, one binarization of the batch shared by every chunk of importance
     * samples (on binary data it is the data itself); otherwise a view of x.
     */
    private Tensor fixedBinarization(Tensor x, int firstRow) {
        if (model.spec().likelihood() instanceof org.hvae4j.latent.BernoulliLikelihood b && b.binarized()) {
            return b.binarize(x, Noise.of(seed, EVAL_STEP_BASE - 1 - firstRow, 0));
        }
        return x.view(0, x.shape().dims());
    }

    /** Mean over examples of an array. */
    public static double mean(double[] a) {
        double s = 0;
        for (double v : a) {
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
        double obj = 0, rec = 0;
        double[] kl = new double[model.depth()];
        long call = 0;
        for (int from = 0; from < data.rows(); from += batch) {
            int to = Math.min(data.rows(), from + batch);
            try (Trainer.Batches b = load(data, from, to); MemoryScope scope = MemoryScope.open()) {
                Hvae.Pass ps = model.forward(b.x, b.c, 1, new Hvae.Streams(seed, EVAL_STEP_BASE / 2 + call++));
                StepResult r = Objectives.run(model, ps, Objective.elbo(), 1, new double[] {Double.NaN}, false);
                double w = (double) (to - from) / data.rows();
                obj += w * r.objective();
                rec += w * r.reconstruction();
                for (int l = 0; l < kl.length; l++) {
                    kl[l] += w * r.kl()[l];
                }
            }
        }
        return new StepResult(obj, rec, kl, -obj, Double.NaN, false);
    }

    /** The posterior mean of layer l for each row of a pass (rows × size). */
    private float[] posteriorMean(Hvae.Pass ps, int l) {
        LatentSpec s = model.latent(l);
        List<Tensor> q = ps.q[l];
        if (!s.isGaussian()) {
            Tensor p = be().empty(q.get(0).rows(), s.size());
            be().activation(Activation.SIGMOID, q.get(0), p);
            return p.toArray();
        }
        float[] mu = q.get(0).toArray();
        if (model.residualPosterior(l)) {
            float[] pm = ps.p[l].get(0).toArray();
            for (int i = 0; i < mu.length; i++) {
                mu[i] += pm[i];
            }
        }
        return mu;
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
            try (Trainer.Batches b = load(data, from, to); MemoryScope scope = MemoryScope.open()) {
                Hvae.Pass ps = model.forward(b.x, b.c, 1, new Hvae.Streams(seed, EVAL_STEP_BASE / 4 + call++));
                for (int l = 0; l < model.depth(); l++) {
                    float[] m = posteriorMean(ps, l);
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
            try (Trainer.Batches b = load(data, from, to); MemoryScope scope = MemoryScope.open()) {
                Hvae.Pass ps = model.forward(b.x, b.c, samples, new Hvae.Streams(seed, EVAL_STEP_BASE / 8 + call++));
                for (int l = 0; l < depth; l++) {
                    int d = model.latent(l).size();
                    float[] m = posteriorMean(ps, l);
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
            try (Trainer.Batches b = load(data, from, to); MemoryScope scope = MemoryScope.open()) {
                Hvae.Pass ps = model.forward(b.x, b.c, 1, new Hvae.Streams(seed, EVAL_STEP_BASE / 16 + call++));
                float[] mean = decoderMean(ps.likelihoodParams());
                System.arraycopy(mean, 0, out, from * data.cols(), mean.length);
            }
        }
        return out;
    }

    private float[] decoderMean(List<Tensor> heads) {
        if (model.spec().likelihood() instanceof org.hvae4j.latent.BernoulliLikelihood) {
            Tensor p = be().empty(heads.get(0).rows(), heads.get(0).cols());
            be().activation(Activation.SIGMOID, heads.get(0), p);
            return p.toArray();
        }
        return heads.get(0).toArray();
    }

    /**
     * n samples from the generative model by ancestral sampling (top prior, then each layer given the one above),
     * returning the decoder's mean of p(x|z); {@code classes} gives the conditioning class of each sample (null for
     * an unconditional model).
     */
    public float[] samplePrior(int n, int[] classes) {
        return fromPrior(n, classes, this::decoderMean);
    }

    /**
     * n draws of x from the generative model: z by ancestral sampling as in {@link #samplePrior}, then x from
     * p(x|z) itself (the decoder's mean plus Gaussian noise of its variance, or Bernoulli bits), so the spread of the
     * observation model shows.
     */
    public float[] sampleObservations(int n, int[] classes) {
        return fromPrior(n, classes, heads -> {
            float[] x = decoderMean(heads);
            java.util.SplittableRandom rng = new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
            if (model.spec().likelihood() instanceof org.hvae4j.latent.GaussianLikelihood g) {
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
        });
    }

    /** Draws z from the prior and hands the decoder's heads for it to {@code f}. */
    private float[] fromPrior(int n, int[] classes, java.util.function.Function<List<Tensor>, float[]> f) {
        if (n < 1) {
            throw new IllegalArgumentException("number of samples must be >= 1, got " + n);
        }
        if (model.spec().conditional() && (classes == null || classes.length != n)) {
            throw new IllegalArgumentException("a conditional model needs one class per sample");
        }
        try (MemoryScope scope = MemoryScope.open()) {
            Tensor c = null;
            if (model.spec().conditional()) {
                int cd = model.spec().conditioningDim();
                float[] oh = new float[n * cd];
                for (int i = 0; i < n; i++) {
                    if (classes[i] < 0 || classes[i] >= cd) {
                        throw new IllegalArgumentException("class " + classes[i] + " out of range [0, " + cd + ")");
                    }
                    oh[i * cd + classes[i]] = 1f;
                }
                c = be().fromArray(oh, n, cd);
            }
            int depth = model.depth();
            Tensor z = null;
            for (int l = depth - 1; l >= 0; l--) {
                LatentSpec s = model.latent(l);
                List<Tensor> p;
                if (l == depth - 1) {
                    p = model.prior[l] == null ? null : model.prior[l].forward(List.of(c)).heads();
                } else {
                    p = model.prior[l].forward(c == null ? List.of(z) : List.of(z, c)).heads();
                }
                Noise noise = Noise.of(seed, EVAL_STEP_BASE / 32, l);
                LatentSample out;
                if (s.isGaussian()) {
                    Tensor mu = p == null ? be().zeros(n, s.size()) : p.get(0);
                    Tensor lv = p == null ? be().zeros(n, s.size()) : p.get(1);
                    out = GaussianLatent.of(s.size()).rsample(mu, lv, null, null, noise);
                } else {
                    Tensor logits = p == null ? be().zeros(n, s.size()) : p.get(0);
                    out = BernoulliLatent.of(s.size(), org.hvae4j.latent.Estimator.straightThrough())
                            .sample(logits, null, 0f, noise);
                }
                z = out.z();
            }
            return f.apply(model.likelihoodParams(model.decoder.forward(c == null ? List.of(z) : List.of(z, c)).heads()));
        }
    }
}
