package org.hvae4j.model;

import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/** Test helpers: one forward pass and the backward passes of an objective's weights (β = 1), gradients accumulated. */
final class Passes {
    private Passes() {}

    static void backward(Hvae m, Tensor x, Tensor c, TrainingObjective obj, NoiseStreams streams) {
        try (MemoryScope s = MemoryScope.open(); ObjectiveContext ctx = new ObjectiveContext(m.backend(), m.depth())) {
            Pass ps = m.forward(x, c, obj.samples(), streams);
            ps.backward(obj.weights(ps, ctx));
        }
    }

    /** The objective's loss on one pass, in double on the host. */
    static double loss(Hvae m, Tensor x, Tensor c, Objective obj, NoiseStreams streams) {
        try (MemoryScope s = MemoryScope.open()) {
            return obj.evaluate(m.forward(x, c, obj.k(), streams), 1).loss();
        }
    }
}
