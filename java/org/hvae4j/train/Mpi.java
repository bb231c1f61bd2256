package org.hvae4j.train;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.hvae4j.bridge.MpiNative;
import org.hvae4j.tensor.Tensor;

/**
 * This process's place in an MPI job (Open MPI's {@code mpirun}, or another launcher that sets the PMI/PMIx
 * environment): its rank, the number of ranks, and the collectives data-parallel training needs, on host (CPU backend)
 * tensors. {@link #launched()} tells from the environment, without loading anything, whether the process was started
 * by a launcher; {@link #world()} initializes MPI once (the library is loaded only then) and finalizes it when the JVM
 * exits. A plain {@code java -jar} run never touches MPI.
 */
public final class Mpi {
    private static Mpi world;
    private final int rank;
    private final int size;

    private Mpi(int rank, int size) {
        this.rank = rank;
        this.size = size;
    }

    /** Whether an MPI launcher started this process (its rank and size are in the environment). */
    public static boolean launched() {
        return launched(System.getenv());
    }

    static boolean launched(Map<String, String> env) {
        return env.containsKey("OMPI_COMM_WORLD_SIZE") || env.containsKey("PMIX_RANK") || env.containsKey("PMI_SIZE");
    }

    /** The world communicator: MPI initialized on first use. Throws {@link MpiException} where that cannot be. */
    public static synchronized Mpi world() {
        if (world == null) {
            if (!MpiNative.available()) {
                throw new MpiException("this build of hvae4j has no MPI support: build it where CMake finds MPI "
                        + "(Debian: apt-get install openmpi-bin libopenmpi-dev)");
            }
            try {
                MpiNative.ensureLoaded();
            } catch (UnsatisfiedLinkError e) {
                throw new MpiException("the MPI library could not be loaded (" + e.getMessage() + "); is Open MPI "
                        + "installed on this machine?");
            }
            int[] r = new int[1], s = new int[1];
            check(MpiNative.hvae4j_mpi_init(r, s), "MPI_Init");
            world = new Mpi(r[0], s[0]);
            Runtime.getRuntime().addShutdownHook(new Thread(MpiNative::hvae4j_mpi_finalize, "hvae4j-mpi-finalize"));
        }
        return world;
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** t := the sum over ranks of t (a host tensor, in place). */
    public void allreduceSum(Tensor t) {
        host(t, "allreduce");
        check(MpiNative.hvae4j_mpi_allreduce_sum(t.address(), t.numel()), "MPI_Allreduce");
    }

    /** t := rank {@code root}'s t (a host tensor). */
    public void broadcast(Tensor t, int root) {
        host(t, "broadcast");
        check(MpiNative.hvae4j_mpi_broadcast(t.address(), t.numel(), root), "MPI_Bcast");
    }

    /** Every rank's value, in rank order. */
    public long[] allgather(long value) {
        long[] out = new long[size];
        check(MpiNative.hvae4j_mpi_allgather_u64(value, out), "MPI_Allgather");
        return out;
    }

    public void barrier() {
        check(MpiNative.hvae4j_mpi_barrier(), "MPI_Barrier");
    }

    /** Ends every process of the job with exit code {@code code}. */
    public void abort(int code) {
        MpiNative.hvae4j_mpi_abort(code);
    }

    private static void host(Tensor t, String op) {
        if (t.device().isCuda()) {
            throw new MpiException("MPI " + op + " of a GPU tensor: GPU gradients are reduced by NCCL, not MPI");
        }
    }

    static void check(int status, String what) {
        if (status != 0) {
            byte[] b = new byte[512];
            MpiNative.hvae4j_mpi_error_string(status, b, b.length);
            int n = 0;
            while (n < b.length && b[n] != 0) {
                n++;
            }
            throw new MpiException(what + " failed: " + new String(b, 0, n, StandardCharsets.UTF_8));
        }
    }

    /** An MPI call failed, or MPI is not usable here. */
    public static final class MpiException extends RuntimeException {
        public MpiException(String message) {
            super(message);
        }
    }

    @Override
    public String toString() {
        return "MPI rank " + rank + " of " + size;
    }
}
