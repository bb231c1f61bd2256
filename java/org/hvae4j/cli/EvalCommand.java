package org.hvae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hvae4j.data.Dataset;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.StepResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hvae4j eval}: importance-sampled log-likelihood, the ELBO's terms per layer, active units. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a checkpoint: importance-sampled log-likelihood (IWAE bound with k samples), ELBO "
                + "with reconstruction and KL per layer, active units.")
final class EvalCommand extends ModelCommand {
    @Mixin
    DataOptions data;

    @Option(names = "--k", paramLabel = "K", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "importance samples per example (default ${DEFAULT-VALUE}; 5000 in Burda et al.)")
    int k;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "examples evaluated at once (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--json", description = "print one JSON line instead of text")
    boolean json;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Dataset d = data.load();
        long t0 = System.nanoTime();
        double ll = Evaluator.mean(ev.logLikelihood(d, k, Math.min(k, 100), batch));
        StepResult elbo = ev.elbo(d, batch);
        int[] active = ev.activeUnits(d, 0.01, 10);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", d.name());
            m.put("examples", d.rows());
            m.put("k", k);
            m.put("logLikelihood", ll);
            m.put("elbo", elbo.objective());
            m.put("reconstruction", elbo.reconstruction());
            m.put("kl", elbo.kl());
            m.put("activeUnits", active);
            m.put("seconds", seconds);
            println("%s", new ObjectMapper().writeValueAsString(m));
            return;
        }
        println("data             %s (%d examples)", d.name(), d.rows());
        println("log-likelihood   %.2f nats (IWAE bound, k=%d)", ll, k);
        println("ELBO             %.2f nats", elbo.objective());
        println("reconstruction   %.2f nats", elbo.reconstruction());
        for (int l = 0; l < elbo.kl().length; l++) {
            println("KL z%d            %.2f nats", l + 1, elbo.kl()[l]);
        }
        for (int l = 0; l < active.length; l++) {
            println("active units z%d  %d of %d", l + 1, active[l], model.latent(l).size());
        }
        println("time             %.1f s", seconds);
        out().flush();
        if (!Arrays.stream(active).anyMatch(a -> a > 0)) {
            println("note: no active unit: the posterior ignores the data (posterior collapse)");
        }
    }
}
