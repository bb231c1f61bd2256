// Status codes returned by every native entry point (CPU and CUDA). 0 is success. CUDA runtime errors are
// returned as HVAE4J_CUDA_ERROR_BASE + cudaError_t so Java can name them with cudaGetErrorName.
#pragma once

#define HVAE4J_OK 0
#define HVAE4J_EINVAL 1       /* an argument is out of range (negative size, null pointer, bad enum) */
#define HVAE4J_ENOMEM 2       /* host allocation failed */
#define HVAE4J_EINTERNAL 3    /* a C++ exception escaped an implementation (caught at the boundary) */
#define HVAE4J_NOCUDA 4       /* no CUDA device usable */
#define HVAE4J_CUDA_ERROR_BASE 1000
