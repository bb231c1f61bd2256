// The MPI part of hvae4j (libhvae4j_mpi): process-group collectives for data-parallel training over MPI. Built when
// CMake finds MPI; loaded only in a run started by an MPI launcher. Every function returns a status: 0, or
// HVAE4J_MPI_ERROR_BASE + the MPI error class (MPI_ERRORS_RETURN is set on the world communicator), or an
// HVAE4J_* code of status.h. hvae4j_mpi_error_string names a status.
#pragma once

#include <stdint.h>

#include "hvae4j/status.h"

#define HVAE4J_MPI_ERROR_BASE 2000

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Initializes MPI (MPI_THREAD_FUNNELED) once per process, first making libmpi's symbols global (Open MPI's plugins
 * need them, and a library loaded by the JVM is not), and writes this process's rank and the world size.
 * Idempotent: later calls only report rank and size.
 */
int hvae4j_mpi_init(int32_t* rank, int32_t* size);

/** Whether MPI has been initialized in this process (1) or not (0); never fails. */
int hvae4j_mpi_initialized(void);

/** data[0..n) := the sum over ranks of data[0..n) (host floats, in place). */
int hvae4j_mpi_allreduce_sum(float* data, int64_t n);

/** data[0..n) := rank root's data[0..n) (host floats). */
int hvae4j_mpi_broadcast(float* data, int64_t n, int32_t root);

/** data[0..n) := rank root's data[0..n) (host bytes: e.g. NCCL's unique id). */
int hvae4j_mpi_broadcast_bytes(void* data, int32_t n, int32_t root);

/** Every rank's 64-bit value, in rank order, into out[0..size). */
int hvae4j_mpi_allgather_u64(uint64_t value, uint64_t* out);

/** Waits for every rank. */
int hvae4j_mpi_barrier(void);

/** Ends every process of the job with exit code {@code code} (MPI_Abort); returns only if that fails. */
int hvae4j_mpi_abort(int32_t code);

/** Finalizes MPI (idempotent; after it no collective works). */
int hvae4j_mpi_finalize(void);

/** Writes a NUL-terminated description of {@code status} (up to capacity bytes, at least 1) into {@code out}. */
int hvae4j_mpi_error_string(int32_t status, char* out, int32_t capacity);

#ifdef __cplusplus
}
#endif
