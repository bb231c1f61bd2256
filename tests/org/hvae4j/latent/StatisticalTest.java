package org.hvae4j.latent;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Samplers and estimators against exact answers. */
class StatisticalTest {
    private final Backend cpu = Backend.cpu();

    static float[] fill(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    static double mean(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s / a.length;
    }

    static double variance(float[] a, double m) {
        double s = 0;
        for (float v : a) {
            s += (v - m) * (v - m);
        }
        return s / (a.length - 1);
    }

    /** Standard normal CDF (Abramowitz and Stegun 7.1.26 via erf, error < 1.5e-7). */
    static double phi(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x) / Math.sqrt(2));
        double y = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
                * Math.exp(-x * x / 2);
        return 0.5 * (1 + Math.signum(x) * y);
    }

    @Test
    void gaussianSamplesHaveTheRightMomentsAndPassKolmogorovSmirnov() {
        int n = 200_000;
        float mu = 1.5f, lv = (float) Math.log(0.64);  // sigma 0.8
        try (MemoryScope s = MemoryScope.open()) {
            LatentSample out = GaussianLatent.of(1).rsample(cpu.fromArray(fill(n, mu), n, 1),
                    cpu.fromArray(fill(n, lv), n, 1), null, null, new Noise(123, 0));
            float[] z = out.z().toArray();
            double m = mean(z), v = variance(z, m);
            assertEquals(mu, m, 4 * 0.8 / Math.sqrt(n), "mean");
            assertEquals(0.64, v, 4 * 0.64 * Math.sqrt(2.0 / n), "variance");
            double[] std = new double[n];
            for (int i = 0; i < n; i++) {
                std[i] = (z[i] - mu) / 0.8;
            }
            Arrays.sort(std);
            double d = 0;
            for (int i = 0; i < n; i++) {
                double f = phi(std[i]);
                d = Math.max(d, Math.max(f - (double) i / n, (double) (i + 1) / n - f));
            }
            // Critical value of the KS statistic at the 0.1% level: 1.95 / sqrt(n).
            assertTrue(d < 1.95 / Math.sqrt(n), "KS statistic " + d);
        }
    }

    /**
     * One Philox block serves four neighbouring normals (two Box–Muller pairs, both normals of each pair): they must be
     * independent standard normals, not just each one standard normal. Rows of four columns line the blocks up, so
     * every within-block pair and the pairs across neighbouring blocks are checked: correlation 0 and, for
     * independent standard normals, E[a²b²] = 1 (two normals that shared a radius would be uncorrelated but give
     * E[a²b²] = 2), each within 5 standard errors.
     */
    @Test
    void neighbouringNormalsAreIndependent() {
        int rows = 250_000, d = 4;
        try (MemoryScope s = MemoryScope.open()) {
            float[] z = GaussianLatent.of(d).rsample(cpu.zeros(rows, d), cpu.zeros(rows, d), null, null,
                    new Noise(77, 3)).z().toArray();
            for (int a = 0; a < d; a++) {
                double m = 0, v = 0;
                for (int r = 0; r < rows; r++) {
                    m += z[r * d + a];
                }
                m /= rows;
                for (int r = 0; r < rows; r++) {
                    v += (z[r * d + a] - m) * (z[r * d + a] - m);
                }
                v /= rows - 1;
                assertEquals(0, m, 5 / Math.sqrt(rows), "mean of column " + a);
                assertEquals(1, v, 5 * Math.sqrt(2.0 / rows), "variance of column " + a);
            }
            // (a, b, row lag): all pairs within a block, and the last of a block with the first of the next.
            int[][] pairs = {{0, 1, 0}, {2, 3, 0}, {0, 2, 0}, {1, 3, 0}, {0, 3, 0}, {1, 2, 0}, {3, 0, 1}};
            for (int[] p : pairs) {
                int n = rows - p[2];
                double ab = 0, a2b2 = 0;
                for (int r = 0; r < n; r++) {
                    double x = z[r * d + p[0]], y = z[(r + p[2]) * d + p[1]];
                    ab += x * y;
                    a2b2 += x * x * y * y;
                }
                String what = "columns " + p[0] + ", " + p[1] + " (row lag " + p[2] + ")";
                // Var(ab) = 1 and Var(a²b²) = E[a⁴]E[b⁴] − 1 = 8 for independent standard normals.
                assertEquals(0, ab / n, 5 / Math.sqrt(n), "E[ab] of " + what);
                assertEquals(1, a2b2 / n, 5 * Math.sqrt(8.0 / n), "E[a²b²] of " + what);
            }
        }
    }

    @Test
    void gaussianKlMatchesMonteCarlo() {
        int n = 1_000_000, d = 1;
        float qm = 0.3f, ql = -0.5f, pm = -0.4f, pl = 0.7f;
        try (MemoryScope s = MemoryScope.open()) {
            LatentSample out = GaussianLatent.of(d).rsample(cpu.fromArray(fill(n, qm), n, d),
                    cpu.fromArray(fill(n, ql), n, d), cpu.fromArray(fill(n, pm), n, d), cpu.fromArray(fill(n, pl), n, d),
                    new Noise(5, 1));
            float[] lq = out.logq().toArray(), lp = out.logp().toArray();
            float[] diff = new float[n];
            for (int i = 0; i < n; i++) {
                diff[i] = lq[i] - lp[i];
            }
            double m = mean(diff), se = Math.sqrt(variance(diff, m) / n);
            double analytic = out.kl().toArray()[0];
            double exact = 0.5 * (pl - ql + (Math.exp(ql) + (qm - pm) * (qm - pm)) / Math.exp(pl) - 1);
            assertEquals(exact, analytic, 1e-6);
            assertEquals(analytic, m, 3 * se, "Monte-Carlo KL " + m + " ± " + se);
        }
    }

    @Test
    void bernoulliKlMatchesMonteCarloAndSamplesHaveTheRightMean() {
        int n = 1_000_000;
        float lq = 0.8f, lp = -1.1f;
        try (MemoryScope s = MemoryScope.open()) {
            LatentSample out = BernoulliLatent.of(1, Estimator.straightThrough()).sample(
                    cpu.fromArray(fill(n, lq), n, 1), cpu.fromArray(fill(n, lp), n, 1), 0f, new Noise(9, 2));
            float[] z = out.z().toArray(), q = out.logq().toArray(), p = out.logp().toArray();
            double pq = 1 / (1 + Math.exp(-lq));
            double zm = mean(z);
            assertEquals(pq, zm, 4 * Math.sqrt(pq * (1 - pq) / n), "P(z = 1)");
            for (float v : z) {
                assertTrue(v == 0f || v == 1f);
            }
            float[] diff = new float[n];
            for (int i = 0; i < n; i++) {
                diff[i] = q[i] - p[i];
            }
            double m = mean(diff), se = Math.sqrt(variance(diff, m) / n);
            assertEquals(out.kl().toArray()[0], m, 3 * se);
        }
    }

    /**
     * Toy objective f(z) = (z − t)² with z ~ Bernoulli(σ(l)): E f = σ(l)(1−t)² + (1−σ(l))t², so the exact gradient
     * is σ'(l)(1 − 2t). REINFORCE with the reward f(z) and a constant baseline is unbiased; straight-through is
     * not, and its bias is measured here against its analytic value: the ST-sigmoid estimate 2(z − t)σ'(l) has
     * mean 2(σ(l) − t)σ'(l), i.e. a bias of σ'(l)(2σ(l) − 1) (0.113 at l = 1.2, t = 0.25; see the assertion).
     */
    @Test
    void reinforceIsUnbiasedAndStraightThroughBiasIsAsStated() {
        int n = 1_000_000;
        float l = 1.2f, t = 0.25f;
        double q = 1 / (1 + Math.exp(-l)), dq = q * (1 - q);
        double exact = dq * (1 - 2 * t);
        try (MemoryScope s = MemoryScope.open()) {
            Tensor logits = cpu.fromArray(fill(n, l), n, 1);
            Noise noise = new Noise(77, 3);
            LatentSample sample = BernoulliLatent.of(1, Estimator.reinforce()).sample(logits, null, 0f, noise);
            float[] z = sample.z().toArray();
            float[] signal = new float[n];
            float[] dz = new float[n];
            float baseline = 0.3f;
            for (int i = 0; i < n; i++) {
                signal[i] = (z[i] - t) * (z[i] - t) - baseline;
                dz[i] = 2 * (z[i] - t);
            }
            Tensor grad = cpu.empty(n, 1);
            BernoulliLatent.of(1, Estimator.reinforce()).backward(logits, null, 0f, noise, null,
                    new RowWeights(null, null, null), cpu.fromArray(signal, n), grad, null);
            float[] g = grad.toArray();
            double m = mean(g), se = Math.sqrt(variance(g, m) / n);
            assertEquals(exact, m, 3 * se, "REINFORCE mean gradient " + m + " ± " + se + " vs exact " + exact);

            BernoulliLatent st = BernoulliLatent.of(1, Estimator.straightThroughSigmoid());
            Tensor gst = cpu.empty(n, 1);
            st.backward(logits, null, 0f, noise, cpu.fromArray(dz, n, 1), new RowWeights(null, null, null), null, gst,
                    null);
            float[] g2 = gst.toArray();
            double mst = mean(g2), sest = Math.sqrt(variance(g2, mst) / n);
            double statedBias = dq * (2 * q - 1);
            assertEquals(statedBias, mst - exact, 3 * sest + 1e-6, "straight-through bias");
            assertTrue(Math.abs(mst - exact) > 10 * sest, "straight-through is measurably biased here");
        }
    }

    /**
     * A fixed model p(z) = N(0, 1), p(x|z) = N(z, s²) with a deliberately poor q(z|x) = N(0.5x, 0.5): the IWAE bound
     * (averaged over examples) rises with k and stays below the exact log p(x) = log N(x; 0, 1 + s²).
     */
    @Test
    void iwaeBoundRisesWithK() {
        int batch = 2000;
        double s2 = 0.25;
        float[] x = new float[batch];
        double[] exactPer = new double[batch];
        java.util.SplittableRandom r = new java.util.SplittableRandom(4);
        double exact = 0;
        for (int b = 0; b < batch; b++) {
            x[b] = (float) r.nextDouble(-2, 2);
            exactPer[b] = -0.5 * (Math.log(2 * Math.PI * (1 + s2)) + x[b] * x[b] / (1 + s2));
            exact += exactPer[b] / batch;
        }
        double previous = Double.NEGATIVE_INFINITY;
        for (int k : new int[] {1, 5, 50, 1000}) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor xs = cpu.fromArray(x, batch, 1);
                float[] qm = new float[batch];
                for (int b = 0; b < batch; b++) {
                    qm[b] = 0.5f * x[b];
                }
                Tensor qmu = cpu.empty(k * batch, 1);
                cpu.repeatRows(cpu.fromArray(qm, batch, 1), k, qmu);
                Tensor qlv = cpu.full((float) Math.log(0.5), k * batch, 1);
                LatentSample z = GaussianLatent.of(1).rsample(qmu, qlv, null, null, new Noise(1, k));
                Tensor logpx = GaussianLikelihood.fixed(Math.sqrt(s2)).logProb(java.util.List.of(z.z()), xs,
                        new Noise(0, 0));
                float[] lw = logpx.toArray(), lp = z.logp().toArray(), lq = z.logq().toArray();
                for (int i = 0; i < lw.length; i++) {
                    lw[i] += lp[i] - lq[i];
                }
                float[] per = ImportanceWeights.bound(cpu.fromArray(lw, k * batch), k).toArray();
                double bound = mean(per);
                // The estimate is random: its mean may exceed log p(x) only by Monte-Carlo error.
                double var = 0;
                for (int b = 0; b < batch; b++) {
                    double g = per[b] - exactPer[b] - (bound - exact);
                    var += g * g / (batch - 1);
                }
                double se = Math.sqrt(var / batch);
                assertTrue(bound <= exact + 3 * se, "IWAE-" + k + " = " + bound + " above log p(x) = " + exact
                        + " by more than 3 standard errors (" + se + ")");
                if (k <= 50) {
                    assertTrue(bound > previous, "IWAE-" + k + " = " + bound + " should exceed " + previous);
                } else {
                    assertEquals(exact, bound, 0.005, "IWAE-" + k + " close to log p(x)");
                }
                previous = bound;
            }
        }
    }
}
