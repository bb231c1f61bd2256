package org.hvae4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.StepResult;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.model.TrainingListener;
import org.hvae4j.tensor.Backend;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/CLI.md, "Using hvae4j as a library", compiled and run: the code between the markers is the
 * documented code, and {@link #theDocsShowThisCode} keeps the two identical.
 */
class LibraryExampleTest {
    private static final Path SOURCE = Path.of("tests/org/hvae4j/cli/LibraryExampleTest.java");
    private static final Path DOCS = Path.of("docs/CLI.md");

    @Test
    void trainsAndEvaluatesATinyModel() {
        // BEGIN EXAMPLE
        Dataset data = Datasets.embeddedMnist().head(200);
        ModelSpec spec = ModelSpec.builder()
                .latent(LatentSpec.gaussian(10)).hidden(64)
                .observed(data.cols(), Likelihood.parse("bernoulli-binarized"))
                .build();
        TrainConfig cfg = TrainConfig.defaults(2).withBatchSize(50).withSeed(42);
        double logLikelihood;
        int[] activeUnits;
        try (Hvae model = new Hvae(spec, Backend.byName("cpu"), cfg.seed());
             Trainer trainer = new Trainer(model, cfg)) {
            trainer.addListener(new TrainingListener() {
                @Override
                public void onEpoch(int epoch, StepResult mean, long step) {
                    System.out.printf("epoch %d: ELBO %.2f, KL %s%n", epoch, mean.objective(),
                            Arrays.toString(mean.kl()));
                }
            });
            trainer.fit(data, null);
            Evaluator ev = new Evaluator(model, 1);
            logLikelihood = Evaluator.mean(ev.logLikelihood(data, 10, 10, 100));
            activeUnits = ev.activeUnits(data, 0.01, 5);
        }
        System.out.printf("log p(x) >= %.2f nats, active units %s%n", logLikelihood, Arrays.toString(activeUnits));
        // END EXAMPLE
        assertTrue(logLikelihood < 0 && logLikelihood > -800, "log-likelihood " + logLikelihood);
        assertEquals(1, activeUnits.length);
    }

    @Test
    void theDocsShowThisCode() throws IOException {
        String src = Files.readString(SOURCE);
        String code = src.substring(src.indexOf("// BEGIN EXAMPLE\n") + 17, src.indexOf("        // END EXAMPLE"))
                .stripTrailing().stripIndent().strip();
        String docs = Files.readString(DOCS);
        String section = docs.substring(docs.indexOf("## Using hvae4j as a library"));
        int start = section.indexOf("```java\n") + 8;
        String documented = section.substring(start, section.indexOf("```", start)).strip();
        assertTrue(documented.contains(code), "docs/CLI.md's library example differs from the test's code:\n" + code);
    }
}
