package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Local variational inference and the inference gaps: the local posterior's gradients against finite differences for
 * every inference scheme, its start at the amortized posterior, and the gaps of a linear-Gaussian model against their
 * closed forms (the posterior N(μ, Λ⁻¹) with Λ = I + WᵀΨ⁻¹W; the best diagonal Gaussian has mean μ and variances
 * 1/Λ_ii, so the approximation gap is ½(Σ log Λ_ii − log det Λ): zero exactly when WᵀΨ⁻¹W is diagonal).
 */
class InferenceGapsTest {
    static final Backend CPU = Backend.cpu();

    static ModelSpec.Builder base(Inference inf, LatentSpec top, LatentSpec bottom) {
        return ModelGradientTest.base(inf, top, bottom);
    }

    static Stream<Arguments> schemes() {
        LatentSpec g3 = LatentSpec.gaussian(3), g4 = LatentSpec.gaussian(4);
        LatentSpec c3 = LatentSpec.bernoulli(3, Estimator.concrete(0.7f)), c4 = LatentSpec.bernoulli(4,
                Estimator.concrete(0.7f));
        return Stream.of(
                Arguments.of("bottom-up", base(Inference.BOTTOM_UP, g3, g4).build()),
                Arguments.of("ladder", base(Inference.LADDER, g3, g4).build()),
                Arguments.of("residual", base(Inference.RESIDUAL, g3, g4).build()),
                Arguments.of("residual concrete", base(Inference.RESIDUAL, c3, c4).build()),
                Arguments.of("conditional bottom-up one layer", ModelSpec.builder().conditioning(3, true).latent(g3)
                        .hidden(5).observed(9, Likelihood.parse("gaussian")).build()));
    }

    static Tensor data(SplittableRandom r, int n) {
        return CPU.fromArray(ModelGradientTest.data(r, n, 9), n, 9);
    }

    static Tensor conditions(ModelSpec spec, int n) {
        if (!spec.conditional()) {
            return null;
        }
        float[] oh = new float[n * 3];
        for (int i = 0; i < n; i++) {
            oh[i * 3 + i % 3] = 1;
        }
        return CPU.fromArray(oh, n, 3);
    }

