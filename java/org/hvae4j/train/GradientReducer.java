package org.hvae4j.train;

import java.util.List;
import java.util.function.IntConsumer;
import org.hvae4j.tensor.Tensor;

/**
 * Where a data-parallel training step meets: each worker runs the forward and backward pass of its shard of the
 * batch into its own gradients, and the reducer turns them into the mean gradient that the optimizer applies (and the
 * mean of the workers' step statistics), with the global sum of squared gradients for clipping. {@link #none()} is one
 * worker; {@link #threads(int)} splits each batch over threads of this process (the CPU's cores); processes and GPUs
 * (MPI, NCCL) implement the same interface. Everything stays on the device: no reducer reads a value on the host.
 */
public interface GradientReducer extends AutoCloseable {
    /** The workers a step's batch is split over (this process's share; 1 for {@link #none()}). */
    int workers();

    /** Runs {@code work(w)} for every worker w (0 on the calling thread), returning when all have finished. */
    void forEachWorker(IntConsumer work);

    /**
     * After every worker's backward pass: {@code gradients.get(w).get(i)} is worker w's gradient of parameter i, and
     * {@code statistics.get(w)} its statistics vector. Leaves the mean gradient in worker 0's tensors, the mean
     * statistics in worker 0's vector, and Σ g² of the mean gradient over every parameter in {@code normSq}.
     */
    void reduce(List<List<Tensor>> gradients, List<Tensor> statistics, Tensor normSq);

    /** This process's rank among the processes that train together (0 without a process group). */
    default int rank() {
        return 0;
    }

    /** The processes that train together, each on its shard of every batch (1 without a process group). */
    default int ranks() {
        return 1;
    }

    @Override
    void close();

    /**
     * This process's reducer {@code local} inside a group of ranks (an MPI job's processes, or their GPUs): the local
     * result is then averaged over the ranks. Closing it leaves {@code local} and the group open (their owners close
     * them).
     */
    static GradientReducer acrossRanks(GradientReducer local, RankGroup group) {
        return group.size() == 1 ? local : new RankReducer(local, group);
    }

    /** One worker: the gradients are the step's; only their sum of squares is taken. */
    static GradientReducer none() {
        return new SingleWorker();
    }

    /** {@code n} workers on threads of this process (1 or 2). */
    static GradientReducer threads(int n) {
        return n == 1 ? none() : new ThreadReducer(n);
    }
}
