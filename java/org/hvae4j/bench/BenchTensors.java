package org.hvae4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * The tensors of one benchmark case on one backend, closed together. Inputs are filled with pseudo-random values
 * in a given range (the values steer branches and saturations in the kernels, so constants would flatter them),
 * taken from a pool of 2<sup>20</sup> uniforms drawn once, starting at a random point of the pool; tensors larger
 * than the pool repeat their first 2<sup>20</sup> values.
 */
final class BenchTensors implements AutoCloseable {
    private static final int CHUNK = 1 << 20;

    private final Backend backend;
    private final List<Tensor> owned = new ArrayList<>();
    private final float[] pool = new float[CHUNK];
    private final float[] chunk = new float[CHUNK];
    private final SplittableRandom random;

    BenchTensors(Backend backend, long seed) {
        this.backend = backend;
        this.random = new SplittableRandom(seed);
        for (int i = 0; i < CHUNK; i++) {
            pool[i] = (float) random.nextDouble();
        }
    }

    Backend backend() {
        return backend;
    }

    /** A tensor with unspecified contents (an output), closed with this set. */
    Tensor empty(int... dims) {
        Tensor t = backend.empty(dims);
        owned.add(t);
        return t;
    }

    /**
     * A tensor of values spread over [lo, hi), closed with this set: the first 2<sup>20</sup> values come from the
     * host, the rest are copies of them made on the device (doubling), so large inputs fill at copy speed.
     */
    /** Per-row weights of the KL, log q and log p terms, uniform in [0, 1). */
    org.hvae4j.latent.RowWeights rowWeights(int rows) {
        return new org.hvae4j.latent.RowWeights(uniform(0f, 1f, rows), uniform(0f, 1f, rows), uniform(0f, 1f, rows));
    }

    Tensor uniform(float lo, float hi, int... dims) {
        Tensor t = empty(dims);
        long n = t.numel();
        int first = (int) Math.min(CHUNK, n);
        int start = random.nextInt(CHUNK);
        float width = hi - lo;
        for (int i = 0; i < first; i++) {
            chunk[i] = lo + width * pool[(start + i) & (CHUNK - 1)];
        }
        backend.kernels().copyFromHost(chunk, 0, t.address(), first);
        for (long done = first; done < n; ) {
            long len = Math.min(done, n - done);
            backend.kernels().copy(t.address(), t.address() + done * Float.BYTES, len * Float.BYTES);
            done += len;
        }
        return t;
    }

    @Override
    public void close() {
        for (Tensor t : owned) {
            t.close();
        }
        owned.clear();
    }
}
