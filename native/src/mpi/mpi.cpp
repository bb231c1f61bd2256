// libhvae4j_mpi: the collectives of data-parallel training, on MPI's world communicator.
#include "hvae4j/hvae4j_mpi.h"

#include <dlfcn.h>
#include <mpi.h>

#include <climits>
#include <cstdio>
#include <cstring>

namespace {

int from_mpi(int rc) {
    if (rc == MPI_SUCCESS) {
        return HVAE4J_OK;
    }
    int cls = rc;
    MPI_Error_class(rc, &cls);
    return HVAE4J_MPI_ERROR_BASE + cls;
}

bool ready() {
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    return init && !fin;
}

// Open MPI loads its components (plugins) with dlopen; they resolve libmpi's symbols globally, which a library the
// JVM loaded with RTLD_LOCAL does not offer. Re-opening libmpi with RTLD_GLOBAL (it is already mapped) does.
void promote_libmpi() {
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) != 0 && info.dli_fname != nullptr) {
        dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
    }
}

}  // namespace

extern "C" {

int hvae4j_mpi_init(int32_t* rank, int32_t* size) {
    if (rank == nullptr || size == nullptr) {
        return HVAE4J_EINVAL;
    }
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) {
        return HVAE4J_EINVAL;
    }
    int init = 0;
    MPI_Initialized(&init);
    if (!init) {
        promote_libmpi();
        int provided = 0;
        int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
        if (rc != MPI_SUCCESS) {
            return HVAE4J_MPI_ERROR_BASE + MPI_ERR_OTHER;
        }
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    }
    int r = 0, s = 0;
    int rc = MPI_Comm_rank(MPI_COMM_WORLD, &r);
    if (rc == MPI_SUCCESS) {
        rc = MPI_Comm_size(MPI_COMM_WORLD, &s);
    }
    *rank = r;
    *size = s;
    return from_mpi(rc);
}

int hvae4j_mpi_initialized(void) {
    return ready() ? 1 : 0;
}

int hvae4j_mpi_allreduce_sum(float* data, int64_t n) {
    if (n < 0 || (n > 0 && data == nullptr)) {
        return HVAE4J_EINVAL;
    }
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    // MPI counts are int: large buffers go in chunks.
    for (int64_t done = 0; done < n;) {
        int count = static_cast<int>(n - done > INT_MAX / 2 ? INT_MAX / 2 : n - done);
        int rc = MPI_Allreduce(MPI_IN_PLACE, data + done, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            return from_mpi(rc);
        }
        done += count;
    }
    return HVAE4J_OK;
}

int hvae4j_mpi_broadcast(float* data, int64_t n, int32_t root) {
    if (n < 0 || (n > 0 && data == nullptr) || root < 0) {
        return HVAE4J_EINVAL;
    }
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    for (int64_t done = 0; done < n;) {
        int count = static_cast<int>(n - done > INT_MAX / 2 ? INT_MAX / 2 : n - done);
        int rc = MPI_Bcast(data + done, count, MPI_FLOAT, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS) {
            return from_mpi(rc);
        }
        done += count;
    }
    return HVAE4J_OK;
}

int hvae4j_mpi_broadcast_bytes(void* data, int32_t n, int32_t root) {
    if (n < 0 || (n > 0 && data == nullptr) || root < 0) {
        return HVAE4J_EINVAL;
    }
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    return from_mpi(MPI_Bcast(data, n, MPI_BYTE, root, MPI_COMM_WORLD));
}

int hvae4j_mpi_allgather_u64(uint64_t value, uint64_t* out) {
    if (out == nullptr) {
        return HVAE4J_EINVAL;
    }
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    return from_mpi(MPI_Allgather(&value, 1, MPI_UINT64_T, out, 1, MPI_UINT64_T, MPI_COMM_WORLD));
}

int hvae4j_mpi_barrier(void) {
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    return from_mpi(MPI_Barrier(MPI_COMM_WORLD));
}

int hvae4j_mpi_abort(int32_t code) {
    if (!ready()) {
        return HVAE4J_EINVAL;
    }
    return from_mpi(MPI_Abort(MPI_COMM_WORLD, code));
}

int hvae4j_mpi_finalize(void) {
    if (!ready()) {
        return HVAE4J_OK;
    }
    return from_mpi(MPI_Finalize());
}

int hvae4j_mpi_error_string(int32_t status, char* out, int32_t capacity) {
    if (out == nullptr || capacity < 1) {
        return HVAE4J_EINVAL;
    }
    if (status >= HVAE4J_MPI_ERROR_BASE) {
        char text[MPI_MAX_ERROR_STRING];
        int len = 0;
        if (MPI_Error_string(status - HVAE4J_MPI_ERROR_BASE, text, &len) != MPI_SUCCESS) {
            std::snprintf(text, sizeof text, "MPI error class %d", status - HVAE4J_MPI_ERROR_BASE);
        }
        std::snprintf(out, static_cast<size_t>(capacity), "%s", text);
    } else if (status == HVAE4J_EINVAL) {
        std::snprintf(out, static_cast<size_t>(capacity), "invalid argument, or MPI not initialized");
    } else {
        std::snprintf(out, static_cast<size_t>(capacity), "status %d", status);
    }
    return HVAE4J_OK;
}

}  // extern "C"
