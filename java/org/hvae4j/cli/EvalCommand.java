package org.hvae4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
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

    @Mixin
    EvalWorkersOption evalWorkers;

    @Option(names = "--k", paramLabel = "K", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "importance samples per example (default ${DEFAULT-VALUE}; 5000 in Burda et al.)")
    int k;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", converter = Converters.PositiveInt.class,
            description = "examples evaluated at once (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--json", description = "print one JSON line instead of text")
    boolean json;

    @Option(names = "--progress", description = "report the log-likelihood's progress (examples done, running "
            + "mean, time left) on standard error every 10 s")
    boolean progress;

    @Override
    void run(Hvae model, Evaluator ev) throws Exception {
        Evaluation e = Evaluation.of(evalWorkers.apply(ev, model.backend()), data.load(), k, batch,
                progress ? err() : null);
        if (json) {
            println("%s", new ObjectMapper().writeValueAsString(e.toMap()));
            return;
        }
        println("data             %s (%d examples)", e.data(), e.examples());
        println("log-likelihood   %.2f nats (IWAE bound, k=%d)", e.logLikelihood(), k);
        println("ELBO             %.2f nats", e.elbo().objective());
        println("reconstruction   %.2f nats", e.elbo().reconstruction());
        for (int l = 0; l < e.elbo().kl().length; l++) {
            println("KL z%d            %.2f nats", l + 1, e.elbo().kl()[l]);
        }
        int[] active = e.activeUnits();
        for (int l = 0; l < active.length; l++) {
            println("active units z%d  %d of %d", l + 1, active[l], model.latent(l).size());
        }
        println("time             %.1f s", e.seconds());
        if (!Arrays.stream(active).anyMatch(a -> a > 0)) {
            println("note: no active unit: the posterior ignores the data (posterior collapse)");
        }
    }
}
