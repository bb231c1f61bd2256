package org.hvae4j.packaging;

import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.Hvae;
import org.hvae4j.model.LatentSpec;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.model.TrainConfig;
import org.hvae4j.model.Trainer;
import org.hvae4j.tensor.Backend;

/** A CPU-only library user, run by {@link OptionalDependenciesTest} with none of the optional dependencies. */
public final class CpuOnlyUse {
    private CpuOnlyUse() {}

    public static void main(String[] args) throws Exception {
        ModelSpec spec = ModelSpec.builder().latent(LatentSpec.gaussian(4)).hidden(16)
                .observed(784, Likelihood.parse("bernoulli-binarized")).build();
        Backend be = Backend.auto();
        System.out.println("fallback: " + Backend.autoFallbackReason());
        Dataset d = Datasets.embeddedMnist().head(200);
        try (Hvae m = new Hvae(spec, be, 0); Trainer t = new Trainer(m, TrainConfig.defaults(1))) {
            t.fit(d, java.nio.file.Path.of(args[0]));
            System.out.println("elbo " + new Evaluator(m, 1).elbo(d.head(100), 100).objective());
        }
        try {
            org.hvae4j.report.Plots.scatter(java.nio.file.Path.of(args[0] + ".png"), "t", java.util.List.of("a"),
                    new double[][] {{0, 1}});
        } catch (IllegalStateException e) {
            System.out.println("plots: " + e.getMessage());
        }
    }
}
