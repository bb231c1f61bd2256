// The CPU backend's memory: 64-byte aligned host allocations.
#include <dlfcn.h>
#include <stdlib.h>

#include "common.h"
#include "hvae4j/hvae4j_cpu.h"

extern "C" {

int hvae4j_cpu_malloc(int64_t bytes, int64_t* address) {
  HVAE4J_REQUIRE(bytes >= 0 && address != nullptr);
  size_t size = (size_t)((bytes + 63) / 64 * 64);
  if (size == 0) size = 64;
  void* p = aligned_alloc(64, size);
  if (p == nullptr) return HVAE4J_ENOMEM;
  *address = (int64_t)(intptr_t)p;
  return HVAE4J_OK;
}

int hvae4j_cpu_free(int64_t address) {
  free((void*)(intptr_t)address);
  return HVAE4J_OK;
}

int hvae4j_cpu_omp_threads(int32_t n, int64_t* applied) {
  HVAE4J_REQUIRE(n >= 1 && applied != nullptr);
  *applied = 0;
  // RTLD_NOLOAD: only a runtime already loaded (by oneDNN's presets) is used; none is loaded here.
  void* gomp = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (gomp == nullptr) return HVAE4J_OK;
  using SetThreads = void (*)(int);
  SetThreads set = reinterpret_cast<SetThreads>(dlsym(gomp, "omp_set_num_threads"));
  if (set != nullptr) {
    set(n);
    *applied = 1;
  }
  dlclose(gomp);  // drops the reference NOLOAD took; the runtime stays loaded
  return HVAE4J_OK;
}

}  // extern "C"
