package org.hvae4j.experiments;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.InferenceGaps;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.NoiseStreams;
import org.hvae4j.model.Objective;
import org.hvae4j.model.Pass;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * The harmonium check of Theorem 1 in the note on VAE approximation errors: a Bernoulli–Bernoulli harmonium (an RBM)
 * p(x, z) ∝ exp(xᵀWz + uᵀx + vᵀz) small enough to enumerate its hidden states, data drawn from it, and VAEs with
 * one Bernoulli latent layer fitted to the data, whose log-likelihood, ELBO and best factorized posterior are computed
 * exactly by enumerating z (2^m states) and compared with {@link InferenceGaps}' Monte-Carlo estimates.
 *
 * <p>With a fixed prior Bernoulli(½)^m (hvae4j's), the consistent set of Theorem 1 — harmoniums whose z-marginal is
 * that prior — holds the harmoniums in which every visible unit is coupled to one hidden unit (then Σ_i softplus(W_i z
 * + u_i) separates over z and vᵀz can cancel it). The {@link #block} harmonium is one; the {@link #dense} one couples
 * every visible unit to every hidden one and lies outside. A VAE whose encoder and decoder natural parameters are
 * affine (no hidden layers) can represent the block harmonium exactly, posterior included.
 * <pre>java ... org.hvae4j.experiments.Harmonium [EPOCHS] [SEED] [VISIBLE] [HIDDEN]</pre>
 */
public final class Harmonium {
    final double[][] w;  // [n][m]
    final double[] u;
    final double[] v;

    Harmonium(double[][] w, double[] u, double[] v) {
        this.w = w;
        this.u = u;
        this.v = v;
    }

    public int visible() {
        return u.length;
    }

    public int hidden() {
        return v.length;
    }

    static double softplus(double a) {
        return a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a));
    }

    /**
     * n visible units in m blocks, unit i coupled to hidden unit i·m/n only (weights ±(1.5…3)), hidden biases chosen
     * so that every hidden unit is Bernoulli(½) in the marginal: the harmonium is a VAE with an affine decoder and the
     * standard prior.
     */
    public static Harmonium block(int n, int m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] w = new double[n][m];
        double[] u = new double[n], v = new double[m];
        for (int i = 0; i < n; i++) {
            int j = i * m / n;
            w[i][j] = (r.nextBoolean() ? 1 : -1) * (1.5 + 1.5 * r.nextDouble());
            u[i] = -w[i][j] / 2 + 0.5 * r.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            int j = i * m / n;
            v[j] -= softplus(w[i][j] + u[i]) - softplus(u[i]);
        }
        return new Harmonium(w, u, v);
    }

    /** Every visible unit coupled to every hidden one (weights N(0, 1.5²)): outside the consistent set. */
    public static Harmonium dense(int n, int m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] w = new double[n][m];
        double[] u = new double[n], v = new double[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                w[i][j] = 1.5 * r.nextGaussian();
            }
            u[i] = 0.5 * r.nextGaussian();
        }
        for (int j = 0; j < m; j++) {
            v[j] = 0.5 * r.nextGaussian();
        }
        return new Harmonium(w, u, v);
    }

    /** The hidden state with index s (bit j of s is z_j). */
    static double[] state(int s, int m) {
        double[] z = new double[m];
        for (int j = 0; j < m; j++) {
            z[j] = (s >> j) & 1;
        }
        return z;
    }

    /** vᵀz + Σ_i softplus(W_i z + u_i) for every hidden state: the unnormalized log marginal of z. */
    double[] hiddenLogMarginal() {
        int m = hidden();
        double[] t = new double[1 << m];
        for (int s = 0; s < t.length; s++) {
            double[] z = state(s, m);
            double a = dot(v, z);
            for (int i = 0; i < visible(); i++) {
                a += softplus(dot(w[i], z) + u[i]);
            }
            t[s] = a;
        }
        return t;
    }

    /** log Σ_z exp(vᵀz) Π_i (1 + exp(W_i z + u_i)): the log-partition function. */
    double logPartition() {
        return logSumExp(hiddenLogMarginal());
    }

    /** Exact log p(x) of each row. */
    public double[] logLikelihood(Dataset data) {
        double logZ = logPartition();
        int m = hidden();
        double[] out = new double[data.rows()];
        double[] t = new double[1 << m];
        for (int r = 0; r < data.rows(); r++) {
            for (int s = 0; s < t.length; s++) {
                double[] z = state(s, m);
                double a = dot(v, z);
                for (int i = 0; i < visible(); i++) {
                    a += data.get(r, i) * (dot(w[i], z) + u[i]);
                }
                t[s] = a;
            }
            out[r] = logSumExp(t) - logZ;
        }
        return out;
    }

    /** {@code rows} exact draws: z from its marginal (by enumeration), then x | z. */
    public Dataset sample(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int m = hidden(), n = visible();
        double[] logp = hiddenLogMarginal();
        double lz = logSumExp(logp);
        float[] x = new float[rows * n];
        for (int e = 0; e < rows; e++) {
            double t = r.nextDouble(), acc = 0;
            int s = 0;
            for (; s < logp.length - 1; s++) {
                acc += Math.exp(logp[s] - lz);
                if (t < acc) {
                    break;
                }
            }
            double[] z = state(s, m);
            for (int i = 0; i < n; i++) {
                double p = 1 / (1 + Math.exp(-(dot(w[i], z) + u[i])));
                x[e * n + i] = r.nextDouble() < p ? 1f : 0f;
            }
        }
        return Dataset.of("harmonium", x, rows, n);
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double logSumExp(double[] t) {
        double mx = Double.NEGATIVE_INFINITY;
        for (double a : t) {
            mx = Math.max(mx, a);
        }
        double s = 0;
        for (double a : t) {
            s += Math.exp(a - mx);
        }
        return mx + Math.log(s);
    }

    // ---- a fitted VAE, exactly --------------------------------------------------------------------------------

    /** A VAE with one Bernoulli layer of m units for n binary inputs: affine (no hidden layers) or an MLP. */
    public static ModelSpec vae(int n, int m, int[] hidden, Estimator estimator) {
        ModelSpec.Builder b = ModelSpec.builder().latent(LatentSpec.bernoulli(m, estimator));
        if (hidden.length > 0) {
            b.hidden(hidden);
        }
        return b.observed(n, Likelihood.parse("bernoulli")).build();
    }

    /**
     * A one-layer Bernoulli VAE's exact figures per example, by enumerating z: log p(x), the amortized ELBO, and the
     * ELBO of the best factorized posterior found by coordinate ascent (mean-field updates from the encoder's
     * posterior until no probability moves by more than 1e-10).
     */
    public record Exact(double[] logLikelihood, double[] amortizedElbo, double[] bestElbo) {
        public double meanApproximationGap() {
            return Evaluator.mean(logLikelihood) - Evaluator.mean(bestElbo);
        }

        public double meanAmortizationGap() {
            return Evaluator.mean(bestElbo) - Evaluator.mean(amortizedElbo);
        }
    }

    public static Exact exact(Hvae model, Dataset data) {
        Backend be = model.backend();
        int m = model.latent(0).size(), n = data.cols(), states = 1 << m;
        double[][] logpx = new double[data.rows()][states];   // log p(x | z_s) per example
        double[][] q;
        try (MemoryScope scope = MemoryScope.open()) {
            float[] zs = new float[states * m];
            for (int s = 0; s < states; s++) {
                for (int j = 0; j < m; j++) {
                    zs[s * m + j] = (s >> j) & 1;
                }
            }
            List<Tensor> heads = model.decoderOutputs(be.fromArray(zs, states, m), null);
            float[] logits = heads.get(0).toArray();
            for (int r = 0; r < data.rows(); r++) {
                for (int s = 0; s < states; s++) {
                    double a = 0;
                    for (int i = 0; i < n; i++) {
                        double l = logits[s * n + i];
                        a += data.get(r, i) * l - softplus(l);
                    }
                    logpx[r][s] = a;
                }
            }
            Tensor x = be.fromArray(data.copyFeatures(), data.rows(), n);
            try (Pass ps = model.forward(x, null, 1, NoiseStreams.of(0, 0))) {
                float[] ql = ps.posterior(0).get(0).toArray();
                q = new double[data.rows()][m];
                for (int r = 0; r < data.rows(); r++) {
                    for (int j = 0; j < m; j++) {
                        q[r][j] = 1 / (1 + Math.exp(-ql[r * m + j]));
                    }
                }
            }
        }
        double logPrior = -m * Math.log(2);
        double[] ll = new double[data.rows()], amortized = new double[data.rows()], best = new double[data.rows()];
        for (int r = 0; r < data.rows(); r++) {
            double[] joint = new double[states];
            for (int s = 0; s < states; s++) {
                joint[s] = logpx[r][s] + logPrior;
            }
            ll[r] = logSumExp(joint);
            amortized[r] = elbo(joint, q[r]);
            double[] mf = q[r].clone();
            for (int sweep = 0; sweep < 10_000; sweep++) {
                double moved = 0;
                for (int j = 0; j < m; j++) {
                    // q_j(1) ∝ exp(E_{q_−j} log p(x, z) | z_j = 1), q_j(0) likewise.
                    double e1 = 0, e0 = 0;
                    for (int s = 0; s < states; s++) {
                        double p = 1;
                        for (int k = 0; k < m; k++) {
                            if (k != j) {
                                p *= ((s >> k) & 1) == 1 ? mf[k] : 1 - mf[k];
                            }
                        }
                        if (((s >> j) & 1) == 1) {
                            e1 += p * joint[s];
                        } else {
                            e0 += p * joint[s];
                        }
                    }
                    // Each state with bit j set is counted once per setting of the other bits: the sums above are the
                    // conditional expectations (the other bits' weights sum to 1 over each half).
                    double nq = 1 / (1 + Math.exp(-(e1 - e0)));
                    moved = Math.max(moved, Math.abs(nq - mf[j]));
                    mf[j] = nq;
                }
                if (moved < 1e-10) {
                    break;
                }
            }
            best[r] = Math.max(elbo(joint, mf), amortized[r]);
        }
        return new Exact(ll, amortized, best);
    }

    /** Σ_z q(z) (log p(x, z) − log q(z)) for a factorized q with probabilities p. */
    static double elbo(double[] joint, double[] p) {
        int m = p.length;
        double e = 0;
        for (int s = 0; s < joint.length; s++) {
            double qs = 1, lq = 0;
            for (int j = 0; j < m; j++) {
                double pj = ((s >> j) & 1) == 1 ? p[j] : 1 - p[j];
                qs *= pj;
                lq += pj > 0 ? Math.log(pj) : 0;
            }
            if (qs > 0) {
                e += qs * (joint[s] - lq);
            }
        }
        return e;
    }

    /** Trains a VAE of {@code spec} on {@code train} with an objective (Adam 3e-3, batch 100) for {@code epochs}. */
    public static Hvae fit(ModelSpec spec, Dataset train, Objective objective, int epochs, long seed) {
        Hvae model = new Hvae(spec, Backend.cpu(), seed);
        TrainConfig cfg = TrainConfig.defaults(epochs).withObjective(objective).withSeed(seed)
                .withLearningRate(3e-3);
        try (Trainer t = new Trainer(model, cfg)) {
            t.fit(train, null);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        return model;
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 0;
        int n = args.length > 2 ? Integer.parseInt(args[2]) : 12, m = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        System.out.println("| harmonium | VAE | exact E log p_true(x) | exact log p(x) | exact ELBO(q*) | exact ELBO(q) "
                + "| approximation gap exact / measured | amortization gap exact / measured |");
        System.out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (String kind : new String[] {"block", "dense"}) {
            Harmonium h = kind.equals("block") ? block(n, m, seed + 1) : dense(n, m, seed + 1);
            Dataset train = h.sample(5000, seed + 2), test = h.sample(500, seed + 3);
            double truth = Evaluator.mean(h.logLikelihood(test));
            for (int variant = 0; variant < 4; variant++) {
                int[] hidden = variant % 2 == 0 ? new int[0] : new int[] {64, 64};
                boolean iwae = variant >= 2;
                ModelSpec spec = vae(n, m, hidden, iwae ? Estimator.straightThroughSigmoid() : Estimator.reinforce());
                Objective objective = iwae ? Objective.iwae(10) : Objective.elbo();
                try (Hvae model = fit(spec, train, objective, epochs, seed)) {
                    Exact ex = exact(model, test);
                    InferenceGaps.Summary s = InferenceGaps.measure(model, test, InferenceGaps.Options.defaults()
                            .withLogLikelihoodSamples(1000)).summary();
                    System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f / %s | %.3f / %s |%n",
                            kind, (hidden.length == 0 ? "affine" : "MLP " + java.util.Arrays.toString(hidden))
                                    + (iwae ? ", IWAE-10 (straight-through)" : ", ELBO (REINFORCE)"), truth,
                            Evaluator.mean(ex.logLikelihood()), Evaluator.mean(ex.bestElbo()),
                            Evaluator.mean(ex.amortizedElbo()),
                            ex.meanApproximationGap(), s.approximationGap(), ex.meanAmortizationGap(),
                            s.amortizationGap());
                }
            }
        }
    }
}
