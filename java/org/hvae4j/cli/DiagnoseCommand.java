package org.hvae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.InferenceGaps;
import org.hvae4j.model.LocalPosterior;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hvae4j diagnose}: the inference gaps of a trained model (Cremer, Li and Duvenaud 2018): log p(x), the
 * amortized ELBO, the ELBO of the locally optimized posterior, and the approximation and amortization gaps, per
 * example (CSV) and averaged with standard errors.
 */
@Command(name = "diagnose", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure the inference gaps of a checkpoint: log p(x) (IWAE, k samples), the ELBO of the "
                + "encoder's posterior q, the ELBO of q* (the same family with each example's variational parameters "
                + "optimized locally, the model fixed), the approximation gap log p(x) - ELBO(q*) and the amortization "
                + "gap ELBO(q*) - ELBO(q); one CSV row per example.")
final class DiagnoseCommand extends ModelCommand {
    @Mixin
    DataOptions data;

    @Option(names = "--k", paramLabel = "K", defaultValue = "5000", converter = Converters.PositiveInt.class,
            description = "importance samples for log p(x) (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--elbo-samples", paramLabel = "N", defaultValue = "1000", converter = Converters.PositiveInt.class,
            description = "samples of each ELBO estimate (default ${DEFAULT-VALUE})")
    int elboSamples;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "3000", converter = Converters.NonNegativeInt.class,
            description = "the most local optimization steps (default ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "16", converter = Converters.AtLeastTwo.class,
            description = "samples per example in each optimization step, >= 2 for the leave-one-out baseline "
                    + "(default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.01", converter = Converters.PositiveDouble.class,
            description = "Adam's learning rate for the local parameters (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--tolerance", paramLabel = "NATS", defaultValue = "0.01",
            converter = Converters.NonNegativeDouble.class,
            description = "an example has converged when its ELBO improved by less than this at --patience "
                    + "consecutive checks (default ${DEFAULT-VALUE})")
    double tolerance;

    @Option(names = "--patience", paramLabel = "N", defaultValue = "3", converter = Converters.PositiveInt.class,
            description = "consecutive checks without improvement (default ${DEFAULT-VALUE})")
    int patience;

    @Option(names = "--check-every", paramLabel = "N", defaultValue = "50", converter = Converters.PositiveInt.class,
            description = "optimization steps between checks (default ${DEFAULT-VALUE})")
    int checkEvery;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "examples optimized at once, each with its own parameters (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--out", paramLabel = "FILE", defaultValue = "diagnose.csv",
            description = "per-example CSV (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--json", description = "print the summary as one JSON line instead of text")
    boolean json;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Dataset d = data.load();
        InferenceGaps.Options o = new InferenceGaps.Options(k, elboSamples, samples, 100, lr, steps, checkEvery,
                tolerance, patience, batch, seed);
        InferenceGaps.Result r = InferenceGaps.measure(model, d, o, done -> {
            if (!json) {
                err().printf("diagnosed %d of %d examples%n", done, d.rows());
                err().flush();
            }
        });
        int depth = model.depth();
        List<String> cols = new ArrayList<>(List.of("log_p_x", "elbo_q", "elbo_q_se", "elbo_qstar", "elbo_qstar_se",
                "total_gap", "approximation_gap", "amortization_gap", "reconstruction_q", "reconstruction_qstar"));
        for (int l = 1; l <= depth; l++) {
            cols.add("kl_z" + l + "_q");
            cols.add("kl_z" + l + "_qstar");
        }
        cols.addAll(List.of("steps", "converged", "from_prior"));
        CsvOutput.write(out, d, cols, i -> {
            InferenceGaps.Example e = r.examples().get(i);
            double[] v = new double[cols.size()];
            int j = 0;
            v[j++] = e.logLikelihood();
            v[j++] = e.amortized().elbo();
            v[j++] = e.amortized().standardError();
            v[j++] = e.local().elbo();
            v[j++] = e.local().standardError();
            v[j++] = e.totalGap();
            v[j++] = e.approximationGap();
            v[j++] = e.amortizationGap();
            v[j++] = e.amortized().reconstruction();
            v[j++] = e.local().reconstruction();
            for (int l = 0; l < depth; l++) {
                v[j++] = e.amortized().kl()[l];
                v[j++] = e.local().kl()[l];
            }
            v[j++] = e.steps();
            v[j++] = e.converged() ? 1 : 0;
            v[j] = e.fromPrior() ? 1 : 0;
            return v;
        });
        InferenceGaps.Summary s = r.summary();
        if (json) {
            println("%s", new ObjectMapper().writeValueAsString(toMap(d, s)));
            return;
        }
        println("data                %s (%d examples)", d.name(), s.examples());
        println("local parameters    %s", LocalPosterior.describe(model.spec().inference()));
        println("log p(x)            %s nats (IWAE, k=%d, proposal q*)", s.logLikelihood(), k);
        println("ELBO(q) amortized   %s nats", s.amortizedElbo());
        println("ELBO(q*) local      %s nats", s.localElbo());
        println("total gap           %s nats", s.totalGap());
        println("approximation gap   %s nats  (log p(x) - ELBO(q*))", s.approximationGap());
        println("amortization gap    %s nats  (ELBO(q*) - ELBO(q))", s.amortizationGap());
        for (int l = 0; l < depth; l++) {
            println("KL term z%d          %.3f with q, %.3f with q*", l + 1, s.amortizedKl()[l], s.localKl()[l]);
        }
        println("optimization        %.0f steps on average to the best iterate, %d of %d converged, %d kept q",
                s.meanSteps(), s.converged(), s.examples(), s.keptAmortized());
        println("time                %.1f s (%.3f s per example)", s.seconds(), s.seconds() / s.examples());
        println("wrote per-example gaps to %s", out);
        if (s.converged() < s.examples()) {
            warn("%d of %d examples did not converge within %d steps: raise --steps, or loosen --tolerance",
                    s.examples() - s.converged(), s.examples(), steps);
        }
    }

    private static Map<String, Object> toMap(Dataset d, InferenceGaps.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", d.name());
        m.put("examples", s.examples());
        m.put("log_p_x", est(s.logLikelihood()));
        m.put("elbo_q", est(s.amortizedElbo()));
        m.put("elbo_qstar", est(s.localElbo()));
        m.put("total_gap", est(s.totalGap()));
        m.put("approximation_gap", est(s.approximationGap()));
        m.put("amortization_gap", est(s.amortizationGap()));
        m.put("kl_q", s.amortizedKl());
        m.put("kl_qstar", s.localKl());
        m.put("mean_steps", s.meanSteps());
        m.put("converged", s.converged());
        m.put("kept_q", s.keptAmortized());
        m.put("seconds", s.seconds());
        return m;
    }

    private static Map<String, Double> est(InferenceGaps.Estimate e) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("mean", e.mean());
        m.put("se", Double.isNaN(e.standardError()) ? null : e.standardError());   // one example: no error
        return m;
    }
}
