package org.hvae4j.latent;

/**
 * Names a stream of counter-based noise (Philox4x32-10): the same (seed, offset) gives the same ε and u on the CPU
 * and the GPU, element by element, so a backward pass regenerates the noise of its forward pass. Give each
 * stochastic operation of a step its own offset.
 *
 * <p>{@code offsetSource}, when not 0, is the address of a 64-bit word in the backend's memory that the kernels add
 * to {@code offset} when they run: a training step captured once as a CUDA graph keeps the step's share of the
 * offset there and draws new noise at every replay.
 */
public record Noise(long seed, long offset, long offsetSource) {
    public Noise(long seed, long offset) {
        this(seed, offset, 0);
    }

    /** This stream with its offset read, in addition, from the 64-bit word at {@code address} (0: none). */
    public Noise withOffsetSource(long address) {
        return new Noise(seed, offset, address);
    }

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
