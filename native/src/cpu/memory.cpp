// The CPU backend's memory: 64-byte aligned host allocations.
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

}  // extern "C"
