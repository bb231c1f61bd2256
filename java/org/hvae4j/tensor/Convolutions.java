package org.hvae4j.tensor;

/**
 * One backend's convolution library (oneDNN on the CPU, cuDNN on CUDA), called by {@link Backend}'s convolution
 * methods after they have checked shapes and devices. Addresses are the backend's memory; {@code bias}/{@code dbias}
 * may be 0 (none). Every result is overwritten (nothing accumulates). An implementation prepares its primitives once
 * per geometry and batch size and reuses them.
 */
interface Convolutions {
    /** y = conv(x, w) + bias. */
    void forward(Conv2d g, int n, long x, long w, long bias, long y);

    /** dx = the gradient of Σ dy·y with respect to x. */
    void backwardData(Conv2d g, int n, long dy, long w, long dx);

    /** dw (and dbias, when not 0) = the gradients of Σ dy·y with respect to the weights (and the bias). */
    void backwardWeights(Conv2d g, int n, long x, long dy, long dw, long dbias);

    /** Which implementation runs this geometry at this batch size (for benchmarks and diagnostics). */
    String describe(Conv2d g, int n);
}