    /** −(1/k) Σ_s ℓ_s summed over the batch: the loss whose gradient the local optimization follows. */
    static double loss(Hvae m, Tensor x, Tensor c, int k, LocalPosterior local) {
        try (MemoryScope s = MemoryScope.open(); Pass ps = m.forward(x, c, k, NoiseStreams.of(4, 9), local)) {
            double sum = 0;
            float[] lik = ps.logLikelihoodArray();
            for (float v : lik) {
                sum -= v / k;
            }
            for (int l = 0; l < ps.depth(); l++) {
                for (float v : ps.klTermArray(l)) {
                    sum += v / k;
                }
            }
            return sum;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void localGradientsMatchFiniteDifferencesAndLeaveTheModelAlone(String name, ModelSpec spec) {
        SplittableRandom r = new SplittableRandom(name.hashCode());
        int batch = 3, k = 2;
        try (Hvae m = new Hvae(spec, CPU, 7); MemoryScope scope = MemoryScope.open()) {
            Tensor x = data(r, batch), c = conditions(spec, batch);
            LocalPosterior local;
            try (Pass init = m.forward(x, c, 1, NoiseStreams.of(0, 0))) {
                local = init.toLocalPosterior();
            }
            try (local) {
                assertFalse(local.parameters().isEmpty(), "the scheme frees something");
                m.zeroGrad();
                local.zeroGrad();
                try (Pass ps = m.forward(x, c, k, NoiseStreams.of(4, 9), local)) {
                    Weights w = Weights.of(ps).localOnly().likelihood(CPU.full(-1f / k, ps.rows()));
                    Tensor plus = CPU.full(1f / k, ps.rows());
                    for (int l = 0; l < ps.depth(); l++) {
                        w.klTerm(ps, l, plus);
                    }
                    ps.backward(w);
                }
                for (Param p : m.parameters()) {
                    for (float g : p.grad().toArray()) {
                        assertEquals(0f, g, name + ": model parameter " + p.name() + " got a gradient");
                    }
                }
                List<Param> ps = local.parameters();
                for (int trial = 0; trial < 3; trial++) {
                    float[][] dir = new float[ps.size()][], orig = new float[ps.size()][];
                    double gv = 0, norm = 0;
                    for (int i = 0; i < ps.size(); i++) {
                        orig[i] = ps.get(i).value().toArray();
                        dir[i] = new float[orig[i].length];
                        for (int j = 0; j < dir[i].length; j++) {
                            dir[i][j] = (float) r.nextGaussian();
                            norm += dir[i][j] * dir[i][j];
                        }
                    }
                    norm = Math.sqrt(norm);
                    for (int i = 0; i < ps.size(); i++) {
                        float[] g = ps.get(i).grad().toArray();
                        for (int j = 0; j < g.length; j++) {
                            dir[i][j] /= norm;
                            gv += g[j] * dir[i][j];
                        }
                    }
                    double h = 2e-3;
                    double lp = moved(m, x, c, k, local, orig, dir, h), lm = moved(m, x, c, k, local, orig, dir, -h);
                    moved(m, x, c, k, local, orig, dir, 0);
                    double fd = (lp - lm) / (2 * h);
                    assertEquals(fd, gv, 2e-2 * Math.abs(fd) + 2e-3, name + ": directional derivative");
                }
            }
        }
    }

    private static double moved(Hvae m, Tensor x, Tensor c, int k, LocalPosterior local, float[][] orig,
            float[][] dir, double t) {
        List<Param> ps = local.parameters();
        for (int i = 0; i < ps.size(); i++) {
            float[] v = orig[i].clone();
            for (int j = 0; j < v.length; j++) {
                v[j] += (float) (t * dir[i][j]);
            }
            CPU.copyFrom(v, ps.get(i).value());
        }
        return loss(m, x, c, k, local);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void aLocalPosteriorStartsAtTheAmortizedOne(String name, ModelSpec spec) {
        SplittableRandom r = new SplittableRandom(1);
        try (Hvae m = new Hvae(spec, CPU, 3); MemoryScope scope = MemoryScope.open()) {
            Tensor x = data(r, 4), c = conditions(spec, 4);
            float[] amortized, local;
            try (Pass ps = m.forward(x, c, 3, NoiseStreams.of(2, 5))) {
                amortized = ps.logWeightsArray();
            }
            try (Pass init = m.forward(x, c, 1, NoiseStreams.of(0, 0)); LocalPosterior lp = init.toLocalPosterior();
                    Pass ps = m.forward(x, c, 3, NoiseStreams.of(2, 5), lp);
                    LocalPosterior again = ps.toLocalPosterior()) {
                local = ps.logWeightsArray();
                for (int i = 0; i < lp.parameters().size(); i++) {
                    assertArrayEquals(lp.parameters().get(i).value().toArray(),
                            again.parameters().get(i).value().toArray(), name + ": a local pass copies its own");
                }
            }
            assertArrayEquals(amortized, local, name + ": the same pass on the same noise");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void everySchemeMeasuresGapsThatAddUpWithQStarNoWorseThanQ(String name, ModelSpec spec) {
        Dataset d = Dataset.of("uniform", data(new SplittableRandom(6), 12).toArray(), 12, 9);
        if (spec.conditional()) {
            int[] labels = new int[12];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = i % 3;
            }
            d = Dataset.of("uniform", d.features(), 12, 9, labels, 3);
        }
        InferenceGaps.Options o = InferenceGaps.Options.defaults().withLogLikelihoodSamples(200).withElboSamples(200)
                .withOptimization(8, 0.02, 300).withBatch(5);
        try (Hvae m = new Hvae(spec, CPU, 8)) {
            InferenceGaps.Result r = InferenceGaps.measure(m, d, o);
            assertEquals(12, r.examples().size());
            for (InferenceGaps.Example e : r.examples()) {
                assertEquals(e.totalGap(), e.approximationGap() + e.amortizationGap(), 1e-9, name);
                assertTrue(e.local().elbo() >= e.amortized().elbo(), name + ": q* below q on the same noise");
                assertEquals(m.depth(), e.local().kl().length);
            }
            assertTrue(r.summary().amortizationGap().mean() > 0, name + ": an untrained encoder leaves a gap: "
                    + r.summary());
        }
    }

    /** A measurement frees everything it allocated; a second one reuses the cached blocks and allocates nothing new. */
    @Test
    void measuringTwiceHoldsNoMemoryAndAllocatesNothingNew() {
        ModelSpec spec = base(Inference.BOTTOM_UP, LatentSpec.bernoulli(3, Estimator.straightThrough()),
                LatentSpec.gaussian(4)).build();
        Dataset d = Dataset.of("uniform", data(new SplittableRandom(7), 10).toArray(), 10, 9);
        InferenceGaps.Options o = InferenceGaps.Options.defaults().withLogLikelihoodSamples(100).withElboSamples(100)
                .withOptimization(4, 0.02, 100).withBatch(5);
        try (Hvae m = new Hvae(spec, CPU, 9)) {
            long before = CPU.memoryStats().bytesInUse();
            InferenceGaps.measure(m, d, o);
            org.hvae4j.tensor.CachingAllocator.Stats first = CPU.memoryStats();
            assertEquals(before, first.bytesInUse(), "memory held after a measurement");
            InferenceGaps.measure(m, d, o);
            org.hvae4j.tensor.CachingAllocator.Stats second = CPU.memoryStats();
            assertEquals(before, second.bytesInUse(), "memory held after the second");
            assertEquals(first.rawAllocations(), second.rawAllocations(), "new raw allocations in the second");
        }
    }

    @Test
    void badUseIsRefused() {
        ModelSpec spec = base(Inference.BOTTOM_UP, LatentSpec.gaussian(3), LatentSpec.gaussian(4)).build();
        try (Hvae m = new Hvae(spec, CPU, 3); MemoryScope scope = MemoryScope.open()) {
            SplittableRandom r = new SplittableRandom(2);
            Tensor x = data(r, 4);
            try (Pass init = m.forward(x, null, 1, NoiseStreams.of(0, 0)); LocalPosterior lp = init.toLocalPosterior()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> m.forward(data(r, 5), null, 1, NoiseStreams.of(0, 0), lp));
                assertTrue(e.getMessage().contains("4 examples"), e.getMessage());
                try (Pass ps = m.forward(x, null, 1, NoiseStreams.of(0, 0))) {
                    e = assertThrows(IllegalArgumentException.class,
                            () -> ps.backward(Weights.of(ps).localOnly()));
                    assertTrue(e.getMessage().contains("local posterior"), e.getMessage());
                }
            }
            Dataset empty = Dataset.of("none", new float[0], 0, 9);
            assertThrows(IllegalArgumentException.class,
                    () -> InferenceGaps.measure(m, empty, InferenceGaps.Options.defaults()));
            assertThrows(IllegalArgumentException.class, () -> InferenceGaps.Options.defaults()
                    .withOptimization(1, 0.01, 10));
        }
    }

    /** The same measurement on the GPU (same initial parameters, same counter-based noise) as on the CPU. */
    @Test
    @org.junit.jupiter.api.Tag("gpu")
    void theCudaBackendMeasuresTheSameGaps() {
        Backend gpu = org.hvae4j.tensor.TestSupport.cudaOrSkip();
        ModelSpec spec = base(Inference.RESIDUAL, LatentSpec.gaussian(3), LatentSpec.gaussian(4)).build();
        Dataset d = Dataset.of("uniform", data(new SplittableRandom(4), 30).toArray(), 30, 9);
        InferenceGaps.Options o = InferenceGaps.Options.defaults().withLogLikelihoodSamples(500).withElboSamples(500)
                .withOptimization(16, 0.02, 400);
        InferenceGaps.Summary onCpu, onGpu;
        try (Hvae m = new Hvae(spec, CPU, 5)) {
            onCpu = InferenceGaps.measure(m, d, o).summary();
        }
        try (Hvae m = new Hvae(spec, gpu, 5)) {
            onGpu = InferenceGaps.measure(m, d, o).summary();
        }
        assertEquals(onCpu.logLikelihood().mean(), onGpu.logLikelihood().mean(), 0.02, onCpu + " / " + onGpu);
        assertEquals(onCpu.amortizedElbo().mean(), onGpu.amortizedElbo().mean(), 0.01, onCpu + " / " + onGpu);
        assertEquals(onCpu.localElbo().mean(), onGpu.localElbo().mean(), 0.05, onCpu + " / " + onGpu);
    }

    // ---- the linear-Gaussian model, in closed form -------------------------------------------------------------

    /** p(z) = N(0, I_m), x | z ~ N(zW + b, diag ψ): W is [m, n] (rows are the latent directions). */
    record LinearGaussian(double[][] w, double[] b, double[] psi) {
        int m() {
            return w.length;
        }

        int n() {
            return b.length;
        }

        /** Λ = I + W Ψ⁻¹ Wᵀ ([m, m]). */
        double[][] precision() {
            double[][] l = new double[m()][m()];
            for (int i = 0; i < m(); i++) {
                for (int j = 0; j < m(); j++) {
                    double s = i == j ? 1 : 0;
                    for (int d = 0; d < n(); d++) {
                        s += w[i][d] * w[j][d] / psi[d];
                    }
                    l[i][j] = s;
                }
            }
            return l;
        }

        /** The posterior mean Λ⁻¹ W Ψ⁻¹ (x − b). */
        double[] posteriorMean(double[] x) {
            double[] r = new double[m()];
            for (int i = 0; i < m(); i++) {
                for (int d = 0; d < n(); d++) {
                    r[i] += w[i][d] * (x[d] - b[d]) / psi[d];
                }
            }
            return solve(precision(), r);
        }

        double logJoint(double[] z, double[] x) {
            double s = 0;
            for (double v : z) {
                s += -0.5 * v * v - 0.5 * Math.log(2 * Math.PI);
            }
            for (int d = 0; d < n(); d++) {
                double mean = b[d];
                for (int i = 0; i < m(); i++) {
                    mean += z[i] * w[i][d];
                }
                s += -0.5 * (x[d] - mean) * (x[d] - mean) / psi[d] - 0.5 * Math.log(2 * Math.PI * psi[d]);
            }
            return s;
        }

        /** log p(x) = log p(x, μ) − log N(μ; μ, Λ⁻¹). */
        double logLikelihood(double[] x) {
            double[] mu = posteriorMean(x);
            return logJoint(mu, x) + 0.5 * m() * Math.log(2 * Math.PI) - 0.5 * logDet(precision());
        }

        /** ½(Σ log Λ_ii − log det Λ): the approximation gap of the best diagonal Gaussian. */
        double approximationGap() {
            double[][] l = precision();
            double s = 0;
            for (int i = 0; i < m(); i++) {
                s += Math.log(l[i][i]);
            }
            return 0.5 * (s - logDet(l));
        }

        /** KL(N(mq, diag sq²) ‖ N(μ, Λ⁻¹)): the gap of the diagonal Gaussian q. */
        double gapOf(double[] x, double[] mq, double[] varq) {
            double[][] l = precision();
            double[] mu = posteriorMean(x);
            double s = -m() - logDet(l);
            for (int i = 0; i < m(); i++) {
                s += l[i][i] * varq[i] - Math.log(varq[i]);
                for (int j = 0; j < m(); j++) {
                    s += (mu[i] - mq[i]) * l[i][j] * (mu[j] - mq[j]);
                }
            }
            return 0.5 * s;
        }

        static double[] solve(double[][] a, double[] y) {
            int n = y.length;
            double[][] l = cholesky(a);
            double[] t = new double[n], x = new double[n];
            for (int i = 0; i < n; i++) {
                double s = y[i];
                for (int k = 0; k < i; k++) {
                    s -= l[i][k] * t[k];
                }
                t[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = t[i];
                for (int k = i + 1; k < n; k++) {
                    s -= l[k][i] * x[k];
                }
                x[i] = s / l[i][i];
            }
            return x;
        }

        static double logDet(double[][] a) {
            double[][] l = cholesky(a);
            double s = 0;
            for (int i = 0; i < a.length; i++) {
                s += 2 * Math.log(l[i][i]);
            }
            return s;
        }

        static double[][] cholesky(double[][] a) {
            int n = a.length;
            double[][] l = new double[n][n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double s = a[i][j];
                    for (int k = 0; k < j; k++) {
                        s -= l[i][k] * l[j][k];
                    }
                    l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
                }
            }
            return l;
        }
    }

    /** A model of the linear-Gaussian family with these parameters and an affine encoder with the given weights. */
    static Hvae linearModel(LinearGaussian g, float[] encMean, float[] encMeanBias, float[] encLogVarBias) {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(g.m()))
                .observed(g.n(), Likelihood.parse("gaussian-shared")).build();
        Hvae h = new Hvae(spec, CPU, 1);
        float[] wd = new float[g.m() * g.n()], bd = new float[g.n()], lv = new float[g.n()];
        for (int i = 0; i < g.m(); i++) {
            for (int d = 0; d < g.n(); d++) {
                wd[i * g.n() + d] = (float) g.w()[i][d];
            }
        }
        for (int d = 0; d < g.n(); d++) {
            bd[d] = (float) g.b()[d];
            lv[d] = (float) Math.log(g.psi()[d]);
        }
        for (Param p : h.parameters()) {
            float[] v = switch (p.name()) {
                case "dec.head0.w0" -> wd;
                case "dec.head0.b" -> bd;
                case "dec.logvar" -> lv;
                case "enc1.head0.w0" -> encMean;
                case "enc1.head0.b" -> encMeanBias;
                case "enc1.head1.w0" -> new float[g.n() * g.m()];
                case "enc1.head1.b" -> encLogVarBias;
                default -> throw new AssertionError("unexpected parameter " + p.name());
            };
            CPU.copyFrom(v, p.value());
        }
        return h;
    }

    static Dataset sample(LinearGaussian g, int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * g.n()];
        for (int e = 0; e < rows; e++) {
            double[] z = new double[g.m()];
            for (int i = 0; i < g.m(); i++) {
                z[i] = r.nextGaussian();
            }
            for (int d = 0; d < g.n(); d++) {
                double mean = g.b()[d];
                for (int i = 0; i < g.m(); i++) {
                    mean += z[i] * g.w()[i][d];
                }
                x[e * g.n() + d] = (float) (mean + Math.sqrt(g.psi()[d]) * r.nextGaussian());
            }
        }
        return Dataset.of("linear-gaussian", x, rows, g.n());
    }

    static double[] row(Dataset d, int i) {
        double[] x = new double[d.cols()];
        for (int j = 0; j < x.length; j++) {
            x[j] = d.get(i, j);
        }
        return x;
    }

    static final InferenceGaps.Options FAST = InferenceGaps.Options.defaults().withLogLikelihoodSamples(2000)
            .withElboSamples(2000).withOptimization(16, 0.02, 3000).withBatch(25);

    /**
     * A rotation-free W (rows orthogonal in the Ψ⁻¹ metric: the posterior is diagonal) and a correlated one, each with
     * a poor encoder (mean map zero, unit variances): the measured gaps against the closed forms.
     */
    @Test
    void linearGaussianGapsMatchTheirClosedForms() {
        double[] psi = {0.3, 0.5, 0.4, 0.6, 0.35, 0.45};
        double[] b = {0.1, -0.2, 0.3, 0, 0.5, -0.4};
        double[][] diagonal = {{1.2, 0, 0.8, 0, 0, 0}, {0, 1.0, 0, 0, -0.7, 0}, {0, 0, 0, 0.9, 0, 0.6}};
        double[][] correlated = {{1.2, 0.5, 0.8, 0, 0.3, 0}, {0.6, 1.0, 0, 0.4, -0.7, 0}, {0, 0.5, 0.3, 0.9, 0, 0.6}};
        for (double[][] w : new double[][][] {diagonal, correlated}) {
            LinearGaussian g = new LinearGaussian(w, b, psi);
            Dataset data = sample(g, 50, 17);
            float[] zeros = new float[g.n() * g.m()];
            try (Hvae m = linearModel(g, zeros, new float[g.m()], new float[g.m()])) {
                InferenceGaps.Result r = InferenceGaps.measure(m, data, FAST);
                double exactGap = g.approximationGap();
                double[] ll = new double[data.rows()], total = new double[data.rows()];
                for (int i = 0; i < data.rows(); i++) {
                    InferenceGaps.Example e = r.examples().get(i);
                    double[] x = row(data, i);
                    ll[i] = g.logLikelihood(x);
                    double[] one = new double[g.m()];
                    java.util.Arrays.fill(one, 1);
                    total[i] = g.gapOf(x, new double[g.m()], one);
                    // Exact identities of the decomposition, and q* no worse than q on the same noise.
                    assertEquals(e.totalGap(), e.approximationGap() + e.amortizationGap(), 1e-9);
                    assertTrue(e.local().elbo() >= e.amortized().elbo(), "q* below q on the same noise");
                    assertEquals(ll[i], e.logLikelihood(), 0.08, "log p(x) of example " + i);
                    // The ELBO's Monte-Carlo estimate within 4.5 of its standard errors (a false alarm in 1e5 per example).
                    assertEquals(ll[i] - total[i], e.amortized().elbo(), 4.5 * e.amortized().standardError() + 1e-3,
                            "amortized ELBO of example " + i);
                    // ELBO(q*) within its Monte-Carlo error (and 0.03 nats of optimization slack) of the best diagonal
                    // Gaussian's.
                    assertEquals(ll[i] - exactGap, e.local().elbo(), 4.5 * e.local().standardError() + 0.03,
                            "ELBO(q*) of example " + i);
                }
                InferenceGaps.Summary s = r.summary();
                assertEquals(InferenceGaps.Estimate.of(ll).mean(), s.logLikelihood().mean(), 0.02, "mean log p(x)");
                assertEquals(exactGap, s.approximationGap().mean(), 0.03, "mean approximation gap");
                assertEquals(InferenceGaps.Estimate.of(total).mean() - exactGap, s.amortizationGap().mean(), 0.05);
                assertEquals(data.rows(), s.converged(), "every example met the tolerance");
            }
        }
    }

    /** The exact posterior's own encoder: no amortization gap to find, and q* stays where it started. */
    @Test
    void anExactEncoderHasNoAmortizationGap() {
        double[] psi = {0.3, 0.5, 0.4, 0.6, 0.35, 0.45};
        double[][] w = {{1.2, 0, 0.8, 0, 0, 0}, {0, 1.0, 0, 0, -0.7, 0}, {0, 0, 0, 0.9, 0, 0.6}};
        double[] b = {0.1, -0.2, 0.3, 0, 0.5, -0.4};
        LinearGaussian g = new LinearGaussian(w, b, psi);
        double[][] l = g.precision();
        // μ = Λ⁻¹ W Ψ⁻¹ (x − b) with Λ diagonal: mean weights [n, m] = W_id / (ψ_d Λ_ii), bias −Σ_d b_d (...).
        float[] wm = new float[g.n() * g.m()], bm = new float[g.m()], lv = new float[g.m()];
        for (int i = 0; i < g.m(); i++) {
            for (int d = 0; d < g.n(); d++) {
                double c = w[i][d] / (psi[d] * l[i][i]);
                wm[d * g.m() + i] = (float) c;
                bm[i] -= (float) (c * b[d]);
            }
            lv[i] = (float) -Math.log(l[i][i]);
        }
        Dataset data = sample(g, 25, 5);
        try (Hvae m = linearModel(g, wm, bm, lv)) {
            InferenceGaps.Summary s = InferenceGaps.measure(m, data, FAST).summary();
            assertEquals(0, s.totalGap().mean(), 0.03, "the ELBO is tight: " + s);
            assertEquals(0, s.amortizationGap().mean(), 0.02, "nothing to gain locally: " + s);
        }
    }
}
