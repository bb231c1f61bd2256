/* The state of a device-resident Adam step, shared by both backends' C APIs: 32 bytes of the backend's memory. A
 * training step that must not read values on the host (a step captured as a CUDA graph) keeps its learning rate,
 * clipping scale, bias corrections and skip decision here instead of passing them as arguments. */
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hvae4j_adam_state {
  float lr;     /* learning rate of this step, written before the step */
  float scale;  /* gradient scale min(1, clip / norm); 0 when the step is skipped */
  float c1, c2; /* bias corrections 1 - beta^t of this step */
  float norm;   /* global gradient norm of this step */
  int32_t skip; /* 1: the loss or the gradient norm was not finite, nothing is updated */
  int64_t t;    /* updates applied so far (the bias-correction counter) */
} hvae4j_adam_state;

#ifdef __cplusplus
}
#endif
