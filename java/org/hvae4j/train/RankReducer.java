package org.hvae4j.train;

import java.util.List;
import java.util.function.IntConsumer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Data parallelism across the ranks of a job, around this process's own reducer (one worker, or two threads): the
 * local mean gradient and statistics are packed into one buffer, summed over the ranks by one all-reduce of the group
 * ({@code MPI_Allreduce} on host tensors, NCCL's on GPU ones), divided by the number of ranks and unpacked; the global
 * sum of squares is then taken of the result. Every rank ends with the same bits (the reduced buffer is the same
 * everywhere), so the optimizer's decisions (skip, clip) agree.
 */
final class RankReducer implements GradientReducer {
    private final GradientReducer local;
    private final RankGroup group;
    private Tensor flat;

    RankReducer(GradientReducer local, RankGroup group) {
        this.local = local;
        this.group = group;
    }

    @Override
    public int workers() {
        return local.workers();
    }

    @Override
    public void forEachWorker(IntConsumer work) {
        local.forEachWorker(work);
    }

    @Override
    public void reduce(List<List<Tensor>> gradients, List<Tensor> statistics, Tensor normSq) {
        // With one worker its gradients already are the process's mean, and the local reducer would only take the sum
        // of squares, which is taken below of the ranks' mean.
        if (local.workers() > 1) {
            local.reduce(gradients, statistics, normSq);
        }
        Backend be = normSq.backend();
        List<Tensor> g = gradients.get(0);
        Tensor stats = statistics.get(0);
        long total = stats.numel();
        for (Tensor t : g) {
            total += t.numel();
        }
        if (flat == null) {
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("gradients of " + total + " values do not fit one buffer");
            }
            try (MemoryScope own = MemoryScope.open()) {  // the reducer's, not the step's
                flat = be.empty((int) total);
                own.detachAll();
            }
        }
        long at = 0;
        for (Tensor t : g) {
            be.copy(t.reshape((int) t.numel()), flat.view(at, (int) t.numel()));
            at += t.numel();
        }
        be.copy(stats.reshape((int) stats.numel()), flat.view(at, (int) stats.numel()));
        group.allreduceSum(flat);
        float inv = 1f / group.size();
        at = 0;
        for (Tensor t : g) {
            be.axpby(inv, flat.view(at, (int) t.numel()), 0f, t.reshape((int) t.numel()));
            at += t.numel();
        }
        be.axpby(inv, flat.view(at, (int) stats.numel()), 0f, stats.reshape((int) stats.numel()));
        be.sumSquares(g, normSq);
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int ranks() {
        return group.size();
    }

    @Override
    public void close() {
        if (flat != null) {
            flat.close();
        }
    }
}
