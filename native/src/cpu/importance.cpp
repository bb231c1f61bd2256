// CPU loop of the importance weights (formula: hvae4j/importance.h).
#include "hvae4j/hvae4j_cpu.h"
#include "loops.h"

using namespace hvae4j::cpu;

extern "C" int hvae4j_cpu_iwae(int64_t k, int64_t batch, const float* logw, float* bound, float* wnorm, float* wsq) {
  return iwae_loop<float>(k, batch, logw, bound, wnorm, wsq);
}
