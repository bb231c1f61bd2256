package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The generative path's deterministic top-down state ({@link ModelSpec#topDownState()}): what reads it, the API that
 * decodes from every layer's codes, ancestral sampling through it, and its description. Its gradients are checked
 * against finite differences in {@link ModelGradientTest}.
 */
class TopDownStateTest {
    static final Backend CPU = Backend.cpu();

    static ModelSpec mlp(boolean state) {
        return ModelSpec.builder().latent(LatentSpec.gaussian(3)).hidden(5).latent(LatentSpec.gaussian(4)).hidden(6)
                .latent(LatentSpec.gaussian(5)).hidden(7).observed(9, Likelihood.parse("bernoulli"))
                .activation(Activation.SILU).inference(Inference.RESIDUAL).topDownState(state).build();
    }

    static ModelSpec conv(boolean state) {
        return ModelGradientTest.conv(Inference.RESIDUAL).topDownState(state).build();
    }

    static Tensor data(int n, int d, long seed) {
        return CPU.fromArray(ModelGradientTest.data(new SplittableRandom(seed), n, d), n, d);
    }

    static float[] values(List<Tensor> ts) {
        return org.hvae4j.tensor.TestSupport.concat(ts);
    }


    @Test
    void decodingAPassCodesGivesThePassLikelihood() {
        for (ModelSpec spec : List.of(mlp(true), conv(true), mlp(false))) {
            try (Hvae m = new Hvae(spec, CPU, 3); MemoryScope s = MemoryScope.open()) {
                Tensor x = data(4, spec.inputDim(), 1);
                Pass ps = m.forward(x, null, 1, NoiseStreams.of(2, 5));
                List<Tensor> codes = new ArrayList<>();
                for (int l = 0; l < m.depth(); l++) {
                    codes.add(ps.z(l));
                }
                assertArrayEquals(values(ps.likelihoodParameters()), values(m.decoderOutputs(codes, null)), 1e-5f,
                        spec.toString());
            }
        }
    }

    @Test
    void theStateCarriesTheUpperCodesToTheDecoder() {
        for (boolean state : new boolean[] {true, false}) {
            ModelSpec spec = mlp(state);
            try (Hvae m = new Hvae(spec, CPU, 3); MemoryScope s = MemoryScope.open()) {
                Tensor z1 = data(2, 5, 4), z2 = data(2, 4, 5);   // bottom-up: z1 has 5 units, z3 3
                float[] a = m.decode(List.of(z1, z2, data(2, 3, 6)), null).toArray();
                float[] b = m.decode(List.of(z1, z2, data(2, 3, 7)), null).toArray();
                if (state) {
                    assertFalse(java.util.Arrays.equals(a, b), "with the state, x's mean depends on z3");
                } else {
                    assertArrayEquals(a, b, "without it, on z1 alone");
                    assertArrayEquals(a, m.decode(z1, null).toArray());
                }
            }
        }
    }

    @Test
    void ancestralSamplingRunsThroughTheState() {
        // At temperature 0 each Gaussian layer takes its prior's mean: the same as decoding those means by hand.
        for (ModelSpec spec : List.of(mlp(true), conv(true))) {
            try (Hvae m = new Hvae(spec, CPU, 3); MemoryScope s = MemoryScope.open()) {
                int top = m.depth() - 1;
                Tensor zTop = data(3, spec.latents().get(0).size(), 8);
                Tensor[] codes = new Tensor[m.depth()];
                codes[top] = zTop;
                Net.Out above = null;
                for (int l = top - 1; l >= 0; l--) {
                    above = m.prior[l].forward(m.generativeInputs(codes[l + 1], null, above));
                    codes[l] = above.heads().get(0);
                }
                float[] byHand = m.decode(List.of(codes), null).toArray();
                assertArrayEquals(byHand, m.generate(zTop, null, 0, 11).toArray(), 1e-5f, spec.toString());
                assertEquals(3 * spec.inputDim(), m.sample(3, null, 1.0, 12).numel());
            }
        }
    }

    @Test
    void decodingFromZ1AloneIsRefusedNamingTheState() {
        try (Hvae m = new Hvae(mlp(true), CPU, 3); MemoryScope s = MemoryScope.open()) {
            var e = assertThrows(IllegalArgumentException.class, () -> m.decode(data(2, 5, 1), null));
            assertTrue(e.getMessage().contains("top-down state") && e.getMessage().contains("every layer's codes"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.decoderOutputs(data(2, 5, 1), null));
            assertTrue(e.getMessage().contains("decoderOutputs"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> m.decode(List.of(data(2, 5, 1)), null));
            assertTrue(e.getMessage().contains("the codes of all 3 layers"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.decode(List.of(data(2, 5, 1), data(2, 4, 1), data(3, 3, 1)), null));
            assertTrue(e.getMessage().contains("layer 3 have 3 rows"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> m.decode(List.of(data(2, 5, 1), data(2, 5, 1), data(2, 3, 1)), null));
            assertTrue(e.getMessage().contains("codes of layer 2 must be [rows, 4]"), e.getMessage());
        }
    }

    @Test
    void theDescriptionKeepsTheStateAndRefusesWhatCannotHaveOne() {
        ModelSpec spec = conv(true);
        Map<String, Object> map = spec.toMap();
        assertEquals(true, map.get("topDownState"));
        ModelSpec back = ModelSpec.fromMap(map);
        assertTrue(back.topDownState());
        assertEquals(map, back.toMap());
        assertTrue(spec.toString().contains("top-down-state"), spec.toString());
        assertFalse(conv(false).toMap().containsKey("topDownState"), "files of Markov models are as before");
        assertEquals(Hvae.plan(spec).total(), Hvae.plan(back).total());
        assertTrue(Hvae.plan(spec).total() > Hvae.plan(conv(false)).total(), "the state adds the 1x1 combiners");

        Map<String, Object> bad = new java.util.LinkedHashMap<>(map);
        bad.put("topDownState", "yes");
        var e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromMap(bad));
        assertTrue(e.getMessage().contains("'topDownState' must be true or false"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.builder().latent(LatentSpec.gaussian(3))
                .observed(9, Likelihood.parse("bernoulli")).topDownState(true).build());
        assertTrue(e.getMessage().contains("one latent layer"), e.getMessage());
    }
}
