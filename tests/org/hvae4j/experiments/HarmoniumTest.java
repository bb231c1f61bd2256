package org.hvae4j.experiments;

import static org.junit.jupiter.api.Assertions.*;

import org.hvae4j.data.Dataset;
import org.hvae4j.latent.Estimator;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.InferenceGaps;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.Objective;
import org.junit.jupiter.api.Test;

/**
 * The harmonium check (Theorem 1 of the note on VAE approximation errors), on exact figures: harmoniums inside the
 * consistent set of the Bernoulli(½) prior (12 visible and 4 hidden units; 20 and 8), data drawn from them, and
 * <ul>
 *   <li>a VAE with affine encoder and decoder natural parameters trained by the ELBO: its approximation gap is zero
 *       (exactly, by enumeration, and measured by {@link InferenceGaps} within Monte-Carlo error) and its amortized
 *       ELBO reaches its exact log-likelihood, which reaches the harmonium's;</li>
 *   <li>a VAE with MLP encoder and decoder trained by IWAE-10 (which does not pull the model into the consistent
 *       set): a positive approximation gap.</li>
 * </ul>
 * Every measured gap also agrees with the exact one, which checks the local optimizer on Bernoulli latents.
 */
class HarmoniumTest {
    static final InferenceGaps.Options OPTIONS = InferenceGaps.Options.defaults().withLogLikelihoodSamples(1000)
            .withBatch(100);

    @Test
    void harmoniumInTheConsistentSetHasNoApproximationGap() {
        Harmonium h = Harmonium.block(12, 4, 1);
        Dataset train = h.sample(5000, 2), test = h.sample(200, 3);
        double truth = Evaluator.mean(h.logLikelihood(test));
        try (Hvae affine = Harmonium.fit(Harmonium.vae(12, 4, new int[0], Estimator.reinforce()), train,
                Objective.elbo(), 200, 0)) {
            Harmonium.Exact ex = Harmonium.exact(affine, test);
            InferenceGaps.Summary s = InferenceGaps.measure(affine, test, OPTIONS).summary();
            String what = "exact " + ex.meanApproximationGap() + ", measured " + s;
            assertEquals(0, ex.meanApproximationGap(), 0.005, "exact approximation gap: " + what);
            assertEquals(0, s.approximationGap().mean(), 4 * s.approximationGap().standardError() + 0.005, what);
            double ll = Evaluator.mean(ex.logLikelihood()), elbo = Evaluator.mean(ex.amortizedElbo());
            assertEquals(ll, elbo, 0.01, "the amortized ELBO reaches the model's log-likelihood");
            assertEquals(truth, ll, 0.06, "the model's log-likelihood reaches the harmonium's");
            agree(ex, s);
        }
    }

    @Test
    void anMlpTrainedByIwaeShowsAPositiveApproximationGap() {
        // The 8-unit block harmonium of docs/RESULTS.md (20 visible units), trained as there.
        Harmonium h = Harmonium.block(20, 8, 1);
        Dataset train = h.sample(5000, 2), test = h.sample(200, 3);
        ModelSpec spec = Harmonium.vae(20, 8, new int[] {64, 64}, Estimator.straightThroughSigmoid());
        try (Hvae mlp = Harmonium.fit(spec, train, Objective.iwae(10), 200, 0)) {
            Harmonium.Exact ex = Harmonium.exact(mlp, test);
            InferenceGaps.Summary s = InferenceGaps.measure(mlp, test, OPTIONS).summary();
            String what = "exact " + ex.meanApproximationGap() + ", measured " + s;
            assertTrue(ex.meanApproximationGap() > 0.1, "exact approximation gap: " + what);
            assertTrue(s.approximationGap().mean() > 10 * s.approximationGap().standardError(), what);
            agree(ex, s);
        }
    }

    /** The Monte-Carlo gaps within their errors (and 0.04 nats of optimization slack) of the exact ones. */
    static void agree(Harmonium.Exact ex, InferenceGaps.Summary s) {
        assertEquals(ex.meanApproximationGap(), s.approximationGap().mean(),
                4 * s.approximationGap().standardError() + 0.04, "approximation gap, exact against measured: " + s);
        assertEquals(ex.meanAmortizationGap(), s.amortizationGap().mean(),
                4 * s.amortizationGap().standardError() + 0.04, "amortization gap, exact against measured: " + s);
        assertEquals(Evaluator.mean(ex.logLikelihood()), s.logLikelihood().mean(), 0.02, "log p(x): " + s);
        assertEquals(Evaluator.mean(ex.amortizedElbo()), s.amortizedElbo().mean(), 0.02, "ELBO(q): " + s);
    }
}
