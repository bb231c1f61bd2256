package org.hvae4j.bridge;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JNI surface of libhvae4j_mpi ({@code hvae4j/hvae4j_mpi.h}): the collectives of data-parallel training over MPI.
 * The bridge exists only in builds made where CMake found MPI; only an MPI run touches this class (whose
 * initialization loads the bridge: {@code org.hvae4j.train.Mpi.bridgeBuilt()} asks without touching it). Host pointers travel as 64-bit addresses.
 */
@Platform(include = "hvae4j/hvae4j_mpi.h", link = "hvae4j_mpi")
public final class MpiNative {
    static {
        Loader.load();
    }

    private MpiNative() {}

    /** Loads the libraries (idempotent); the static initializer does the work. */
    public static void ensureLoaded() {}

    public static native int hvae4j_mpi_init(@Cast("int32_t*") int[] rank, @Cast("int32_t*") int[] size);
    public static native int hvae4j_mpi_initialized();
    public static native int hvae4j_mpi_allreduce_sum(@Cast("float*") long data, long n);
    public static native int hvae4j_mpi_broadcast(@Cast("float*") long data, long n, int root);
    public static native int hvae4j_mpi_broadcast_bytes(@Cast("void*") byte[] data, int n, int root);
    public static native int hvae4j_mpi_allgather_u64(@Cast("uint64_t") long value, @Cast("uint64_t*") long[] out);
    public static native int hvae4j_mpi_barrier();
    public static native int hvae4j_mpi_abort(int code);
    public static native int hvae4j_mpi_finalize();
    public static native int hvae4j_mpi_error_string(int status, @Cast("char*") byte[] out, int capacity);
}
