// The boundary between C callers (the JNI glue) and the C++ implementation: no exception may cross it.
#pragma once
#include <new>
#include "hvae4j/status.h"

#define HVAE4J_GUARD(body)                \
  try {                                   \
    body;                                 \
    return HVAE4J_OK;                     \
  } catch (const std::bad_alloc&) {       \
    return HVAE4J_ENOMEM;                 \
  } catch (...) {                         \
    return HVAE4J_EINTERNAL;              \
  }

#define HVAE4J_REQUIRE(cond) \
  do {                       \
    if (!(cond)) return HVAE4J_EINVAL; \
  } while (0)
