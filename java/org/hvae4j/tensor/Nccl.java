package org.hvae4j.tensor;

import static org.bytedeco.cuda.global.nccl.*;

import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;

/**
 * An NCCL communicator: this process's GPU (a CUDA backend) as one rank of a group of GPUs, its collectives enqueued
 * on the backend's stream, so that they run in order with the step's kernels (a launch returns at once; {@link
 * #synchronize} waits). The group starts from a unique id that one rank makes ({@link #uniqueId}) and hands to the
 * others over another channel (MPI's broadcast in an MPI job), as NCCL's own bootstrap expects. NCCL comes from the
 * JavaCPP CUDA presets' bindings; its library (libnccl.so.2, e.g. from the nvidia-nccl-cu13 Python wheel) must be on
 * the library path. Only a CUDA user touches this class: a CPU-only run loads nothing of NCCL.
 */
public final class Nccl implements AutoCloseable {
    /** The size of NCCL's unique id (NCCL_UNIQUE_ID_BYTES). */
    public static final int UNIQUE_ID_BYTES = 128;

    private final CudaKernels kernels;
    private final ncclComm comm;
    private final int rank;
    private final int size;
    private boolean closed;

    private Nccl(CudaKernels kernels, ncclComm comm, int rank, int size) {
        this.kernels = kernels;
        this.comm = comm;
        this.rank = rank;
        this.size = size;
    }

    /** Loads NCCL, or throws {@link BackendUnavailableException} saying what is missing. */
    static void load() {
        try {
            Loader.load(org.bytedeco.cuda.global.nccl.class);
        } catch (LinkageError e) {
            String why = Backend.rootMessage(e);
            String hint = why.contains("libcuda.so")
                    ? "no CUDA driver (libcuda.so.1) on this machine: NCCL runs only where a GPU is"
                    : "install NCCL 2 for CUDA 13, e.g. the nvidia-nccl-cu13 Python wheel, and put its libnccl.so.2 "
                            + "on LD_LIBRARY_PATH";
            throw new BackendUnavailableException("NCCL (the GPUs' collectives) could not be loaded: " + why + " ("
                    + hint + ")", e);
        }
    }

    /** NCCL's version, e.g. "2.27.7". */
    public static String version() {
        load();
        int[] v = new int[1];
        check(ncclGetVersion(v), "ncclGetVersion");
        // NCCL_VERSION(X, Y, Z) is X * 10000 + Y * 100 + Z since 2.9 (X * 1000 + Y * 100 + Z before).
        int code = v[0];
        return code >= 10000 ? code / 10000 + "." + code / 100 % 100 + "." + code % 100
                : code / 1000 + "." + code / 100 % 10 + "." + code % 100;
    }

    /** A new unique id for a group (one rank makes it; every rank joins with it). */
    public static byte[] uniqueId() {
        load();
        ncclUniqueId id = new ncclUniqueId();
        try {
            check(ncclGetUniqueId(id), "ncclGetUniqueId");
            byte[] b = new byte[UNIQUE_ID_BYTES];
            id.internal().get(b);
            return b;
        } finally {
            id.close();
        }
    }

    /**
     * Joins the group of {@code size} GPUs that {@code id} names as rank {@code rank}, on {@code cuda}'s device and
     * stream. Blocks until every rank has joined (NCCL's ncclCommInitRank).
     */
    public static Nccl join(Backend cuda, byte[] id, int rank, int size) {
        if (cuda == null || !cuda.device().isCuda()) {
            throw new IllegalArgumentException("an NCCL communicator needs a CUDA backend, got "
                    + (cuda == null ? "none" : cuda.describe()));
        }
        if (id == null || id.length != UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("an NCCL unique id has " + UNIQUE_ID_BYTES + " bytes, got "
                    + (id == null ? "none" : id.length));
        }
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("rank " + rank + " of " + size + " is not a rank of a group");
        }
        load();
        CudaKernels kernels = (CudaKernels) cuda.kernels();
        kernels.ensureDevice();
        ncclUniqueId uid = new ncclUniqueId();
        ncclComm comm = new ncclComm();
        try {
            uid.internal().put(id);
            check(ncclCommInitRank(comm, size, uid, rank), "ncclCommInitRank (rank " + rank + " of " + size + ")");
        } finally {
            uid.close();
        }
        return new Nccl(kernels, comm, rank, size);
    }

    /** A group of one: this GPU alone (what a single-GPU run's collectives reduce to; a test of the bindings). */
    public static Nccl single(Backend cuda) {
        return join(cuda, uniqueId(), 0, 1);
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** t := the sum over the ranks of t (a tensor on this communicator's GPU, in place), enqueued on its stream. */
    public void allreduceSum(Tensor t) {
        device(t, "all-reduce");
        check(ncclAllReduce(CudaKernels.at(t.address()), CudaKernels.at(t.address()), t.numel(), ncclFloat32,
                ncclSum, comm, kernels.cudaStream()), "ncclAllReduce of " + t.numel() + " floats");
    }

    /** t := rank {@code root}'s t, enqueued on the stream. */
    public void broadcast(Tensor t, int root) {
        device(t, "broadcast");
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException("root " + root + " is not a rank of this group of " + size);
        }
        check(ncclBroadcast(CudaKernels.at(t.address()), CudaKernels.at(t.address()), t.numel(), ncclFloat32, root,
                comm, kernels.cudaStream()), "ncclBroadcast of " + t.numel() + " floats");
    }

    /** Waits until every enqueued collective (and the kernels before it) has finished; reports NCCL's own errors. */
    public void synchronize() {
        ensureOpen();
        kernels.synchronize();
        int[] async = new int[1];
        check(ncclCommGetAsyncError(comm, async), "ncclCommGetAsyncError");
        check(async[0], "an NCCL collective (asynchronous error)");
    }

    /**
     * Ends this communicator at once, without waiting for its pending collectives (what a rank does when a peer is
     * dead: a collective waiting for it would never return). The communicator is unusable afterwards.
     */
    public void abort() {
        if (!closed) {
            closed = true;
            ncclCommAbort(comm);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            kernels.ensureDevice();
            check(ncclCommDestroy(comm), "ncclCommDestroy");
        }
    }

    private void device(Tensor t, String op) {
        ensureOpen();
        if (!t.device().isCuda() || t.device().index() != kernels.deviceIndex()) {
            throw new IllegalArgumentException("NCCL " + op + " of a tensor on " + t.device() + ": this communicator's "
                    + "rank is CUDA device " + kernels.deviceIndex());
        }
        kernels.ensureDevice();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this NCCL communicator is closed");
        }
    }

    private static void check(int status, String what) {
        if (status != ncclSuccess) {
            BytePointer msg = ncclGetErrorString(status);
            throw new NcclException(what + " failed: NCCL error " + status
                    + (msg == null ? "" : " (" + msg.getString() + ")"), status);
        }
    }

    /** An NCCL call failed; {@link #result()} is its ncclResult_t. */
    public static final class NcclException extends RuntimeException {
        private final int result;

        NcclException(String message, int result) {
            super(message);
            this.result = result;
        }

        public int result() {
            return result;
        }
    }

    @Override
    public String toString() {
        return "NCCL rank " + rank + " of " + size + " on CUDA device " + kernels.deviceIndex();
    }
}
