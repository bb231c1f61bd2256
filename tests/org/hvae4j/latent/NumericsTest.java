package org.hvae4j.latent;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.NativeException;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** No NaN or Inf anywhere for log-variances in [−80, 80] and logits in [−100, 100], forward and backward. */
class NumericsTest {
    private final Backend cpu = Backend.cpu();
    static final float[] LOG_VARS = {-80, -40, -10, -1, 0, 1, 10, 40, 80};
    static final float[] LOGITS = {-100, -50, -20, -5, 0, 5, 20, 50, 100};
    static final float[] MEANS = {-100, -1, 0, 1, 100};

    static void assertFinite(String what, float[] a) {
        for (int i = 0; i < a.length; i++) {
            assertTrue(Float.isFinite(a[i]), what + "[" + i + "] = " + a[i]);
        }
    }

    /**
     * The float kernels draw their Philox words eight blocks at a time (AVX2, where the processor has it); they must be
     * the scalar generator's words bit for bit — the CUDA kernels and machines without AVX2 use the scalar form — for
     * any key, for block counts that are not multiples of eight, and where the 64-bit block index carries into its
     * high word.
     */
    @Test
    void vectorizedPhiloxWordsEqualTheScalarGenerator() {
        long[][] streams = {{0, 0, 0}, {123, 7, 5}, {-1L, -1L, 1L << 40}, {0x9E3779B97F4A7C15L, 42, 0xFFFFFFFAL},
            {5, 1L << 33, (3L << 32) - 3}};
        for (long[] s : streams) {
            for (int nb : new int[] {1, 7, 8, 9, 129, 1024}) {
                long[] mismatches = {-1};
                F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_philox_check(s[0], s[1], s[2], nb, mismatches));
                assertEquals(0, mismatches[0], "differing words: seed " + s[0] + ", offset " + s[1] + ", first block "
                        + s[2] + ", " + nb + " blocks");
            }
        }
        long[] m = {0};
        assertNotEquals(0, org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_philox_check(1, 2, 3, 0, m), "nb = 0 is refused");
        assertNotEquals(0, org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_philox_check(1, 2, 3, 1025, m), "nb > 1024 is refused");
    }

    @Test
    void gaussianLatentStaysFiniteAcrossExtremeLogVariances() {
        // Every combination of (mu_q, lv_q, mu_p, lv_p) from the sweeps, one per row.
        int rows = MEANS.length * LOG_VARS.length * MEANS.length * LOG_VARS.length;
        float[] qm = new float[rows], ql = new float[rows], pm = new float[rows], pl = new float[rows];
        int i = 0;
        for (float a : MEANS) {
            for (float b : LOG_VARS) {
                for (float c : MEANS) {
                    for (float d : LOG_VARS) {
                        qm[i] = a;
                        ql[i] = b;
                        pm[i] = c;
                        pl[i] = d;
                        i++;
                    }
                }
            }
        }
        for (int flags = 0; flags < 8; flags++) {
            boolean standard = (flags & 1) != 0, residual = (flags & 2) != 0, pathOnly = (flags & 4) != 0;
            if (standard && residual) {
                continue;
            }
            try (MemoryScope s = MemoryScope.open()) {
                GaussianLatent g = residual ? GaussianLatent.of(1).residual() : GaussianLatent.of(1);
                Tensor tqm = cpu.fromArray(qm, rows, 1), tql = cpu.fromArray(ql, rows, 1);
                Tensor tpm = standard ? null : cpu.fromArray(pm, rows, 1);
                Tensor tpl = standard ? null : cpu.fromArray(pl, rows, 1);
                Noise noise = new Noise(3, flags);
                LatentSample out = g.rsample(tqm, tql, tpm, tpl, noise);
                String f = "flags " + flags + ": ";
                assertFinite(f + "z", out.z().toArray());
                assertFinite(f + "kl", out.kl().toArray());
                assertFinite(f + "logq", out.logq().toArray());
                assertFinite(f + "logp", out.logp().toArray());
                Tensor one = cpu.full(1f, rows);
                Tensor[] d = {cpu.empty(rows, 1), cpu.empty(rows, 1), cpu.empty(rows, 1), cpu.empty(rows, 1)};
                g.backward(tqm, tql, tpm, tpl, noise, cpu.full(1f, rows, 1), new RowWeights(one, one, one), pathOnly,
                        d[0], d[1], d[2], d[3]);
                for (int k = 0; k < (standard ? 2 : 4); k++) {
                    assertFinite(f + "grad " + k, d[k].toArray());
                }
            }
        }
    }

    @Test
    void bernoulliLatentAndLikelihoodStayFiniteAcrossExtremeLogits() {
        int rows = LOGITS.length * LOGITS.length;
        float[] lq = new float[rows], lp = new float[rows], x = new float[rows];
        int i = 0;
        for (float a : LOGITS) {
            for (float b : LOGITS) {
                lq[i] = a;
                lp[i] = b;
                x[i] = (i % 3) / 2f;
                i++;
            }
        }
        Estimator[] estimators = {Estimator.straightThrough(), Estimator.straightThroughSigmoid(),
            Estimator.concrete(0.1f), Estimator.straightThroughGumbel(0.5f), Estimator.reinforce()};
        for (Estimator e : estimators) {
            try (MemoryScope s = MemoryScope.open()) {
                BernoulliLatent b = BernoulliLatent.of(1, e);
                Tensor tq = cpu.fromArray(lq, rows, 1), tp = cpu.fromArray(lp, rows, 1);
                LatentSample out = b.sample(tq, tp, 0f, new Noise(1, 2));
                assertFinite(e + " z", out.z().toArray());
                assertFinite(e + " kl", out.kl().toArray());
                assertFinite(e + " logq", out.logq().toArray());
                assertFinite(e + " logp", out.logp().toArray());
                Tensor one = cpu.full(1f, rows);
                Tensor dq = cpu.empty(rows, 1), dp = cpu.empty(rows, 1);
                b.backward(tq, tp, 0f, new Noise(1, 2), cpu.full(1f, rows, 1), new RowWeights(one, one, one), one, dq,
                        dp);
                assertFinite(e + " dq", dq.toArray());
                assertFinite(e + " dp", dp.toArray());
                for (float kl : out.kl().toArray()) {
                    assertTrue(kl >= -1e-5f, e + " negative KL " + kl);
                }
            }
        }
        for (boolean binarize : new boolean[] {false, true}) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor logits = cpu.fromArray(lq, rows, 1);
                Tensor tx = cpu.fromArray(x, rows, 1);
                BernoulliLikelihood lik = BernoulliLikelihood.of(binarize);
                assertFinite("log p(x|z)", lik.logProb(List.of(logits), tx, new Noise(0, 1)).toArray());
                Tensor d = cpu.empty(rows, 1);
                lik.backward(List.of(logits), tx, new Noise(0, 1), cpu.full(1f, rows), List.of(d));
                assertFinite("d log p(x|z)", d.toArray());
            }
        }
        try (MemoryScope s = MemoryScope.open()) {
            int n = LOG_VARS.length * MEANS.length;
            float[] mu = new float[n], lv = new float[n];
            for (int k = 0; k < n; k++) {
                mu[k] = MEANS[k % MEANS.length];
                lv[k] = LOG_VARS[k / MEANS.length];
            }
            Tensor tmu = cpu.fromArray(mu, n, 1), tlv = cpu.fromArray(lv, n, 1), tx = cpu.full(3f, n, 1);
            GaussianLikelihood g = GaussianLikelihood.learned();
            assertFinite("gaussian log p", g.logProb(List.of(tmu, tlv), tx, new Noise(0, 0)).toArray());
            Tensor dm = cpu.empty(n, 1), dl = cpu.empty(n, 1);
            g.backward(List.of(tmu, tlv), tx, new Noise(0, 0), cpu.full(1f, n), List.of(dm, dl));
            assertFinite("gaussian d mu", dm.toArray());
            assertFinite("gaussian d logvar", dl.toArray());
        }
    }

    @Test
    void argumentsAreValidatedWithMessagesNamingTheBadOne() {
        try (MemoryScope s = MemoryScope.open()) {
            GaussianLatent g = GaussianLatent.of(3);
            Tensor a = cpu.zeros(4, 3), b = cpu.zeros(4, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> g.rsample(a, b, null, null, new Noise(0, 0)));
            assertTrue(e.getMessage().contains("qLogVar") && e.getMessage().contains("[4, 2]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> g.rsample(a, a, a, null, new Noise(0, 0)));
            assertTrue(e.getMessage().contains("pLogVar"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Estimator.concrete(0f));
            assertTrue(e.getMessage().contains("temperature"), e.getMessage());
            BernoulliLatent bl = BernoulliLatent.of(3, Estimator.reinforce());
            e = assertThrows(IllegalArgumentException.class, () -> bl.backward(a, null, 0f, new Noise(0, 0), null,
                    new RowWeights(null, null, null), null, cpu.zeros(4, 3), null));
            assertTrue(e.getMessage().contains("signal"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> BernoulliLikelihood.of(false).logProb(List.of(cpu.zeros(6, 5)), cpu.zeros(4, 5),
                            new Noise(0, 0)));
            assertTrue(e.getMessage().contains("[4, 5]") && e.getMessage().contains("[6, 5]"), e.getMessage());
            // An output pair is given whole or left out whole.
            e = assertThrows(IllegalArgumentException.class, () -> g.backward(a, a, a, a, new Noise(0, 0), null,
                    new RowWeights(null, null, null), false, cpu.zeros(4, 3), null, cpu.zeros(4, 3), cpu.zeros(4, 3)));
            assertTrue(e.getMessage().contains("dqMu and dqLogVar"), e.getMessage());
            NativeException ne = assertThrows(NativeException.class, () -> cpu.kernels().gaussianBackward(4, 3, 0,
                    a.address(), a.address(), a.address(), a.address(), 0, 0, 0, 0, 0, 0, 0, a.address(),
                    a.address(), a.address(), 0));
            assertTrue(ne.getMessage().contains("gaussian"), ne.getMessage());
            assertThrows(IllegalArgumentException.class, () -> GaussianLikelihood.fixed(-1));
            assertThrows(IllegalArgumentException.class, () -> BernoulliLatent.logitOf(1.0));
        }
    }

    /** The vectorized float likelihood (libmvec) against the double-precision reference path. */
    @Test
    void floatBernoulliLikelihoodMatchesTheDoubleReference() {
        int rows = 50, cols = 784;
        java.util.SplittableRandom r = new java.util.SplittableRandom(12);
        float[] l = new float[rows * cols], x = new float[rows * cols], w = new float[rows];
        double[] ld = new double[l.length], xd = new double[l.length], wd = new double[rows];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) (i % 7 == 0 ? r.nextDouble(-100, 100) : r.nextGaussian() * 4);
            x[i] = (float) r.nextDouble();
            ld[i] = l[i];
            xd[i] = x[i];
        }
        for (int i = 0; i < rows; i++) {
            w[i] = (float) r.nextDouble(-1, 1);
            wd[i] = w[i];
        }
        try (MemoryScope s = MemoryScope.open(); F64 m = new F64()) {
            Tensor tl = cpu.fromArray(l, rows, cols), tx = cpu.fromArray(x, rows, cols);
            float[] lp = BernoulliLikelihood.of(true).logProb(List.of(tl), tx, new Noise(3, 4)).toArray();
            Tensor d = cpu.empty(rows, cols);
            BernoulliLikelihood.of(true).backward(List.of(tl), tx, new Noise(3, 4), cpu.fromArray(w, rows), List.of(d));
            float[] g = d.toArray();
            long lpd = m.zeros(rows), dd = m.zeros(rows * cols);
            F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_bernoulli_likelihood_forward_f64(rows, cols, rows, m.of(ld),
                    m.of(xd), 1, 3, 4, 0, lpd));
            F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_bernoulli_likelihood_backward_f64(rows, cols, rows,
                    m.of(ld), m.of(xd), 1, 3, 4, 0, m.of(wd), dd));
            double[] ref = F64.read(lpd, rows), gref = F64.read(dd, rows * cols);
            for (int i = 0; i < rows; i++) {
                assertEquals(ref[i], lp[i], 1e-5 * Math.abs(ref[i]), "log p row " + i);
            }
            for (int i = 0; i < g.length; i++) {
                assertEquals(gref[i], g[i], 1e-6, "gradient " + i);
            }
        }
    }

    /**
     * The chunked, vectorized float Gaussian latent (Philox, Box–Muller and the element formulas in vector loops;
     * row sums over chunk boundaries) against the scalar double-precision reference, for every flag combination and
     * for shapes whose rows straddle chunks, are longer than a chunk, or have one column; null row weights and a
     * null dz are zeros.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7})
    void floatGaussianLatentMatchesTheDoubleReference(int flags) {
        int[][] shapes = {{37, 50}, {3, 1300}, {1000, 1}, {7, 100}, {0, 5}, {4, 0}};
        for (int[] shape : shapes) {
            int rows = shape[0], cols = shape[1], n = rows * cols;
            java.util.SplittableRandom r = new java.util.SplittableRandom(31 + flags);
            double[][] in = new double[5][n];  // q mu, q lv, p mu, p lv, dz
            for (int i = 0; i < n; i++) {
                in[0][i] = (float) r.nextGaussian();
                in[1][i] = (float) r.nextDouble(-4, 3);
                in[2][i] = (float) (0.5 * r.nextGaussian());
                in[3][i] = (float) r.nextDouble(-2, 2);
                in[4][i] = (float) r.nextGaussian();
            }
            double[][] w = new double[3][rows];
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < rows; i++) {
                    w[j][i] = (float) r.nextDouble(-1, 1);
                }
            }
            boolean nulls = rows % 2 == 1;  // odd row counts pass a null dz and a null log q weight
            long seed = 5, offset = 9;
            try (MemoryScope s = MemoryScope.open(); F64 m = new F64()) {
                Tensor[] t = new Tensor[5];
                long[] d = new long[5];
                for (int j = 0; j < 5; j++) {
                    t[j] = cpu.fromArray(toFloat(in[j]), Math.max(n, 1));
                    d[j] = m.of(n == 0 ? new double[1] : in[j]);
                }
                Tensor[] tw = new Tensor[3];
                long[] dw = new long[3];
                for (int j = 0; j < 3; j++) {
                    tw[j] = cpu.fromArray(toFloat(w[j]), Math.max(rows, 1));
                    dw[j] = m.of(rows == 0 ? new double[1] : w[j]);
                }
                Tensor z = cpu.empty(Math.max(n, 1)), kl = cpu.empty(Math.max(rows, 1)), lq = cpu.empty(Math.max(rows, 1)),
                        lp = cpu.empty(Math.max(rows, 1));
                cpu.kernels().gaussianForward(rows, cols, flags, t[0].address(), t[1].address(), t[2].address(),
                        t[3].address(), seed, offset, 0, z.address(), kl.address(), lq.address(), lp.address());
                long zd = m.zeros(Math.max(n, 1)), kld = m.zeros(Math.max(rows, 1)), lqd = m.zeros(Math.max(rows, 1)),
                        lpd = m.zeros(Math.max(rows, 1));
                F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_gaussian_forward_f64(rows, cols, flags, d[0], d[1], d[2],
                        d[3], seed, offset, 0, zd, kld, lqd, lpd));
                String at = "flags " + flags + ", " + rows + "x" + cols;
                close(F64.read(zd, n), z.toArray(), 2e-5, at + ": z");
                Tensor zOnly = cpu.empty(Math.max(n, 1));  // no per-row outputs: the z-only path
                cpu.kernels().gaussianForward(rows, cols, flags, t[0].address(), t[1].address(), t[2].address(),
                        t[3].address(), seed, offset, 0, zOnly.address(), 0, 0, 0);
                // The same formula, vectorized in another loop: libmvec's 4- and 8-wide variants may differ in the
                // last place.
                close(F64.read(zd, n), zOnly.toArray(), 2e-5, at + ": z alone");
                close(F64.read(kld, rows), kl.toArray(), 2e-5, at + ": kl");
                close(F64.read(lqd, rows), lq.toArray(), 2e-5, at + ": log q");
                close(F64.read(lpd, rows), lp.toArray(), 2e-5, at + ": log p");

                Tensor[] g = new Tensor[4];
                long[] gd = new long[4];
                for (int j = 0; j < 4; j++) {
                    g[j] = cpu.zeros(Math.max(n, 1));
                    gd[j] = m.zeros(Math.max(n, 1));
                }
                cpu.kernels().gaussianBackward(rows, cols, flags, t[0].address(), t[1].address(), t[2].address(),
                        t[3].address(), seed, offset, 0, nulls ? 0 : t[4].address(), tw[0].address(),
                        nulls ? 0 : tw[1].address(), tw[2].address(), g[0].address(), g[1].address(), g[2].address(),
                        g[3].address());
                F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_gaussian_backward_f64(rows, cols, flags, d[0], d[1], d[2],
                        d[3], seed, offset, 0, nulls ? 0 : d[4], dw[0], nulls ? 0 : dw[1], dw[2], gd[0], gd[1], gd[2],
                        gd[3]));
                String[] names = {"d q mu", "d q lv", "d p mu", "d p lv"};
                for (int j = 0; j < 4; j++) {
                    close(F64.read(gd[j], n), g[j].toArray(), 2e-5, at + ": " + names[j]);
                }
                // One output pair left out (null): the other matches the reference as the full call's does, and
                // nothing is written for the missing pair (the bottom-up pass takes dp and dq in two calls).
                boolean standard = (flags & 1) != 0;
                for (int want = 1; want <= (standard ? 1 : 2); want++) {
                    Tensor[] h = new Tensor[4];
                    for (int j = 0; j < 4; j++) {
                        h[j] = cpu.full(Float.NaN, Math.max(n, 1));
                    }
                    boolean q = want == 1;
                    cpu.kernels().gaussianBackward(rows, cols, flags, t[0].address(), t[1].address(),
                            t[2].address(), t[3].address(), seed, offset, 0, nulls ? 0 : t[4].address(),
                            tw[0].address(), nulls ? 0 : tw[1].address(), tw[2].address(), q ? h[0].address() : 0,
                            q ? h[1].address() : 0, q ? 0 : h[2].address(), q ? 0 : h[3].address());
                    for (int j = 0; j < 4; j++) {
                        float[] got = java.util.Arrays.copyOf(h[j].toArray(), n);
                        if ((j < 2) == q && !(standard && j >= 2)) {
                            close(F64.read(gd[j], n), got, 2e-5, at + ": " + names[j] + " alone");
                        } else {
                            for (float v : got) {
                                assertTrue(Float.isNaN(v), at + ": " + names[j] + " was not asked for but written");
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The chunked, vectorized float Bernoulli latent against the scalar double reference for every estimator, with
     * prior logits per element and as one constant: the same hard samples, and terms and gradients to float
     * precision.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, 1, 2, 3, 4})
    void floatBernoulliLatentMatchesTheDoubleReference(int estimator) {
        int[][] shapes = {{37, 50}, {3, 1300}, {1000, 1}, {0, 5}, {4, 0}};
        float tau = 0.5f;
        for (int[] shape : shapes) {
            for (boolean perElementPrior : new boolean[] {true, false}) {
                int rows = shape[0], cols = shape[1], n = rows * cols;
                java.util.SplittableRandom r = new java.util.SplittableRandom(77 + estimator);
                double[][] in = new double[3][n];  // q logits, p logits, dz
                for (int i = 0; i < n; i++) {
                    in[0][i] = (float) (i % 11 == 0 ? r.nextDouble(-100, 100) : 3 * r.nextGaussian());
                    in[1][i] = (float) (2 * r.nextGaussian());
                    in[2][i] = (float) r.nextGaussian();
                }
                double[][] w = new double[4][rows];  // kl, log q, log p, signal
                for (int j = 0; j < 4; j++) {
                    for (int i = 0; i < rows; i++) {
                        w[j][i] = (float) r.nextDouble(-1, 1);
                    }
                }
                float pConst = -0.7f;
                long seed = 11, offset = 3;
                try (MemoryScope s = MemoryScope.open(); F64 m = new F64()) {
                    Tensor[] t = new Tensor[3];
                    long[] d = new long[3];
                    for (int j = 0; j < 3; j++) {
                        t[j] = cpu.fromArray(toFloat(in[j]), Math.max(n, 1));
                        d[j] = m.of(n == 0 ? new double[1] : in[j]);
                    }
                    Tensor[] tw = new Tensor[4];
                    long[] dw = new long[4];
                    for (int j = 0; j < 4; j++) {
                        tw[j] = cpu.fromArray(toFloat(w[j]), Math.max(rows, 1));
                        dw[j] = m.of(rows == 0 ? new double[1] : w[j]);
                    }
                    long pf = perElementPrior ? t[1].address() : 0, pd = perElementPrior ? d[1] : 0;
                    int one = Math.max(rows, 1);
                    Tensor z = cpu.empty(Math.max(n, 1)), kl = cpu.empty(one), lq = cpu.empty(one), lp = cpu.empty(one);
                    cpu.kernels().bernoulliForward(rows, cols, estimator, tau, t[0].address(), pf, pConst, seed,
                            offset, 0, z.address(), kl.address(), lq.address(), lp.address());
                    long zd = m.zeros(Math.max(n, 1)), kld = m.zeros(one), lqd = m.zeros(one), lpd = m.zeros(one);
                    F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_bernoulli_forward_f64(rows, cols, estimator, tau,
                            d[0], pd, pConst, seed, offset, 0, zd, kld, lqd, lpd));
                    String at = "estimator " + estimator + ", " + rows + "x" + cols
                            + (perElementPrior ? "" : ", constant prior");
                    double[] zRef = F64.read(zd, n);
                    float[] zGot = z.toArray();
                    Tensor zOnly = cpu.empty(Math.max(n, 1));  // no per-row outputs: the z-only path
                    cpu.kernels().bernoulliForward(rows, cols, estimator, tau, t[0].address(), pf, pConst, seed,
                            offset, 0, zOnly.address(), 0, 0, 0);
                    assertArrayEquals(java.util.Arrays.copyOf(zGot, n), java.util.Arrays.copyOf(zOnly.toArray(), n),
                            at + ": z alone");
                    for (int i = 0; i < n; i++) {
                        if (estimator == 2) {
                            assertEquals(zRef[i], zGot[i], 1e-5, at + ": relaxed z [" + i + "]");
                        } else {
                            assertEquals(zRef[i], zGot[i], 0.0, at + ": hard z [" + i + "]");
                        }
                    }
                    close(F64.read(kld, rows), kl.toArray(), 2e-5, at + ": kl");
                    close(F64.read(lqd, rows), lq.toArray(), 2e-5, at + ": log q");
                    close(F64.read(lpd, rows), lp.toArray(), 2e-5, at + ": log p");

                    Tensor gq = cpu.zeros(Math.max(n, 1)), gp = cpu.zeros(Math.max(n, 1));
                    long gqd = m.zeros(Math.max(n, 1)), gpd = m.zeros(Math.max(n, 1));
                    cpu.kernels().bernoulliBackward(rows, cols, estimator, tau, t[0].address(), pf, pConst, seed,
                            offset, 0, t[2].address(), tw[0].address(), tw[1].address(), tw[2].address(),
                            tw[3].address(), gq.address(), perElementPrior ? gp.address() : 0);
                    F64.ok(org.hvae4j.bridge.ReferenceNative.hvae4j_cpu_bernoulli_backward_f64(rows, cols, estimator, tau,
                            d[0], pd, pConst, seed, offset, 0, d[2], dw[0], dw[1], dw[2], dw[3], gqd,
                            perElementPrior ? gpd : 0));
                    close(F64.read(gqd, n), gq.toArray(), 2e-5, at + ": d q logits");
                    if (perElementPrior) {
                        close(F64.read(gpd, n), gp.toArray(), 2e-5, at + ": d p logits");
                    }
                    // Each gradient alone (the other null): the reference's values, nothing written for the other.
                    for (int want = 0; want < (perElementPrior ? 2 : 1); want++) {
                        Tensor hq = cpu.full(Float.NaN, Math.max(n, 1)), hp = cpu.full(Float.NaN, Math.max(n, 1));
                        cpu.kernels().bernoulliBackward(rows, cols, estimator, tau, t[0].address(), pf, pConst, seed,
                                offset, 0, t[2].address(), tw[0].address(), tw[1].address(), tw[2].address(),
                                tw[3].address(), want == 0 ? hq.address() : 0, want == 1 ? hp.address() : 0);
                        Tensor asked = want == 0 ? hq : hp, other = want == 0 ? hp : hq;
                        close(F64.read(want == 0 ? gqd : gpd, n), asked.toArray(), 2e-5, at + ": one gradient alone");
                        for (float v : java.util.Arrays.copyOf(other.toArray(), n)) {
                            assertTrue(Float.isNaN(v), at + ": the gradient not asked for was written");
                        }
                    }
                }
            }
        }
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[Math.max(a.length, 1)];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** Relative agreement of a float result with its double reference (first ref.length entries). */
    private static void close(double[] ref, float[] got, double rel, String what) {
        double scale = 1;
        for (double v : ref) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], got[i], rel * Math.max(1, Math.abs(ref[i])) + 1e-6 * scale, what + " [" + i + "]");
        }
    }

    /** binarize(x) draws exactly the targets the likelihood draws in place, and is the identity on binary data. */
    @Test
    void binarizeDrawsTheLikelihoodsOwnTargets() {
        int rows = 20, cols = 784;
        java.util.SplittableRandom r = new java.util.SplittableRandom(2);
        float[] grey = new float[rows * cols], logits = new float[rows * cols];
        for (int i = 0; i < grey.length; i++) {
            grey[i] = (float) r.nextDouble();
            logits[i] = (float) r.nextGaussian();
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor x = cpu.fromArray(grey, rows, cols), l = cpu.fromArray(logits, rows, cols);
            Noise noise = new Noise(5, 6);
            Tensor xb = BernoulliLikelihood.of(true).binarize(x, noise);
            float[] bits = xb.toArray();
            for (float v : bits) {
                assertTrue(v == 0f || v == 1f);
            }
            float[] inPlace = BernoulliLikelihood.of(true).logProb(List.of(l), x, noise).toArray();
            float[] given = BernoulliLikelihood.of(false).logProb(List.of(l), xb, noise).toArray();
            assertArrayEquals(inPlace, given, 1e-3f);
            assertArrayEquals(bits, BernoulliLikelihood.of(true).binarize(xb, new Noise(9, 9)).toArray());
        }
    }
}
