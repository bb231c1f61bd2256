package org.hvae4j.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hvae4j.data.Dataset;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The importance-sampled log-likelihood spread over threads gives what one thread gives, bit for bit. */
class EvaluatorWorkersTest {
    static final Backend CPU = Backend.cpu();

    static Dataset binary(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < 0.3 ? 1f : 0f;
        }
        return Dataset.of("binary", x, rows, cols);
    }

    static void assertWorkersAgree(Hvae m, Dataset data, int k, int chunk, int batch) {
        double[] one = new Evaluator(m, 3).logLikelihood(data, k, chunk, batch);
        for (int w : new int[] {2, 3}) {
            double[] many = new Evaluator(m, 3).withWorkers(w).logLikelihood(data, k, chunk, batch);
            assertArrayEquals(one, many, 0.0, w + " workers");
        }
        // Another seed draws other noise: the comparison above is not of constants.
        double[] other = new Evaluator(m, 4).withWorkers(2).logLikelihood(data, k, chunk, batch);
        assertFalse(java.util.Arrays.equals(one, other));
        for (double v : one) {
            assertTrue(Double.isFinite(v) && v < 0, "log p(x) " + v);
        }
    }

    @Test
    void mlpHierarchyWithARaggedLastBatchAndUnevenChunks() {
        Dataset data = ModelCorrectnessTest.smallMnist().head(230);
        try (Hvae m = new Hvae(ModelCorrectnessTest.small(Inference.RESIDUAL), CPU, 2)) {
            assertWorkersAgree(m, data, 7, 3, 100);
            assertWorkersAgree(m, data.head(40), 5, 5, 7);
        }
    }

    @Test
    void convolutionalHierarchy() {
        try (Hvae m = new Hvae(ModelGradientTest.conv(Inference.RESIDUAL).build(), CPU, 2)) {
            assertWorkersAgree(m, binary(45, 64, 9), 6, 4, 10);
        }
    }

    @Test
    void theModelStillEvaluatesAfterwardsAndBadCountsAreNamed() {
        Dataset data = ModelCorrectnessTest.smallMnist().head(30);
        try (Hvae m = new Hvae(ModelCorrectnessTest.small(Inference.BOTTOM_UP), CPU, 2)) {
            Evaluator ev = new Evaluator(m, 1).withWorkers(2);
            double[] a = ev.logLikelihood(data, 4, 4, 10);
            double[] b = ev.logLikelihood(data, 4, 4, 10);  // the replicas of the first call are closed
            assertArrayEquals(a, b, 0.0);
            assertEquals(2, ev.workers());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ev.withWorkers(0));
            assertTrue(e.getMessage().contains("workers must be >= 1, got 0"), e.getMessage());
        }
    }

    /**
     * A replica's passes are sized by its model's measure, not by one of its own: measured while other threads run
     * passes on the same backend, its own would count their memory too, and workers would split k differently.
     */
    @Test
    void replicasSizeTheirPassesAsTheirModelDoesWhileOtherThreadsRunPasses() throws Exception {
        try (Hvae m = new Hvae(ModelGradientTest.conv(Inference.RESIDUAL).build(), CPU, 2);
                Hvae busy = m.replica()) {
            long measured = m.passBytesPerRow();
            AtomicBoolean stop = new AtomicBoolean();
            Thread t = new Thread(() -> {
                try (MemoryScope s = MemoryScope.open()) {
                    Tensor x = CPU.zeros(20, m.spec().inputDim());
                    while (!stop.get()) {
                        busy.forward(x, null, 4, NoiseStreams.of(1, 1)).close();
                    }
                }
            });
            t.start();
            try {
                for (int i = 0; i < 20; i++) {
                    try (Hvae r = m.replica()) {
                        assertEquals(measured, r.passBytesPerRow());
                        assertEquals(m.rowsWithin(1L << 24), r.rowsWithin(1L << 24));
                    }
                }
            } finally {
                stop.set(true);
                t.join();
            }
        }
    }
}
