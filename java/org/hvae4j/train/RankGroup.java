package org.hvae4j.train;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * The ranks of a data-parallel job and the two collectives training needs of them, on the tensors of one backend:
 * {@link Mpi} itself for host (CPU backend) tensors, NCCL over the ranks' GPUs for CUDA ones ({@link #of}).
 */
public interface RankGroup extends AutoCloseable {
    int rank();

    int size();

    /** t := the sum over the ranks of t, in place; returns when t holds it. */
    void allreduceSum(Tensor t);

    /** t := rank {@code root}'s t; returns when t holds it. */
    void broadcast(Tensor t, int root);

    /** Releases what the group holds beyond the MPI job (an NCCL communicator); the job itself stays. */
    @Override
    default void close() {}

    /**
     * The group of {@code mpi}'s ranks for tensors of {@code backend}: MPI's collectives on the CPU; on a GPU an NCCL
     * communicator over every rank's GPU, made from a unique id that rank 0 broadcasts over MPI (a collective: every
     * rank calls this at the same point).
     */
    static RankGroup of(Mpi mpi, Backend backend) {
        return backend.device().isCuda() ? NcclGroup.open(mpi, backend) : mpi;
    }
}
