package org.hvae4j.latent;

/**
 * Names a stream of counter-based noise (Philox4x32-10): the same (seed, offset) gives the same ε and u on the CPU
 * and the GPU, element by element, so a backward pass regenerates the noise of its forward pass. Give each
 * stochastic operation of a step its own offset.
 */
public record Noise(long seed, long offset) {
    /** The stream of call {@code call} (0..65535) in training step {@code step}. */
    public static Noise of(long seed, long step, int call) {
        if (call < 0 || call > 0xFFFF) {
            throw new IllegalArgumentException("call index must be in [0, 65535], got " + call);
        }
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        return new Noise(seed, (step << 16) | call);
    }
}
