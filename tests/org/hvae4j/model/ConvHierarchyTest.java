package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.ConvCellSpec;
import org.hvae4j.tensor.Backend;
import org.junit.jupiter.api.Test;

/** Convolutional hierarchies: what the builder makes, their map form, and the descriptions refused at build. */
class ConvHierarchyTest {
    static final Likelihood BIN = Likelihood.parse("bernoulli-binarized");

    @Test
    void theBuilderMakesSpatialGroupsAtEachResolutionWithTheirBlocks() {
        ModelSpec spec = ConvHierarchy.image(1, 28, 28, BIN).scale(2, 2, 4, 16).scale(4, 1, 3, 8).cells(2).build();
        assertEquals(List.of(LatentSpec.gaussian(3 * 49), LatentSpec.gaussian(4 * 196), LatentSpec.gaussian(4 * 196)),
                spec.latents());
        assertEquals(new ConvCellSpec(14, 14, 8, 2, ConvCellSpec.Resample.DOWN, ConvCellSpec.Style.ENCODER, 6),
                spec.cellBelow(0));
        assertEquals(new ConvCellSpec(14, 14, 16, 2, ConvCellSpec.Resample.NONE, ConvCellSpec.Style.ENCODER, 6),
                spec.cellBelow(1));
        assertEquals(new ConvCellSpec(28, 28, 16, 2, ConvCellSpec.Resample.DOWN, ConvCellSpec.Style.ENCODER, 6),
                spec.cellBelow(2));
        assertEquals(Inference.RESIDUAL, spec.inference());
        assertEquals(784, spec.inputDim());
    }

    @Test
    void theMapFormReadsBackToTheSameModel() {
        ModelSpec spec = ConvHierarchy.image(1, 28, 28, BIN).scale(2, 2, 4, 16).scale(4, 1, 3, 8).build();
        Map<String, Object> m = spec.toMap();
        ModelSpec back = ModelSpec.fromMap(m);
        assertEquals(m, back.toMap());
        assertEquals(Hvae.plan(spec).total(), Hvae.plan(back).total());
        try (Hvae a = new Hvae(spec, Backend.cpu(), 5); Hvae b = new Hvae(back, Backend.cpu(), 5)) {
            for (int i = 0; i < a.parameters().size(); i++) {
                assertEquals(a.parameters().get(i).name(), b.parameters().get(i).name());
                assertArrayEquals(a.parameters().get(i).value().toArray(), b.parameters().get(i).value().toArray());
            }
        }
    }

    @Test
    void badDescriptionsFailAtBuildNamingTheProblem() {
        assertMessage(() -> ConvHierarchy.image(1, 28, 28, BIN).scale(3, 1, 4, 8), "scale divisors must be 2, 4, 8");
        assertMessage(() -> ConvHierarchy.image(1, 28, 28, BIN).scale(2, 1, 4, 8).scale(4, 1, 4, 8).scale(8, 1, 4, 8),
                "a resolution of 1/8 does not divide the 28x28 image");
        assertMessage(() -> ConvHierarchy.image(1, 28, 28, BIN).scale(2, 1, 4, 0), "must be > 0, got 1, 4, 0");
        assertMessage(() -> ConvHierarchy.image(1, 28, 28, BIN).build(), "needs at least one scale");
        assertMessage(() -> ConvHierarchy.image(0, 28, 28, BIN), "channels, height and width > 0");
        ConvCellSpec down = ConvCellSpec.encoder(28, 28, 8, 1, true);
        assertMessage(() -> ModelSpec.builder().latent(LatentSpec.gaussian(100)).cell(down).observed(784, BIN).build(),
                "latent 1 (gaussian(100)) is not whole channels of 14x14");
        assertMessage(() -> ModelSpec.builder().latent(LatentSpec.gaussian(196)).cell(down).observed(700, BIN).build(),
                "the observed x (700 values) is not an image of 28x28");
        ConvCellSpec at7 = ConvCellSpec.encoder(7, 7, 8, 1, false);
        assertMessage(() -> ModelSpec.builder().latent(LatentSpec.gaussian(49)).cell(at7)
                .latent(LatentSpec.gaussian(196)).cell(down).observed(784, BIN).build(),
                "reads 7x7 images, but the block below latent 2 gives 14x14");
        assertMessage(() -> ModelSpec.fromMap(Map.of("input", 784, "latents", List.of(Map.of("size", 196, "cell",
                Map.of("type", "conv", "height", 28, "width", 28, "channels", 8, "cells", 1, "resample", "sideways"))))),
                "conv cell field 'resample' must be one of [none, down, up], got 'sideways'");
        assertMessage(() -> ModelSpec.fromMap(Map.of("input", 784, "latents", List.of(Map.of("size", 196, "cell",
                Map.of("type", "capsule"))))), "unknown cell type 'capsule'");
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), "message '" + ex.getMessage() + "' should contain '" + part + "'");
    }
}
