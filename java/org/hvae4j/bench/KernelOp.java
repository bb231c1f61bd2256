package org.hvae4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.hvae4j.latent.BernoulliLatent;
import org.hvae4j.latent.BernoulliLikelihood;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.GaussianLatent;
import org.hvae4j.latent.GaussianLikelihood;
import org.hvae4j.latent.ImportanceWeights;
import org.hvae4j.latent.LatentSample;
import org.hvae4j.latent.Noise;
import org.hvae4j.latent.RowWeights;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * The operations {@link KernelBench} measures, each called through the library's public, checked API on a
 * rows × cols case, with the least traffic ({@link Traffic}) one call must move. N = rows·cols, R = rows, C = cols
 * float32 values.
 */
enum KernelOp {
    /** {@link GaussianLatent#rsample} with a learned prior (not the standard normal). */
    GAUSSIAN_FWD("gaussian-fwd", "Gaussian latent rsample, learned prior: z and per-row KL, log q, log p",
            new Traffic(4, 0, 0, 1, 3)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor qMu = t.uniform(-1f, 1f, rows, cols);
            Tensor qLv = t.uniform(-2f, 1f, rows, cols);
            Tensor pMu = t.uniform(-1f, 1f, rows, cols);
            Tensor pLv = t.uniform(-2f, 1f, rows, cols);
            LatentSample out = new LatentSample(t.empty(rows, cols), t.empty(rows), t.empty(rows), t.empty(rows));
            GaussianLatent layer = GaussianLatent.of(cols);
            return () -> layer.rsample(qMu, qLv, pMu, pLv, NOISE, out);
        }
    },
    /** {@link GaussianLatent#backward} with a learned prior, dz and all three per-row weights given. */
    GAUSSIAN_BWD("gaussian-bwd", "Gaussian latent backward, learned prior, dz and w_kl, w_logq, w_logp given",
            new Traffic(5, 3, 0, 4, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor qMu = t.uniform(-1f, 1f, rows, cols);
            Tensor qLv = t.uniform(-2f, 1f, rows, cols);
            Tensor pMu = t.uniform(-1f, 1f, rows, cols);
            Tensor pLv = t.uniform(-2f, 1f, rows, cols);
            Tensor dz = t.uniform(-1f, 1f, rows, cols);
            RowWeights w = t.rowWeights(rows);
            Tensor dqMu = t.empty(rows, cols);
            Tensor dqLv = t.empty(rows, cols);
            Tensor dpMu = t.empty(rows, cols);
            Tensor dpLv = t.empty(rows, cols);
            GaussianLatent layer = GaussianLatent.of(cols);
            return () -> layer.backward(qMu, qLv, pMu, pLv, NOISE, dz, w, false, dqMu, dqLv, dpMu, dpLv);
        }
    },
    /** {@link BernoulliLatent#sample}, straight-through, with prior logits from a network. */
    BERNOULLI_FWD("bernoulli-fwd", "Bernoulli latent sample (straight-through), prior logits: z, KL, log q, log p",
            new Traffic(2, 0, 0, 1, 3)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor q = t.uniform(-3f, 3f, rows, cols);
            Tensor p = t.uniform(-3f, 3f, rows, cols);
            LatentSample out = new LatentSample(t.empty(rows, cols), t.empty(rows), t.empty(rows), t.empty(rows));
            BernoulliLatent layer = BernoulliLatent.of(cols, Estimator.straightThrough());
            return () -> layer.sample(q, p, 0f, NOISE, out);
        }
    },
    /** {@link BernoulliLatent#backward}, straight-through, prior logits, dz and all three per-row weights. */
    BERNOULLI_BWD("bernoulli-bwd", "Bernoulli latent backward (straight-through), prior logits, dz and 3 row weights",
            new Traffic(3, 3, 0, 2, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor q = t.uniform(-3f, 3f, rows, cols);
            Tensor p = t.uniform(-3f, 3f, rows, cols);
            Tensor dz = t.uniform(-1f, 1f, rows, cols);
            RowWeights w = t.rowWeights(rows);
            Tensor dq = t.empty(rows, cols);
            Tensor dp = t.empty(rows, cols);
            BernoulliLatent layer = BernoulliLatent.of(cols, Estimator.straightThrough());
            return () -> layer.backward(q, p, 0f, NOISE, dz, w, null, dq, dp);
        }
    },
    /** {@link BernoulliLikelihood#logProb} with in-kernel binarization; one target row per logits row. */
    BERNOULLI_LIK_FWD("bernoulli-lik-fwd", "Bernoulli likelihood log p(x|logits), x binarized in the kernel",
            new Traffic(2, 0, 0, 0, 1)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            List<Tensor> logits = List.of(t.uniform(-4f, 4f, rows, cols));
            Tensor x = t.uniform(0f, 1f, rows, cols);
            Tensor logp = t.empty(rows);
            BernoulliLikelihood lik = BernoulliLikelihood.of(true);
            return () -> lik.logProb(logits, x, NOISE, logp);
        }
    },
    /** {@link BernoulliLikelihood#backward} with in-kernel binarization. */
    BERNOULLI_LIK_BWD("bernoulli-lik-bwd", "Bernoulli likelihood backward, x binarized in the kernel, row weights",
            new Traffic(2, 1, 0, 1, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            List<Tensor> logits = List.of(t.uniform(-4f, 4f, rows, cols));
            Tensor x = t.uniform(0f, 1f, rows, cols);
            Tensor w = t.uniform(0f, 1f, rows);
            List<Tensor> d = List.of(t.empty(rows, cols));
            BernoulliLikelihood lik = BernoulliLikelihood.of(true);
            return () -> lik.backward(logits, x, NOISE, w, d);
        }
    },
    /** {@link GaussianLikelihood#logProb} with a learned log-variance per element. */
    GAUSSIAN_LIK_FWD("gaussian-lik-fwd", "Gaussian likelihood log p(x|mu, logvar), learned variance",
            new Traffic(3, 0, 0, 0, 1)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            List<Tensor> params = List.of(t.uniform(-1f, 1f, rows, cols), t.uniform(-2f, 1f, rows, cols));
            Tensor x = t.uniform(-1f, 1f, rows, cols);
            Tensor logp = t.empty(rows);
            GaussianLikelihood lik = GaussianLikelihood.learned();
            return () -> lik.logProb(params, x, NOISE, logp);
        }
    },
    /** {@link GaussianLikelihood#backward} with a learned log-variance per element. */
    GAUSSIAN_LIK_BWD("gaussian-lik-bwd", "Gaussian likelihood backward, learned variance, row weights",
            new Traffic(3, 1, 0, 2, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            List<Tensor> params = List.of(t.uniform(-1f, 1f, rows, cols), t.uniform(-2f, 1f, rows, cols));
            Tensor x = t.uniform(-1f, 1f, rows, cols);
            Tensor w = t.uniform(0f, 1f, rows);
            List<Tensor> d = List.of(t.empty(rows, cols), t.empty(rows, cols));
            GaussianLikelihood lik = GaussianLikelihood.learned();
            return () -> lik.backward(params, x, NOISE, w, d);
        }
    },
    /**
     * {@link ImportanceWeights#compute}: the rows × cols matrix read as log weights of k = cols importance samples
     * for batch = rows examples (sample-major: logw[s·rows + b]); writes the bound per example and the normalized
     * weights and their squares per sample.
     */
    IWAE("iwae", "IWAE bound, normalized weights and their squares: k = cols samples of batch = rows examples",
            new Traffic(1, 0, 0, 2, 1)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor logw = t.uniform(-110f, -90f, cols, rows);
            Tensor bound = t.empty(rows);
            Tensor wnorm = t.empty(Math.multiplyExact(cols, rows));
            Tensor wsq = t.empty(Math.multiplyExact(cols, rows));
            return () -> ImportanceWeights.compute(logw, cols, bound, wnorm, wsq);
        }
    },
    /** {@link Backend#activation} with tanh, out of place. */
    TANH_FWD("tanh-fwd", "dense algebra: y = tanh(x)", new Traffic(1, 0, 0, 1, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor x = t.uniform(-3f, 3f, rows, cols);
            Tensor y = t.empty(rows, cols);
            Backend be = t.backend();
            return () -> be.activation(Activation.TANH, x, y);
        }
    },
    /**
     * {@link Backend#activationBackward} with tanh: the derivative 1 − y² needs y and dy only, so x (passed by the
     * API for activations that need it) is not counted.
     */
    TANH_BWD("tanh-bwd", "dense algebra: dx = dy * (1 - y^2) (tanh reads y, not x)", new Traffic(2, 0, 0, 1, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor x = t.uniform(-3f, 3f, rows, cols);
            Tensor y = t.uniform(-1f, 1f, rows, cols);
            Tensor dy = t.uniform(-1f, 1f, rows, cols);
            Tensor dx = t.empty(rows, cols);
            Backend be = t.backend();
            return () -> be.activationBackward(Activation.TANH, x, y, dy, dx);
        }
    },
    /** {@link Backend#biasAdd}, in place: y is read and written. */
    BIAS_ADD("bias-add", "dense algebra: y[r, :] += bias (in place)", new Traffic(1, 0, 1, 1, 0)) {
        @Override
        Runnable prepare(BenchTensors t, int rows, int cols) {
            Tensor y = t.uniform(-1f, 1f, rows, cols);
            Tensor bias = t.uniform(-0.01f, 0.01f, cols);
            Backend be = t.backend();
            return () -> be.biasAdd(y, bias);
        }
    };

    /** One noise stream for every call: the same draws each time, which does not change the work done. */
    private static final Noise NOISE = new Noise(20261121L, 1L);

    private final String id;
    private final String description;
    private final Traffic traffic;

    KernelOp(String id, String description, Traffic traffic) {
        this.id = id;
        this.description = description;
        this.traffic = traffic;
    }

    /** The name used on the command line and in the tables. */
    String id() {
        return id;
    }

    String description() {
        return description;
    }

    Traffic traffic() {
        return traffic;
    }

    /**
     * Allocates and fills the inputs and outputs of a rows × cols case in {@code tensors} and returns one call of
     * the operation on them (the call may be repeated: it overwrites its outputs, or for bias-add adds again).
     */
    abstract Runnable prepare(BenchTensors tensors, int rows, int cols);

    /** Parses "all" or a comma-separated list of names. */
    static List<KernelOp> parseList(String s) {
        if (s.trim().equalsIgnoreCase("all")) {
            return List.of(values());
        }
        List<KernelOp> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String name = part.trim().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            KernelOp op = Arrays.stream(values()).filter(o -> o.id.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown op '" + part.trim() + "' (expected all or "
                            + Arrays.stream(values()).map(KernelOp::id).collect(Collectors.joining(", ")) + ")"));
            if (!out.contains(op)) {
                out.add(op);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no ops in '" + s + "'");
        }
        return out;
    }
}
