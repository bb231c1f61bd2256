// Facts about the CUDA library's build.
#include <cuda_runtime.h>

#include "hvae4j/hvae4j_cuda.h"

extern "C" int hvae4j_cuda_compiled_runtime_version(void) { return CUDART_VERSION; }
