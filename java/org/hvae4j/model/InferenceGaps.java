package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;
import org.hvae4j.data.Dataset;
import org.hvae4j.latent.Estimator;
import org.hvae4j.nn.Adam;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * The inference gaps of a trained model on a data set (Cremer, Li and Duvenaud 2018, "Inference Suboptimality in
 * Variational Autoencoders"): per example,
 * <ul>
 *   <li>log p(x), estimated by IWAE with k samples (proposal: the locally optimized posterior q*, the tighter of the
 *       two);</li>
 *   <li>the ELBO of the amortized posterior q(z|x) the encoder gives;</li>
 *   <li>the ELBO of q*, the same variational family with the example's own variational parameters
 *       ({@link LocalPosterior}: which ones, per inference scheme, is said there) optimized by Adam from the encoder's
 *       output, the generative model fixed, until the ELBO stops improving by more than a tolerance;</li>
 * </ul>
 * and from them the total gap log p(x) − ELBO(q), the approximation gap log p(x) − ELBO(q*) and the amortization gap
 * ELBO(q*) − ELBO(q), which add up to the total. Each ELBO is also reported by its terms: log p(x|z) and each layer's
 * KL term.
 *
 * <p>Noise: both ELBOs are estimated on the same evaluation noise (paired), independent of the optimization's noise
 * and of the noise on which the optimizer's iterates are compared; q* is the best iterate on that comparison noise, and,
 * should it not beat the amortized posterior on the evaluation noise, the amortized posterior itself (counted in
 * {@link Summary#keptAmortized}), so ELBO(q*) ≥ ELBO(q) on the same noise by construction.
 *
 * <p>Bernoulli latents are optimized with score-function gradients (REINFORCE with a leave-one-out baseline over the
 * optimization samples: unbiased, unlike the straight-through estimators) and scored with hard samples, whatever
 * estimator the model was trained with; Gaussian latents with reparameterized gradients.
 */
public final class InferenceGaps {
    private static final long OPT_BASE = 1L << 41;
    private static final long SELECT_BASE = 1L << 42;
    private static final long ELBO_BASE = 3L << 41;
    private static final int CHUNK = 100;

    /**
     * How the gaps are measured.
     *
     * @param logLikelihoodSamples k of the IWAE estimate of log p(x)
     * @param elboSamples samples of each ELBO estimate (evaluation noise)
     * @param optimizationSamples samples per example in each optimization step's ELBO gradient
     * @param selectionSamples samples per example of the ELBO on which iterates are compared
     * @param learningRate Adam's learning rate for the local parameters
     * @param maxSteps the most optimization steps per batch
     * @param checkEvery steps between comparisons
     * @param tolerance an example has converged when its ELBO improved by less than this (nats) at {@code patience}
     *     consecutive comparisons
     * @param patience see tolerance
     * @param batch examples optimized together (each with its own parameters)
     * @param seed the noise seed
     */
    public record Options(int logLikelihoodSamples, int elboSamples, int optimizationSamples, int selectionSamples,
            double learningRate, int maxSteps, int checkEvery, double tolerance, int patience, int batch, long seed) {
        public Options {
            if (logLikelihoodSamples < 1 || elboSamples < 1 || selectionSamples < 1 || batch < 1 || maxSteps < 0) {
                throw new IllegalArgumentException("sample counts and the batch must be >= 1 and max steps >= 0");
            }
            if (optimizationSamples < 2) {
                throw new IllegalArgumentException("the optimization needs >= 2 samples per example (the "
                        + "leave-one-out baseline), got " + optimizationSamples);
            }
            if (checkEvery < 1 || patience < 1) {
                throw new IllegalArgumentException("check interval and patience must be >= 1");
            }
            if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            if (!(tolerance >= 0) || Double.isInfinite(tolerance)) {
                throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + tolerance);
            }
        }

        /** IWAE-5000 for log p(x), 1000-sample ELBOs, 16 samples per step, Adam 1e-2, up to 3000 steps, 0.01 nats. */
        public static Options defaults() {
            return new Options(5000, 1000, 16, 100, 1e-2, 3000, 50, 0.01, 3, 100, 1);
        }

        public Options withLogLikelihoodSamples(int k) {
            return new Options(k, elboSamples, optimizationSamples, selectionSamples, learningRate, maxSteps,
                    checkEvery, tolerance, patience, batch, seed);
        }

        public Options withElboSamples(int s) {
            return new Options(logLikelihoodSamples, s, optimizationSamples, selectionSamples, learningRate, maxSteps,
                    checkEvery, tolerance, patience, batch, seed);
        }

        public Options withOptimization(int samples, double lr, int steps) {
            return new Options(logLikelihoodSamples, elboSamples, samples, selectionSamples, lr, steps, checkEvery,
                    tolerance, patience, batch, seed);
        }

        public Options withStopping(int every, double tol, int patienceChecks) {
            return new Options(logLikelihoodSamples, elboSamples, optimizationSamples, selectionSamples, learningRate,
                    maxSteps, every, tol, patienceChecks, batch, seed);
        }

        public Options withBatch(int b) {
            return new Options(logLikelihoodSamples, elboSamples, optimizationSamples, selectionSamples, learningRate,
                    maxSteps, checkEvery, tolerance, patience, b, seed);
        }

        public Options withSeed(long s) {
            return new Options(logLikelihoodSamples, elboSamples, optimizationSamples, selectionSamples, learningRate,
                    maxSteps, checkEvery, tolerance, patience, batch, s);
        }
    }

    /**
     * An ELBO estimate by its terms: the bound, its Monte-Carlo standard error (over the samples), log p(x|z) and each
     * layer's KL term (bottom-up).
     */
    public record Terms(double elbo, double standardError, double reconstruction, double[] kl) {}

    /**
     * One example's figures.
     *
     * @param steps optimization steps until its best iterate (within the run it came from)
     * @param converged whether it met the tolerance in every run before the run stopped
     * @param fromPrior whether q* came from the run started at the prior rather than at the encoder's posterior
     */
    public record Example(double logLikelihood, Terms amortized, Terms local, int steps, boolean converged,
            boolean fromPrior) {
        public double totalGap() {
            return logLikelihood - amortized.elbo();
        }

        public double approximationGap() {
            return logLikelihood - local.elbo();
        }

        public double amortizationGap() {
            return local.elbo() - amortized.elbo();
        }
    }

    /** A mean over examples with its standard error. */
    public record Estimate(double mean, double standardError) {
        static Estimate of(double[] v) {
            double m = 0;
            for (double x : v) {
                m += x;
            }
            m /= v.length;
            double ss = 0;
            for (double x : v) {
                ss += (x - m) * (x - m);
            }
            double se = v.length > 1 ? Math.sqrt(ss / (v.length - 1) / v.length) : Double.NaN;
            return new Estimate(m, se);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.3f ± %.3f", mean, standardError);
        }
    }

    /** Averages over the examples, with the cost. */
    public record Summary(int examples, Estimate logLikelihood, Estimate amortizedElbo, Estimate localElbo,
            Estimate totalGap, Estimate approximationGap, Estimate amortizationGap, double[] amortizedKl,
            double[] localKl, double meanSteps, int converged, int keptAmortized, double seconds) {}

    /** Per-example figures and their summary. */
    public record Result(List<Example> examples, Summary summary) {}

    private InferenceGaps() {}

    /** The gaps of {@code model} on every row of {@code data}. */
    public static Result measure(Hvae model, Dataset data, Options o) {
        return measure(model, data, o, null);
    }

    /**
     * {@link #measure(Hvae, Dataset, Options)}, telling {@code progress} the number of examples done after each
     * batch.
     */
    public static Result measure(Hvae model, Dataset data, Options o, IntConsumer progress) {
        if (model == null || data == null || o == null) {
            throw new IllegalArgumentException("model, data and options must not be null");
        }
        if (data.rows() == 0) {
            throw new IllegalArgumentException("dataset '" + data.name() + "' has no rows");
        }
        long t0 = System.nanoTime();
        ModelSpec spec = model.spec();
        boolean twin = spec.latents().stream().anyMatch(l -> !l.isGaussian() && !l.usesReinforce());
        List<Example> out = new ArrayList<>();
        int[] kept = {0};
        try (Hvae m = twin ? model.sharing(spec.withBernoulliEstimator(Estimator.reinforce())) : null) {
            Hvae use = twin ? m : model;
            Evaluator ev = new Evaluator(use, o.seed());
            ev.checkData(data);
            long[] iwaeCall = {0};
            int batchIndex = 0;
            for (int from = 0; from < data.rows(); from += o.batch(), batchIndex++) {
                int to = Math.min(data.rows(), from + o.batch());
                try (MemoryScope scope = MemoryScope.open()) {
                    Batches b = ev.load(data, from, to);
                    Tensor x = ev.fixedBinarization(b.x, from);
                    out.addAll(batch(use, ev, x, b.c, o, batchIndex, iwaeCall, kept));
                }
                if (progress != null) {
                    progress.accept(to);
                }
            }
        }
        return new Result(List.copyOf(out), summarize(out, model.depth(), kept[0], (System.nanoTime() - t0) / 1e9));
    }

    private static List<Example> batch(Hvae m, Evaluator ev, Tensor x, Tensor c, Options o, int batchIndex,
            long[] iwaeCall, int[] kept) {
        int n = x.rows();
        long chunks = (Math.max(o.elboSamples(), o.selectionSamples()) + CHUNK - 1) / CHUNK;
        long elboSteps = ELBO_BASE + batchIndex * chunks, selectSteps = SELECT_BASE + batchIndex * chunks;
        Terms[] amortized = terms(m, x, c, null, o.elboSamples(), o.seed(), elboSteps);
        LocalPosterior best;
        try (Pass ps = m.forward(x, c, 1, NoiseStreams.of(o.seed(), 0))) {
            best = ps.toLocalPosterior();
        }
        int[] steps = new int[n];
        boolean[] converged = new boolean[n], fromPrior = new boolean[n];
        Arrays.fill(converged, true);
        try (best) {
            double[] bestSel = elbos(terms(m, x, c, null, o.selectionSamples(), o.seed(), selectSteps));
            int starts = m.spec().latents().stream().allMatch(LatentSpec::isGaussian) ? 1 : 2;
            for (int start = 0; start < starts; start++) {
                long stepBase = OPT_BASE + (batchIndex * 2L + start) * (o.maxSteps() + 1L);
                optimize(m, x, c, o, start == 1, stepBase, selectSteps, best, bestSel, steps, converged, fromPrior);
            }
            Terms[] opt = terms(m, x, c, best, o.elboSamples(), o.seed(), elboSteps);
            double[] ll;
            try (MemoryScope s = MemoryScope.open()) {
                ll = ev.logLikelihood(x, c, o.logLikelihoodSamples(), CHUNK, iwaeCall, best);
            }
            List<Example> r = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Terms q = opt[i];
                if (q.elbo() < amortized[i].elbo()) {
                    q = amortized[i];
                    steps[i] = 0;
                    kept[0]++;
                }
                r.add(new Example(ll[i], amortized[i], q, steps[i], converged[i], fromPrior[i] && q != amortized[i]));
            }
            return r;
        }
    }

    /**
     * One run of the local optimization from the encoder's posterior, or ({@code zeroStart}) from every local tensor at
     * zero: the prior's own parameters where the local tensors are a posterior's parameters (the top layer, z1 under
     * bottom-up inference), zero features under residual inference. An example's iterate replaces its best (on the
     * comparison noise) when it is better; {@code converged} stays true only where every run met the tolerance.
     */
    private static void optimize(Hvae m, Tensor x, Tensor c, Options o, boolean zeroStart, long stepBase,
            long selectSteps, LocalPosterior best, double[] bestSel, int[] steps, boolean[] converged,
            boolean[] fromPrior) {
        int n = x.rows();
        Backend be = m.backend();
        LocalPosterior local;
        try (Pass ps = m.forward(x, c, 1, NoiseStreams.of(o.seed(), stepBase))) {
            local = ps.toLocalPosterior();
        }
        try (local; Adam adam = Adam.defaults(nonEmpty(local))) {
            if (zeroStart) {
                local.parameters().forEach(p -> be.fill(p.value(), 0f));
            }
            int[] stale = new int[n];
            boolean[] done = new boolean[n];
            // This run's best: convergence is judged within the run (a run from the prior starts below the best).
            double[] runBest = zeroStart ? new double[n] : bestSel.clone();
            if (zeroStart) {
                Arrays.fill(runBest, Double.NEGATIVE_INFINITY);
            }
            for (int t = 1; t <= o.maxSteps(); t++) {
                step(m, x, c, local, adam, o, NoiseStreams.of(o.seed(), stepBase + t));
                if (t % o.checkEvery() != 0 && t != o.maxSteps()) {
                    continue;
                }
                double[] sel = elbos(terms(m, x, c, local, o.selectionSamples(), o.seed(), selectSteps));
                boolean all = true;
                for (int i = 0; i < n; i++) {
                    if (sel[i] > bestSel[i]) {
                        copyRow(be, local, best, i);
                        bestSel[i] = sel[i];
                        steps[i] = t;
                        fromPrior[i] = zeroStart;
                    }
                    double gain = sel[i] - runBest[i];
                    runBest[i] = Math.max(runBest[i], sel[i]);
                    stale[i] = gain < o.tolerance() ? stale[i] + 1 : 0;
                    done[i] = stale[i] >= o.patience();
                    all &= done[i];
                }
                if (all) {
                    break;
                }
            }
            for (int i = 0; i < n; i++) {
                converged[i] &= done[i];
            }
        }
    }

    private static List<Param> nonEmpty(LocalPosterior local) {
        if (local.parameters().isEmpty()) {
            throw new IllegalArgumentException("the model's inference scheme frees no per-example parameters");
        }
        return local.parameters();
    }

    /** Row i of every tensor of {@code from} into {@code to}. */
    private static void copyRow(Backend be, LocalPosterior from, LocalPosterior to, int i) {
        List<Param> a = from.parameters(), b = to.parameters();
        for (int j = 0; j < a.size(); j++) {
            be.copy(a.get(j).value().rowsView(i, i + 1), b.get(j).value().rowsView(i, i + 1));
        }
    }

    /**
     * One Adam step on the local parameters: the gradient of −(1/S) Σ_s ℓ_s per example, ℓ = log p(x|z) − Σ_l KL_l
     * (analytic KL terms where the layer has one), with REINFORCE layers' learning signal −(ℓ_s − ℓ̄_−s)/S.
     */
    private static void step(Hvae m, Tensor x, Tensor c, LocalPosterior local, Adam adam, Options o, NoiseStreams ns) {
        Backend be = m.backend();
        int s = o.optimizationSamples();
        try (MemoryScope scope = MemoryScope.open(); Pass ps = m.forward(x, c, s, ns, local)) {
            int rows = ps.rows(), n = ps.batch();
            Weights w = Weights.of(ps).localOnly().likelihood(be.full(-1f / s, rows));
            Tensor plus = be.full(1f / s, rows);
            for (int l = 0; l < ps.depth(); l++) {
                w.klTerm(ps, l, plus);
            }
            if (m.spec().usesReinforce()) {
                // ℓ per row, its mean per example broadcast back, and the leave-one-out signal
                // −(ℓ_s − (Σ − ℓ_s)/(S − 1))/S = −(ℓ_s − ℓ̄)/(S − 1).
                Tensor ell = be.empty(rows, 1);
                be.axpby(1f, ps.logLikelihood().reshape(rows, 1), 0f, ell);
                for (int l = 0; l < ps.depth(); l++) {
                    be.axpby(-1f, ps.klTerm(l).reshape(rows, 1), 1f, ell);
                }
                Tensor mean = be.empty(n, 1), meanRows = be.empty(rows, 1), signal = be.empty(rows, 1);
                be.sumRepeats(ell, s, mean, 0f);
                be.repeatRows(mean, s, meanRows);
                be.axpby(-1f / (s - 1), ell, 0f, signal);
                be.axpby(1f / ((float) s * (s - 1)), meanRows, 1f, signal);
                Tensor sig = signal.reshape(rows);
                for (int l = 0; l < ps.depth(); l++) {
                    if (m.latentLayer(l).usesReinforce()) {
                        w.signal(l, sig);
                    }
                }
            }
            local.zeroGrad();
            ps.backward(w);
            adam.step(o.learningRate());
        }
    }

    /**
     * Each example's ELBO by its terms from {@code samples} samples (chunks of {@link #CHUNK} on the streams of steps
     * base, base + 1, ...), with the proposal of {@code local} where given.
     */
    private static Terms[] terms(Hvae m, Tensor x, Tensor c, LocalPosterior local, int samples, long seed, long base) {
        int n = x.rows(), depth = m.depth();
        double[] rec = new double[n], sum = new double[n], sumSq = new double[n];
        double[][] kl = new double[depth][n];
        long call = 0;
        for (int done = 0; done < samples; done += CHUNK) {
            int kc = Math.min(CHUNK, samples - done);
            try (MemoryScope scope = MemoryScope.open(); Pass ps = m.forward(x, c, kc, NoiseStreams.of(seed, base + call++),
                    local)) {
                float[] lik = ps.logLikelihoodArray();
                double[] ell = new double[lik.length];
                for (int r = 0; r < lik.length; r++) {
                    rec[r % n] += lik[r];
                    ell[r] = lik[r];
                }
                for (int l = 0; l < depth; l++) {
                    float[] t = ps.klTermArray(l);
                    for (int r = 0; r < t.length; r++) {
                        kl[l][r % n] += t[r];
                        ell[r] -= t[r];
                    }
                }
                for (int r = 0; r < ell.length; r++) {
                    sum[r % n] += ell[r];
                    sumSq[r % n] += ell[r] * ell[r];
                }
            }
        }
        Terms[] r = new Terms[n];
        for (int i = 0; i < n; i++) {
            double[] k = new double[depth];
            for (int l = 0; l < depth; l++) {
                k[l] = kl[l][i] / samples;
            }
            double mean = sum[i] / samples;
            double var = samples > 1 ? Math.max(0, (sumSq[i] - samples * mean * mean) / (samples - 1)) : Double.NaN;
            r[i] = new Terms(mean, Math.sqrt(var / samples), rec[i] / samples, k);
        }
        return r;
    }

    private static double[] elbos(Terms[] t) {
        return Arrays.stream(t).mapToDouble(Terms::elbo).toArray();
    }

    static Summary summarize(List<Example> ex, int depth, int kept, double seconds) {
        int n = ex.size();
        double[] ll = new double[n], qa = new double[n], qs = new double[n], tg = new double[n], ag = new double[n],
                mg = new double[n];
        double[] klA = new double[depth], klL = new double[depth];
        double steps = 0;
        int conv = 0;
        for (int i = 0; i < n; i++) {
            Example e = ex.get(i);
            ll[i] = e.logLikelihood();
            qa[i] = e.amortized().elbo();
            qs[i] = e.local().elbo();
            tg[i] = e.totalGap();
            ag[i] = e.approximationGap();
            mg[i] = e.amortizationGap();
            for (int l = 0; l < depth; l++) {
                klA[l] += e.amortized().kl()[l] / n;
                klL[l] += e.local().kl()[l] / n;
            }
            steps += e.steps() / (double) n;
            conv += e.converged() ? 1 : 0;
        }
        return new Summary(n, Estimate.of(ll), Estimate.of(qa), Estimate.of(qs), Estimate.of(tg), Estimate.of(ag),
                Estimate.of(mg), klA, klL, steps, conv, kept, seconds);
    }
}
