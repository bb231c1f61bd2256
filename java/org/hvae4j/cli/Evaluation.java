package org.hvae4j.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.StepResult;
import org.hvae4j.report.Progress;

/**
 * The evaluation of {@code eval} and of the end of {@code train}: the importance-sampled log-likelihood (IWAE bound
 * with k samples), the ELBO with its reconstruction and per-layer KL terms, and the active units per layer.
 */
record Evaluation(String data, int examples, int k, double logLikelihood, StepResult elbo, int[] activeUnits,
        double seconds) {
    /** Active units are those whose posterior mean has a variance over the data above this (Burda et al.). */
    static final double ACTIVE_THRESHOLD = 0.01;

    static Evaluation of(Evaluator ev, Dataset d, int k, int batch) {
        return of(ev, d, k, batch, null);
    }

    /**
     * As {@link #of(Evaluator, Dataset, int, int)}, reporting the log-likelihood's progress (examples done, the
     * running mean over the examples done so far) on {@code progress} when it is not null.
     */
    static Evaluation of(Evaluator ev, Dataset d, int k, int batch, PrintStream progress) {
        long t0 = System.nanoTime();
        Progress p = progress == null ? null : Progress.builder("eval log p(x), k=" + k, d.rows())
                .examplesPerStep(1).output(progress).mode(Progress.Mode.PLAIN).start();
        double ll;
        try {
            if (p != null) {
                double[] sum = {0};   // of the log-likelihoods of the examples done; guarded by p
                ev.withProgress((n, s) -> {
                    synchronized (p) {
                        sum[0] += s;
                        p.step(n, Map.of("log p(x)", sum[0] / (p.current() + n)));
                    }
                });
            }
            ll = Evaluator.mean(ev.logLikelihood(d, k, Math.min(k, 100), batch));
        } finally {
            if (p != null) {
                ev.withProgress(null);
                p.close();
            }
        }
        StepResult elbo = ev.elbo(d, batch);
        int[] active = ev.activeUnits(d, ACTIVE_THRESHOLD, 10);
        return new Evaluation(d.name(), d.rows(), k, ll, elbo, active, (System.nanoTime() - t0) / 1e9);
    }

    /** The results as JSON-ready fields. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data);
        m.put("examples", examples);
        m.put("k", k);
        m.put("logLikelihood", logLikelihood);
        m.put("elbo", elbo.objective());
        m.put("reconstruction", elbo.reconstruction());
        m.put("kl", elbo.kl());
        m.put("activeUnits", activeUnits);
        m.put("seconds", seconds);
        return m;
    }
}
