package org.hvae4j.latent;

import static org.hvae4j.bridge.ReferenceNative.*;
import static org.hvae4j.latent.F64.ok;
import static org.hvae4j.latent.F64.read;
import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every backward pass against central finite differences of its forward pass, in double precision. The loss is
 * L = Σ dz⊙z + Σ_r (wk·KL + wq·log q + wp·log p) (or Σ w·log p(x|·) for likelihoods) with random dz and weights;
 * the noise is fixed by (seed, offset), so L is a smooth function of the inputs.
 */
class GradientTest {
    static final int ROWS = 3, COLS = 5;
    static final long SEED = 42, OFFSET = 7;
    static final double H = 1e-6;

    static double[] rand(SplittableRandom r, int n, double lo, double hi) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextDouble(lo, hi);
        }
        return a;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Checks analytic gradient g of f at x by central differences, coordinate by coordinate. */
    static void checkGradient(String what, double[] x, double[] g, ToDoubleFunction<double[]> f) {
        for (int i = 0; i < x.length; i++) {
            double[] xp = x.clone(), xm = x.clone();
            xp[i] += H;
            xm[i] -= H;
            double fd = (f.applyAsDouble(xp) - f.applyAsDouble(xm)) / (2 * H);
            assertEquals(fd, g[i], 1e-6 * (1 + Math.abs(fd)), what + "[" + i + "]");
        }
    }

    // ---- Gaussian latent ------------------------------------------------------------------------------------

    record G(double[] qm, double[] ql, double[] pm, double[] pl, double[] dz, double[] wk, double[] wq, double[] wp) {}

    static double gaussianLoss(int flags, G g) {
        try (F64 m = new F64()) {
            long z = m.zeros(ROWS * COLS), kl = m.zeros(ROWS), lq = m.zeros(ROWS), lp = m.zeros(ROWS);
            ok(hvae4j_cpu_gaussian_forward_f64(ROWS, COLS, flags, m.of(g.qm), m.of(g.ql), m.of(g.pm), m.of(g.pl), SEED,
                    OFFSET, 0, z, kl, lq, lp));
            return dot(read(z, ROWS * COLS), g.dz) + dot(read(kl, ROWS), g.wk) + dot(read(lq, ROWS), g.wq)
                    + dot(read(lp, ROWS), g.wp);
        }
    }

    @ParameterizedTest(name = "flags={0}")
    @ValueSource(ints = {0, 1, 2})
    void gaussianGradientsMatchFiniteDifferences(int flags) {
        SplittableRandom r = new SplittableRandom(flags + 1);
        int n = ROWS * COLS;
        G g = new G(rand(r, n, -2, 2), rand(r, n, -3, 2), rand(r, n, -2, 2), rand(r, n, -2, 2), rand(r, n, -1, 1),
                rand(r, ROWS, 0, 2), rand(r, ROWS, -1, 1), rand(r, ROWS, -1, 1));
        double[][] grads = new double[4][];
        try (F64 m = new F64()) {
            long[] d = {m.zeros(n), m.zeros(n), m.zeros(n), m.zeros(n)};
            ok(hvae4j_cpu_gaussian_backward_f64(ROWS, COLS, flags, m.of(g.qm), m.of(g.ql), m.of(g.pm), m.of(g.pl), SEED,
                    OFFSET, 0, m.of(g.dz), m.of(g.wk), m.of(g.wq), m.of(g.wp), d[0], d[1], d[2], d[3]));
            for (int i = 0; i < 4; i++) {
                grads[i] = read(d[i], n);
            }
        }
        checkGradient("dqMu", g.qm, grads[0], v -> gaussianLoss(flags, new G(v, g.ql, g.pm, g.pl, g.dz, g.wk, g.wq, g.wp)));
        checkGradient("dqLogVar", g.ql, grads[1], v -> gaussianLoss(flags, new G(g.qm, v, g.pm, g.pl, g.dz, g.wk, g.wq, g.wp)));
        if ((flags & GaussianLatent.PRIOR_STANDARD) == 0) {
            checkGradient("dpMu", g.pm, grads[2], v -> gaussianLoss(flags, new G(g.qm, g.ql, v, g.pl, g.dz, g.wk, g.wq, g.wp)));
            checkGradient("dpLogVar", g.pl, grads[3], v -> gaussianLoss(flags, new G(g.qm, g.ql, g.pm, v, g.dz, g.wk, g.wq, g.wp)));
        }
    }

    /** Path-only log q: the full gradient minus the score term, which for the mean is 0 and for log σ² is ½(ε²−1). */
    @Test
    void pathOnlyLogqDropsExactlyTheScoreTerm() {
        SplittableRandom r = new SplittableRandom(9);
        int n = ROWS * COLS;
        double[] qm = rand(r, n, -1, 1), ql = rand(r, n, -1, 1), wq = {1, -0.5, 2};
        try (F64 m = new F64()) {
            long[] full = {m.zeros(n), m.zeros(n)}, path = {m.zeros(n), m.zeros(n)};
            long z = m.zeros(n);
            ok(hvae4j_cpu_gaussian_forward_f64(ROWS, COLS, 1, m.of(qm), m.of(ql), 0, 0, SEED, OFFSET, 0, z, 0, 0, 0));
            ok(hvae4j_cpu_gaussian_backward_f64(ROWS, COLS, 1, m.of(qm), m.of(ql), 0, 0, SEED, OFFSET, 0, 0, 0, m.of(wq), 0,
                    full[0], full[1], 0, 0));
            ok(hvae4j_cpu_gaussian_backward_f64(ROWS, COLS, 1 | 4, m.of(qm), m.of(ql), 0, 0, SEED, OFFSET, 0, 0, 0,
                    m.of(wq), 0, path[0], path[1], 0, 0));
            double[] zs = read(z, n), fm = read(full[0], n), fl = read(full[1], n), pm = read(path[0], n),
                    pl = read(path[1], n);
            for (int i = 0; i < n; i++) {
                double eps = (zs[i] - qm[i]) / Math.exp(0.5 * ql[i]);
                double w = wq[i / COLS];
                assertEquals(0, fm[i], 1e-12, "total d log q / d mu is zero");
                assertEquals(-0.5 * w, fl[i], 1e-12);
                assertEquals(fm[i] - w * eps / Math.exp(0.5 * ql[i]), pm[i], 1e-9);
                assertEquals(fl[i] - w * 0.5 * (eps * eps - 1), pl[i], 1e-9);
            }
        }
    }

    // ---- Bernoulli latent (Concrete: the smooth case, where finite differences apply to everything) ----------

    static double bernoulliLoss(int estimator, double tau, double[] lq, double[] lp, double[] dz, double[] wk,
            double[] wq, double[] wp) {
        try (F64 m = new F64()) {
            int n = ROWS * COLS;
            long z = m.zeros(n), kl = m.zeros(ROWS), q = m.zeros(ROWS), p = m.zeros(ROWS);
            ok(hvae4j_cpu_bernoulli_forward_f64(ROWS, COLS, estimator, tau, m.of(lq), m.of(lp), 0, SEED, OFFSET, 0, z, kl,
                    q, p));
            return dot(read(z, n), dz) + dot(read(kl, ROWS), wk) + dot(read(q, ROWS), wq) + dot(read(p, ROWS), wp);
        }
    }

    @ParameterizedTest(name = "tau={0}")
    @ValueSource(doubles = {0.5, 1.0, 2.0})
    void concreteGradientsMatchFiniteDifferences(double tau) {
        SplittableRandom r = new SplittableRandom(3);
        int n = ROWS * COLS;
        double[] lq = rand(r, n, -3, 3), lp = rand(r, n, -3, 3), dz = rand(r, n, -1, 1), wk = rand(r, ROWS, 0, 2),
                wq = rand(r, ROWS, -1, 1), wp = rand(r, ROWS, -1, 1);
        double[] gq, gp;
        try (F64 m = new F64()) {
            long dq = m.zeros(n), dp = m.zeros(n);
            ok(hvae4j_cpu_bernoulli_backward_f64(ROWS, COLS, 2, tau, m.of(lq), m.of(lp), 0, SEED, OFFSET, 0, m.of(dz),
                    m.of(wk), m.of(wq), m.of(wp), 0, dq, dp));
            gq = read(dq, n);
            gp = read(dp, n);
        }
        checkGradient("dqLogits", lq, gq, v -> bernoulliLoss(2, tau, v, lp, dz, wk, wq, wp));
        checkGradient("dpLogits", lp, gp, v -> bernoulliLoss(2, tau, lq, v, dz, wk, wq, wp));
    }

    /** With hard samples the terms that do not pass through z (KL, the score of log q, log p's logits) are exact. */
    @ParameterizedTest(name = "estimator={0}")
    @ValueSource(ints = {0, 1, 3, 4})
    void hardSampleGradientsOfTermsNotThroughZMatchFiniteDifferences(int estimator) {
        SplittableRandom r = new SplittableRandom(5);
        int n = ROWS * COLS;
        double[] lq = rand(r, n, -3, 3), lp = rand(r, n, -3, 3), wk = rand(r, ROWS, 0, 2), zero = new double[ROWS];
        double[] wp = rand(r, ROWS, -1, 1);
        double[] gq, gp;
        try (F64 m = new F64()) {
            long dq = m.zeros(n), dp = m.zeros(n);
            // Only KL and log p(z) weighted, dz = 0, and (REINFORCE) zero signal: no gradient through z's value.
            ok(hvae4j_cpu_bernoulli_backward_f64(ROWS, COLS, estimator, 1.0, m.of(lq), m.of(lp), 0, SEED, OFFSET, 0, 0,
                    m.of(wk), 0, 0, m.of(zero), dq, dp));
            gq = read(dq, n);
            ok(hvae4j_cpu_bernoulli_backward_f64(ROWS, COLS, estimator, 1.0, m.of(lq), m.of(lp), 0, SEED, OFFSET, 0, 0, 0,
                    0, m.of(wp), m.of(zero), m.zeros(n), dp));
            gp = read(dp, n);
        }
        checkGradient("dqLogits(KL)", lq, gq, v -> bernoulliLoss(estimator, 1.0, v, lp, new double[n], wk, zero, zero));
        checkGradient("dpLogits(log p)", lp, gp,
                v -> bernoulliLoss(estimator, 1.0, lq, v, new double[n], zero, zero, wp));
    }

    // ---- likelihoods and importance weights -----------------------------------------------------------------

    @ParameterizedTest(name = "binarize={0} xRows={1}")
    @CsvSource({"0,3", "1,3", "1,1"})
    void bernoulliLikelihoodGradientMatchesFiniteDifferences(int binarize, int xRows) {
        SplittableRandom r = new SplittableRandom(11);
        int n = ROWS * COLS;
        double[] logits = rand(r, n, -4, 4), x = rand(r, xRows * COLS, 0, 1), w = rand(r, ROWS, -1, 2);
        ToDoubleFunction<double[]> f = v -> {
            try (F64 m = new F64()) {
                long lp = m.zeros(ROWS);
                ok(hvae4j_cpu_bernoulli_likelihood_forward_f64(ROWS, COLS, xRows, m.of(v), m.of(x), binarize, SEED,
                        OFFSET, 0, lp));
                return dot(read(lp, ROWS), w);
            }
        };
        double[] g;
        try (F64 m = new F64()) {
            long d = m.zeros(n);
            ok(hvae4j_cpu_bernoulli_likelihood_backward_f64(ROWS, COLS, xRows, m.of(logits), m.of(x), binarize, SEED,
                    OFFSET, 0, m.of(w), d));
            g = read(d, n);
        }
        checkGradient("dLogits", logits, g, f);
    }

    @ParameterizedTest(name = "learned={0}")
    @ValueSource(booleans = {false, true})
    void gaussianLikelihoodGradientsMatchFiniteDifferences(boolean learned) {
        SplittableRandom r = new SplittableRandom(13);
        int n = ROWS * COLS;
        double[] mu = rand(r, n, -2, 2), lv = rand(r, n, -2, 2), x = rand(r, n, -2, 2), w = rand(r, ROWS, -1, 2);
        double lvConst = -0.7;
        ToDoubleFunction<double[][]> f = v -> {
            try (F64 m = new F64()) {
                long lp = m.zeros(ROWS);
                ok(hvae4j_cpu_gaussian_likelihood_forward_f64(ROWS, COLS, ROWS, m.of(v[0]), learned ? m.of(v[1]) : 0,
                        lvConst, m.of(x), lp));
                return dot(read(lp, ROWS), w);
            }
        };
        double[] gm, gl;
        try (F64 m = new F64()) {
            long dm = m.zeros(n), dl = m.zeros(n);
            ok(hvae4j_cpu_gaussian_likelihood_backward_f64(ROWS, COLS, ROWS, m.of(mu), learned ? m.of(lv) : 0, lvConst,
                    m.of(x), m.of(w), dm, learned ? dl : 0));
            gm = read(dm, n);
            gl = read(dl, n);
        }
        checkGradient("dMu", mu, gm, v -> f.applyAsDouble(new double[][] {v, lv}));
        if (learned) {
            checkGradient("dLogVar", lv, gl, v -> f.applyAsDouble(new double[][] {mu, v}));
        }
    }

    @Test
    void iwaeWeightsAreTheGradientOfTheBound() {
        int k = 4, batch = 3;
        SplittableRandom r = new SplittableRandom(17);
        double[] logw = rand(r, k * batch, -50, -40), c = rand(r, batch, 0.5, 2);
        ToDoubleFunction<double[]> f = v -> {
            try (F64 m = new F64()) {
                long b = m.zeros(batch);
                ok(hvae4j_cpu_iwae_f64(k, batch, m.of(v), b, 0, 0));
                return dot(read(b, batch), c);
            }
        };
        double[] wn, ws;
        try (F64 m = new F64()) {
            long wnorm = m.zeros(k * batch), wsq = m.zeros(k * batch);
            ok(hvae4j_cpu_iwae_f64(k, batch, m.of(logw), 0, wnorm, wsq));
            wn = read(wnorm, k * batch);
            ws = read(wsq, k * batch);
        }
        double[] g = new double[k * batch];
        for (int i = 0; i < g.length; i++) {
            g[i] = c[i % batch] * wn[i];
            assertEquals(wn[i] * wn[i], ws[i], 1e-15);
        }
        checkGradient("dLogw", logw, g, f);
    }
}
