package org.hvae4j.train;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Nccl;
import org.hvae4j.tensor.Tensor;

/**
 * The GPUs of an MPI job's ranks as one NCCL communicator (Horovod's and PyTorch DDP's arrangement: MPI launches and
 * bootstraps, NCCL moves the gradients). Rank 0 makes NCCL's unique id and broadcasts it over MPI; every rank joins
 * with its own GPU. A collective is enqueued on the backend's stream and then waited for under the MPI watchdog
 * ({@link Mpi#TIMEOUT_VARIABLE}), so that a dead or hung peer ends the job within the timeout instead of leaving this
 * rank waiting forever on its GPU.
 */
final class NcclGroup implements RankGroup {
    /** Waits for work that needs the other ranks (the MPI watchdog, in a job). */
    interface Watch {
        void run(String op, Runnable work);
    }

    private final Nccl nccl;
    private final Watch watch;
    private final String job;

    NcclGroup(Nccl nccl, Watch watch, String job) {
        this.nccl = nccl;
        this.watch = watch;
        this.job = job;
    }

    static NcclGroup open(Mpi mpi, Backend cuda) {
        // Every rank loads NCCL first and all learn who could not: otherwise a rank without the library would leave
        // the others waiting in the id's broadcast until the watchdog ends the job with a less useful message.
        RuntimeException loadFailure = null;
        try {
            Nccl.version();
        } catch (RuntimeException e) {
            loadFailure = e;
        }
        long[] loaded = mpi.allgather(loadFailure == null ? 1 : 0);
        StringBuilder missing = new StringBuilder();
        for (int r = 0; r < loaded.length; r++) {
            if (loaded[r] == 0) {
                missing.append(missing.length() == 0 ? "" : ", ").append(r);
            }
        }
        if (loadFailure != null) {
            throw loadFailure;
        }
        if (missing.length() > 0) {
            throw new Mpi.MpiException("NCCL could not be loaded on rank(s) " + missing + " of " + mpi.size()
                    + " (each of them says why)");
        }
        byte[] id = mpi.rank() == 0 ? Nccl.uniqueId() : new byte[Nccl.UNIQUE_ID_BYTES];
        mpi.broadcast(id, 0);
        Nccl[] joined = new Nccl[1];
        mpi.watched("ncclCommInitRank", () -> joined[0] = Nccl.join(cuda, id, mpi.rank(), mpi.size()));
        return new NcclGroup(joined[0], mpi::watched, mpi.toString());
    }

    @Override
    public int rank() {
        return nccl.rank();
    }

    @Override
    public int size() {
        return nccl.size();
    }

    @Override
    public void allreduceSum(Tensor t) {
        nccl.allreduceSum(t);
        watch.run("ncclAllReduce", nccl::synchronize);
    }

    @Override
    public void broadcast(Tensor t, int root) {
        nccl.broadcast(t, root);
        watch.run("ncclBroadcast", nccl::synchronize);
    }

    @Override
    public void close() {
        nccl.close();
    }

    @Override
    public String toString() {
        return nccl + " (" + job + ")";
    }
}
