package org.hvae4j.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Checks of the benchmark's set-up (traffic formulas, parsing, inputs, every op callable); it measures nothing. */
class KernelBenchSetupTest {
    @Test
    void trafficCountsEachTensorOnce() {
        MatrixSize s = new MatrixSize(100, 50);
        // Gaussian forward with a prior: reads q_mu, q_lv, p_mu, p_lv; writes z and three per-row values.
        assertEquals(4L * (4 * 5000 + 5000 + 3 * 100), KernelOp.GAUSSIAN_FWD.traffic().bytes(s));
        assertEquals("read 4N, write N + 3R", KernelOp.GAUSSIAN_FWD.traffic().formula());
        assertEquals(4L * (5000 + 50), KernelOp.BIAS_ADD.traffic().readBytes(s));
        assertEquals(4L * 5000, KernelOp.BIAS_ADD.traffic().writtenBytes(s));
        // IWAE on k = cols samples of batch = rows: bound per example, two weights per sample.
        assertEquals(4L * (5000 + 2 * 5000 + 100), KernelOp.IWAE.traffic().bytes(s));
        // No int overflow at the largest size.
        assertEquals(4L * 9 * 64_000_000 + 4L * 3 * 1_000_000,
                KernelOp.GAUSSIAN_BWD.traffic().bytes(new MatrixSize(1_000_000, 64)));
    }

    @Test
    void parsesSizesAndOps() {
        assertEquals(List.of(new MatrixSize(100, 50), new MatrixSize(1_000_000, 64)),
                MatrixSize.parseList("100x50, 1_000_000x64"));
        assertThrows(IllegalArgumentException.class, () -> MatrixSize.parse("100x"));
        assertThrows(IllegalArgumentException.class, () -> MatrixSize.parse("0x5"));
        assertEquals(List.of(KernelOp.values()), KernelOp.parseList("all"));
        assertEquals(List.of(KernelOp.IWAE, KernelOp.TANH_FWD), KernelOp.parseList("iwae,tanh-fwd,iwae"));
        assertThrows(IllegalArgumentException.class, () -> KernelOp.parseList("gemm"));
        KernelBench.Options o = KernelBench.Options.parse(new String[] {"--device", "cpu", "--ops=iwae",
                "--seconds-per-case", "0.5", "--runs", "3"});
        assertEquals("cpu", o.device());
        assertEquals(3, o.runs());
        assertThrows(IllegalArgumentException.class,
                () -> KernelBench.Options.parse(new String[] {"--seconds-per-case", "0"}));
        assertThrows(IllegalArgumentException.class, () -> KernelBench.Options.parse(new String[] {"--bogus", "1"}));
    }

    @Test
    void largeInputsAreFilledInRangeBeyondTheHostChunk() {
        int n = (1 << 20) + 1000;
        try (BenchTensors t = new BenchTensors(Backend.cpu(), 7)) {
            float[] a = t.uniform(-2f, 3f, n).toArray();
            for (int i = 0; i < n; i++) {
                assertTrue(a[i] >= -2f && a[i] <= 3f, "value " + a[i] + " at " + i);
            }
            assertEquals(a[5], a[(1 << 20) + 5]);
            assertNotEquals(a[0], a[1]);
        }
    }

    @Test
    void everyOpRunsOnItsInputs() {
        Backend be = Backend.cpu();
        for (KernelOp op : KernelOp.values()) {
            try (BenchTensors t = new BenchTensors(be, 3)) {
                Runnable call = op.prepare(t, 6, 4);
                call.run();
                call.run();
                be.synchronize();
            }
        }
    }

    @Test
    void timerReportsSeveralBatches() {
        try (BenchTensors t = new BenchTensors(Backend.cpu(), 5)) {
            Tensor x = t.uniform(0f, 1f, 1000);
            Tensor y = t.empty(1000);
            CallTimer.Timing timing = CallTimer.measure(Backend.cpu(), () -> Backend.cpu().copy(x, y), 0.05);
            assertTrue(timing.batches() >= CallTimer.MIN_BATCHES);
            assertTrue(timing.minSeconds() <= timing.medianSeconds() && timing.medianSeconds() <= timing.maxSeconds());
        }
        assertEquals(2.5, CallTimer.median(new double[] {4, 1, 2, 3}));
    }
}
