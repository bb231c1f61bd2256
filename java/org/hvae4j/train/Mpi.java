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
public final class Mpi implements RankGroup {
    private static Mpi world;
    /** Seconds a collective may wait for the other ranks before this rank ends the job (HVAE4J_MPI_TIMEOUT). */
    public static final String TIMEOUT_VARIABLE = "HVAE4J_MPI_TIMEOUT";
    static final double DEFAULT_TIMEOUT_SECONDS = 600;
    private final int rank;
    private final int size;
    private final double timeoutSeconds;
    private volatile long waitingSince;   // System.nanoTime() when the current collective began, 0 when none
    private long allreduceNanos;
    private long allreduceCalls;
    private volatile String waitingIn;

    private Mpi(int rank, int size, double timeoutSeconds) {
        this.rank = rank;
        this.size = size;
        this.timeoutSeconds = timeoutSeconds;
    }

    static double timeoutFrom(Map<String, String> env) {
        String v = env.get(TIMEOUT_VARIABLE);
        if (v == null || v.isBlank()) {
            return DEFAULT_TIMEOUT_SECONDS;
        }
        try {
            double t = Double.parseDouble(v.trim());
            if (t > 0 && Double.isFinite(t)) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MpiException(TIMEOUT_VARIABLE + " must be a positive number of seconds, got '" + v + "'");
    }

    /**
     * The watchdog: a collective that has waited longer than the timeout means a rank is dead or hung (a dead one
     * normally makes the launcher end the job first). This rank then says so and exits, which makes the launcher end
     * every rank; the last checkpoint is untouched (it is written by a rename).
     */
    private void watch() {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(Math.max(50, Math.min(1000, (long) (timeoutSeconds * 250))));
                } catch (InterruptedException e) {
                    return;
                }
                long since = waitingSince;
                if (since != 0 && (System.nanoTime() - since) / 1e9 > timeoutSeconds) {
                    System.err.printf(java.util.Locale.ROOT, "hvae4j: error: rank %d of %d: %s has waited %.0f s "
                            + "for the other ranks (%s): a rank is hung or dead; ending the job%n", rank, size,
                            waitingIn, timeoutSeconds, TIMEOUT_VARIABLE + " sets the limit");
                    System.err.flush();
                    Runtime.getRuntime().halt(4);
                }
            }
        }, "hvae4j-mpi-watchdog");
        t.setDaemon(true);
        t.start();
    }

    /** Runs one collective under the watchdog's eye; a failure status becomes an {@link MpiException}. */
    private void collective(String op, java.util.function.IntSupplier call) {
        watched(op, () -> check(call.getAsInt(), op));
    }

    /**
     * Runs {@code work}, which waits for the other ranks outside MPI (an NCCL collective on a GPU), under the watchdog's
     * eye like a collective of MPI's own.
     */
    void watched(String op, Runnable work) {
        waitingIn = op;
        waitingSince = System.nanoTime();
        try {
            work.run();
        } finally {
            waitingSince = 0;
        }
    }

    /**
     * This process's rank among the job's processes on its machine, from the launcher's environment (Open MPI's
     * OMPI_COMM_WORLD_LOCAL_RANK, MPICH's MPI_LOCALRANKID, Slurm's SLURM_LOCALID), without initializing MPI; 0
     * outside a launched job. One process per GPU: the rank's GPU.
     */
    public static int localRank() {
        return localRank(System.getenv());
    }

    static int localRank(Map<String, String> env) {
        if (!launched(env)) {
            return 0;
        }
        for (String name : new String[] {"OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID"}) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                try {
                    return Math.max(0, Integer.parseInt(v.trim()));
                } catch (NumberFormatException e) {
                    throw new MpiException(name + " must be a process's local rank, got '" + v + "'");
                }
            }
        }
        return 0;
    }

    /**
     * Whether this build carries the MPI bridge (CMake found MPI when it was built), asked without loading it: the
     * bridge class's initialization would.
     */
    public static boolean bridgeBuilt() {
        return Mpi.class.getResource("/org/hvae4j/bridge/" + org.bytedeco.javacpp.Loader.getPlatform()
                + "/libjniMpiNative.so") != null;
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
            if (!bridgeBuilt()) {
                throw new MpiException("this build of hvae4j has no MPI support: build it where CMake finds MPI "
                        + "(Debian: apt-get install openmpi-bin libopenmpi-dev)");
            }
            try {
                MpiNative.ensureLoaded();
            } catch (UnsatisfiedLinkError e) {
                throw new MpiException("the MPI library could not be loaded (" + e.getMessage() + "); is Open MPI "
                        + "installed on this machine?");
            }
            double timeout = timeoutFrom(System.getenv());
            int[] r = new int[1], s = new int[1];
            check(MpiNative.hvae4j_mpi_init(r, s), "MPI_Init");
            world = new Mpi(r[0], s[0], timeout);
            world.watch();
            Runtime.getRuntime().addShutdownHook(new Thread(MpiNative::hvae4j_mpi_finalize, "hvae4j-mpi-finalize"));
        }
        return world;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    /** t := the sum over ranks of t (a host tensor, in place). */
    @Override
    public void allreduceSum(Tensor t) {
        host(t, "allreduce");
        long t0 = System.nanoTime();
        try {
            collective("MPI_Allreduce", () -> MpiNative.hvae4j_mpi_allreduce_sum(t.address(), t.numel()));
        } finally {
            allreduceNanos += System.nanoTime() - t0;
            allreduceCalls++;
        }
    }

    /** Seconds this rank has spent inside {@link #allreduceSum} (the transfer, and waiting for slower ranks). */
    public double allreduceSeconds() {
        return allreduceNanos / 1e9;
    }

    /** Calls of {@link #allreduceSum} so far. */
    public long allreduceCalls() {
        return allreduceCalls;
    }

    /** t := rank {@code root}'s t (a host tensor). */
    @Override
    public void broadcast(Tensor t, int root) {
        host(t, "broadcast");
        collective("MPI_Bcast", () -> MpiNative.hvae4j_mpi_broadcast(t.address(), t.numel(), root));
    }

    /** Rank {@code root}'s bytes, in place (host memory: e.g. the unique id an NCCL communicator starts from). */
    public void broadcast(byte[] data, int root) {
        collective("MPI_Bcast", () -> MpiNative.hvae4j_mpi_broadcast_bytes(data, data.length, root));
    }

    /** Every rank's value, in rank order. */
    public long[] allgather(long value) {
        long[] out = new long[size];
        collective("MPI_Allgather", () -> MpiNative.hvae4j_mpi_allgather_u64(value, out));
        return out;
    }

    public void barrier() {
        collective("MPI_Barrier", MpiNative::hvae4j_mpi_barrier);
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
