package org.hvae4j.model;

import org.hvae4j.latent.Noise;

/**
 * The noise of one pass: a Philox stream per latent layer and one for the likelihood's dynamic binarization, all
 * derived from (seed, step). The same streams give the same pass, on either backend. With an {@code offsetSource}
 * (the address of a 64-bit word in the backend's memory, see {@link Noise}) the step's share of every offset is
 * read there when the kernels run instead: a training step recorded once draws new noise at every replay.
 */
public record NoiseStreams(long seed, long step, long offsetSource) {
    public NoiseStreams {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
    }

    /** The streams of pass {@code step} of seed {@code seed}. */
    public static NoiseStreams of(long seed, long step) {
        return new NoiseStreams(seed, step, 0);
    }

    /** The stream of latent layer {@code layer} (bottom-up index). */
    public Noise latent(int layer) {
        return Noise.of(seed, step, layer).withOffsetSource(offsetSource);
    }

    /** The stream of the likelihood's binarization of x. */
    public Noise likelihood() {
        return Noise.of(seed, step, 0xFFFF).withOffsetSource(offsetSource);
    }
}
