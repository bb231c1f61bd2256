package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole model's backward pass against a central finite difference of its loss along random directions in
 * parameter space, for every inference scheme, latent type and objective whose estimator is the gradient of its
 * value (the noise is fixed by the step's streams, so the loss is a deterministic smooth function).
 */
class ModelGradientTest {
    static final Backend CPU = Backend.cpu();

    static ModelSpec.Builder base(Inference inf, LatentSpec top, LatentSpec bottom) {
        return ModelSpec.builder().latent(top).hidden(6).latent(bottom).hidden(7, 7)
                .observed(9, Likelihood.parse("bernoulli")).activation(Activation.TANH).inference(inf);
    }

    /** A small convolutional hierarchy: 8 x 8 images, two groups at 4 x 4 and one at 2 x 2. */
    static ConvHierarchy conv(Inference inf) {
        return ConvHierarchy.image(1, 8, 8, Likelihood.parse("bernoulli")).scale(2, 2, 2, 4).scale(4, 1, 2, 4)
                .cells(1).expand(2).inference(inf);
    }

    static Stream<Arguments> cases() {
        LatentSpec g3 = LatentSpec.gaussian(3), g4 = LatentSpec.gaussian(4);
        LatentSpec c3 = LatentSpec.bernoulli(3, Estimator.concrete(0.7f)), c4 = LatentSpec.bernoulli(4,
                Estimator.concrete(0.7f));
        return Stream.of(
                Arguments.of("bottom-up gaussian elbo", base(Inference.BOTTOM_UP, g3, g4).build(), Objective.elbo()),
                Arguments.of("bottom-up gaussian iwae:3", base(Inference.BOTTOM_UP, g3, g4).build(), Objective.iwae(3)),
                Arguments.of("ladder elbo", base(Inference.LADDER, g3, g4).build(), Objective.elbo()),
                Arguments.of("ladder iwae:2", base(Inference.LADDER, g3, g4).build(), Objective.iwae(2)),
                Arguments.of("residual gaussian elbo", base(Inference.RESIDUAL, g3, g4).build(), Objective.elbo()),
                Arguments.of("residual concrete elbo", base(Inference.RESIDUAL, c3, c4).build(), Objective.elbo()),
                Arguments.of("bottom-up concrete iwae:2", base(Inference.BOTTOM_UP, c3, c4).build(), Objective.iwae(2)),
                Arguments.of("conditional residual blocks gaussian likelihood",
                        ModelSpec.builder().conditioning(3, true).latent(g3).hidden(5, 5).latent(g4).hidden(6, 6)
                                .observed(9, Likelihood.parse("gaussian")).residualBlocks(true)
                                .activation(Activation.parse("silu")).inference(Inference.BOTTOM_UP).build(),
                        Objective.elbo()),
                Arguments.of("residual blocks only", ModelSpec.builder().latent(g3).hidden(5, 5).latent(g4).hidden(6, 6)
                        .observed(9, Likelihood.parse("bernoulli")).residualBlocks(true).build(), Objective.elbo()),
                Arguments.of("gaussian shared variance", ModelSpec.builder().latent(g3).hidden(5).latent(g4).hidden(6)
                        .observed(9, Likelihood.parse("gaussian-shared")).build(), Objective.iwae(2)),
                Arguments.of("gaussian learned only", ModelSpec.builder().latent(g3).hidden(5).latent(g4).hidden(6)
                        .observed(9, Likelihood.parse("gaussian")).build(), Objective.elbo()),
                Arguments.of("conditional bottom-up only", ModelSpec.builder().conditioning(3, true).latent(g3)
                        .hidden(5).latent(g4).hidden(6).observed(9, Likelihood.parse("bernoulli")).build(),
                        Objective.elbo()),
                Arguments.of("silu only", ModelSpec.builder().latent(g3).hidden(5).latent(g4).hidden(6)
                        .observed(9, Likelihood.parse("bernoulli")).activation(Activation.SILU).build(),
                        Objective.elbo()),
                Arguments.of("elu only (relu's kink defeats directional differences)", ModelSpec.builder().latent(g3)
                        .hidden(5).latent(g4).hidden(6).observed(9, Likelihood.parse("bernoulli"))
                        .activation(Activation.elu(1f)).build(),
                        Objective.elbo()),
                Arguments.of("silu one layer", ModelSpec.builder().latent(g3).hidden(5)
                        .observed(9, Likelihood.parse("bernoulli")).activation(Activation.SILU).build(),
                        Objective.elbo()),
                Arguments.of("silu one layer no hidden", ModelSpec.builder().latent(g3)
                        .observed(9, Likelihood.parse("bernoulli")).activation(Activation.SILU).build(),
                        Objective.elbo()),
                Arguments.of("sigmoid only", ModelSpec.builder().latent(g3).hidden(5).latent(g4).hidden(6)
                        .observed(9, Likelihood.parse("bernoulli")).activation(Activation.SIGMOID).build(),
                        Objective.elbo()),
                Arguments.of("conv residual (NVAE-style)", conv(Inference.RESIDUAL).build(), Objective.elbo()),
                Arguments.of("conv residual iwae:2", conv(Inference.RESIDUAL).build(), Objective.iwae(2)),
                Arguments.of("conv residual batch norm (running statistics)", conv(Inference.RESIDUAL).batchNorm(true)
                        .build(), Objective.iwae(2)),
                Arguments.of("conv ladder", conv(Inference.LADDER).build(), Objective.elbo()),
                Arguments.of("conv bottom-up", conv(Inference.BOTTOM_UP).build(), Objective.elbo()),
                Arguments.of("conv conditional residual", conv(Inference.RESIDUAL).conditioning(3, true).build(),
                        Objective.elbo()),
                Arguments.of("conv concrete residual", conv(Inference.RESIDUAL).bernoulli(Estimator.concrete(0.7f))
                        .build(), Objective.iwae(2)),
                Arguments.of("conv residual top-down state", conv(Inference.RESIDUAL).topDownState(true).build(),
                        Objective.elbo()),
                Arguments.of("conv residual top-down state iwae:2", conv(Inference.RESIDUAL).topDownState(true)
                        .build(), Objective.iwae(2)),
                Arguments.of("conv bottom-up top-down state", conv(Inference.BOTTOM_UP).topDownState(true).build(),
                        Objective.elbo()),
                Arguments.of("conv conditional residual top-down state", conv(Inference.RESIDUAL).topDownState(true)
                        .conditioning(3, true).build(), Objective.elbo()),
                Arguments.of("three-layer residual top-down state", ModelSpec.builder().latent(g3).hidden(5)
                        .latent(g4).hidden(6).latent(LatentSpec.gaussian(5)).hidden(7)
                        .observed(9, Likelihood.parse("bernoulli")).activation(Activation.SILU)
                        .inference(Inference.RESIDUAL).topDownState(true).build(), Objective.iwae(2)),
                Arguments.of("conditional ladder top-down state", ModelSpec.builder().conditioning(3, true).latent(g3)
                        .hidden(5).latent(g4).hidden(6).observed(9, Likelihood.parse("bernoulli"))
                        .inference(Inference.LADDER).topDownState(true).build(), Objective.elbo()),
                Arguments.of("bottom-up top-down state, no hidden layers", ModelSpec.builder().latent(g3).latent(g4)
                        .observed(9, Likelihood.parse("bernoulli")).topDownState(true).build(), Objective.elbo()),
                Arguments.of("conditional top-down residual", ModelSpec.builder().conditioning(3, true).latent(g3)
                        .hidden(5).latent(g4).hidden(6).observed(9, Likelihood.parse("gaussian:0.7"))
                        .inference(Inference.RESIDUAL).build(), Objective.iwae(2)));
    }

    static float[] data(SplittableRandom r, int n, int d) {
        float[] x = new float[n * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        return x;
    }

    static double loss(Hvae m, Tensor x, Tensor c, Objective obj) {
        return Passes.loss(m, x, c, obj, NoiseStreams.of(5, 3));
    }

    static Stream<Arguments> trainingPasses() {
        return Stream.of(
                Arguments.of("conv residual batch norm elbo", conv(Inference.RESIDUAL).batchNorm(true).build(),
                        Objective.elbo()),
                Arguments.of("conv bottom-up batch norm iwae:2", conv(Inference.BOTTOM_UP).batchNorm(true).build(),
                        Objective.iwae(2)),
                Arguments.of("conv residual top-down state batch norm", conv(Inference.RESIDUAL).batchNorm(true)
                        .topDownState(true).build(), Objective.elbo()));
    }

    /**
     * Models with batch normalization in training passes, where it normalizes by the batch's statistics (every
     * row's loss depends on the whole batch, and the gradient flows through the statistics).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("trainingPasses")
    void trainingPassesMatchFiniteDifferencesAlongRandomDirections(String name, ModelSpec spec, Objective obj) {
        org.hvae4j.nn.BatchNorm.training(() -> backwardMatchesFiniteDifferencesAlongRandomDirections(name, spec, obj));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardMatchesFiniteDifferencesAlongRandomDirections(String name, ModelSpec spec, Objective obj) {
        SplittableRandom r = new SplittableRandom(name.hashCode());
        int batch = 4;
        try (Hvae m = new Hvae(spec, CPU, 11); MemoryScope scope = MemoryScope.open()) {
            Tensor x = CPU.fromArray(data(r, batch, spec.inputDim()), batch, spec.inputDim());
            Tensor c = null;
            if (spec.conditional()) {
                float[] oh = new float[batch * 3];
                for (int i = 0; i < batch; i++) {
                    oh[i * 3 + i % 3] = 1;
                }
                c = CPU.fromArray(oh, batch, 3);
            }
            m.zeroGrad();
            Passes.backward(m, x, c, obj, NoiseStreams.of(5, 3));
            List<Param> params = m.parameters();
            for (int trial = 0; trial < 3; trial++) {
                float[][] dir = new float[params.size()][];
                double gv = 0, norm = 0;
                for (int i = 0; i < params.size(); i++) {
                    float[] g = params.get(i).grad().toArray();
                    dir[i] = new float[g.length];
                    for (int j = 0; j < g.length; j++) {
                        dir[i][j] = (float) r.nextGaussian();
                        norm += dir[i][j] * dir[i][j];
                    }
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < params.size(); i++) {
                    float[] g = params.get(i).grad().toArray();
                    for (int j = 0; j < g.length; j++) {
                        dir[i][j] /= norm;
                        gv += g[j] * dir[i][j];
                    }
                }
                double h = 2e-3;
                double lp = shifted(m, dir, h, x, c, obj), lm = shifted(m, dir, -h, x, c, obj);
                shifted(m, dir, 0, x, c, obj);
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, gv, 2e-2 * Math.abs(fd) + 2e-3, name + ": directional derivative");
            }
        }
    }

    /** Moves every parameter by t·dir (from its original value) and returns the loss. */
    private static double shifted(Hvae m, float[][] dir, double t, Tensor x, Tensor c, Objective obj) {
        List<Param> params = m.parameters();
        float[][] orig = ORIG.computeIfAbsent(m, k -> {
            float[][] o = new float[params.size()][];
            for (int i = 0; i < o.length; i++) {
                o[i] = params.get(i).value().toArray();
            }
            return o;
        });
        for (int i = 0; i < params.size(); i++) {
            float[] v = orig[i].clone();
            for (int j = 0; j < v.length; j++) {
                v[j] += (float) (t * dir[i][j]);
            }
            CPU.copyFrom(v, params.get(i).value());
        }
        double l = loss(m, x, c, obj);
        if (t == 0) {
            ORIG.remove(m);
        }
        return l;
    }

    private static final java.util.Map<Hvae, float[][]> ORIG = new java.util.IdentityHashMap<>();
}
