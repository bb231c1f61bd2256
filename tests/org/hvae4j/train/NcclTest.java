package org.hvae4j.train;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.BackendUnavailableException;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Nccl;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.tensor.TestSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * NCCL's collectives on the GPU: a one-rank communicator (what every machine with one GPU can run), the reducer that
 * packs the gradients into one all-reduce over it, and what is refused before NCCL is touched.
 */
class NcclTest {
    /** A one-rank communicator on CUDA device 0, or skips (no GPU, or no libnccl.so.2 beside it). */
    static Nccl singleOrSkip() {
        Backend cuda = TestSupport.cudaOrSkip();
        try {
            return Nccl.single(cuda);
        } catch (BackendUnavailableException e) {
            assumeTrue(false, e.getMessage());
            throw e;
        }
    }

    @Test
    void whatIsNotAGroupIsRefusedBeforeNcclIsLoaded() {
        byte[] id = new byte[Nccl.UNIQUE_ID_BYTES];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nccl.join(Backend.cpu(), id, 0, 1));
        assertTrue(e.getMessage().contains("CUDA backend"), e.getMessage());
    }

    @Test
    void loadingNcclGivesItsVersionOrSaysWhatIsMissing() {
        try {
            assertTrue(Nccl.version().matches("\\d+\\.\\d+\\.\\d+"), Nccl.version());
        } catch (BackendUnavailableException e) {
            String m = e.getMessage();
            assertTrue(m.startsWith("NCCL (the GPUs' collectives) could not be loaded"), m);
            assertTrue(m.contains("no CUDA driver (libcuda.so.1)") || m.contains("libnccl.so.2 on LD_LIBRARY_PATH"), m);
        }
    }

    @Test
    @Tag("gpu")
    void aOneRankAllReduceAndBroadcastLeaveTheValues() {
        try (Nccl nccl = singleOrSkip(); MemoryScope s = MemoryScope.open()) {
            Backend cuda = TestSupport.cudaOrSkip();
            assertEquals(0, nccl.rank());
            assertEquals(1, nccl.size());
            assertTrue(Nccl.version().matches("\\d+\\.\\d+\\.\\d+"), Nccl.version());
            for (int n : new int[] {1, 1000, 3_000_001}) {
                float[] v = TestSupport.randn(new SplittableRandom(n), n, 1.0);
                Tensor t = cuda.fromArray(v, n);
                nccl.allreduceSum(t);
                nccl.synchronize();
                assertArrayEquals(v, t.toArray(), "the sum over one rank is the rank's own value (" + n + ")");
                nccl.broadcast(t, 0);
                nccl.synchronize();
                assertArrayEquals(v, t.toArray());
            }
            Tensor t = cuda.fromArray(new float[] {1f, 2f}, 2);
            assertThrows(IllegalArgumentException.class, () -> nccl.broadcast(t, 1), "root 1 of a group of 1");
            Tensor host = Backend.cpu().fromArray(new float[] {1f}, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> nccl.allreduceSum(host));
            assertTrue(e.getMessage().contains("CUDA device"), e.getMessage());
        }
    }

    @Test
    @Tag("gpu")
    void theRankReducerOverOneGpuGivesBackTheGradientsAndTheirNorm() {
        try (Nccl nccl = singleOrSkip(); MemoryScope s = MemoryScope.open()) {
            Backend cuda = TestSupport.cudaOrSkip();
            RankGroup one = new NcclGroup(nccl, (op, work) -> work.run(), "one process");
            SplittableRandom rng = new SplittableRandom(5);
            float[] a = TestSupport.randn(rng, 300, 1.0), b = TestSupport.randn(rng, 7, 2.0);
            float[] st = {3f, -1f, 0.5f};
            List<Tensor> g = List.of(cuda.fromArray(a, 30, 10), cuda.fromArray(b, 7));
            Tensor stats = cuda.fromArray(st, 3);
            Tensor normSq = cuda.empty(1);
            try (RankReducer r = new RankReducer(GradientReducer.none(), one)) {
                for (int step = 0; step < 3; step++) {   // the packing buffer is made once and reused
                    r.reduce(List.of(g), List.of(stats), normSq);
                    assertArrayEquals(a, g.get(0).toArray());
                    assertArrayEquals(b, g.get(1).toArray());
                    assertArrayEquals(st, stats.toArray());
                    double expect = 0;
                    for (float v : a) {
                        expect += (double) v * v;
                    }
                    for (float v : b) {
                        expect += (double) v * v;
                    }
                    assertEquals(expect, normSq.toArray()[0], 1e-4 * expect);
                }
            }
        }
    }

    @Test
    @Tag("gpu")
    void aClosedCommunicatorRefusesWork() {
        Nccl nccl = singleOrSkip();
        nccl.close();
        nccl.close();   // idempotent
        Tensor t = TestSupport.cudaOrSkip().fromArray(new float[] {1f}, 1);
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> nccl.allreduceSum(t));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        } finally {
            t.close();
        }
    }
}
