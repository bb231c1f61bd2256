package org.hvae4j.tensor;

import java.util.Locale;

/**
 * The geometry of one 2-D convolution on float32 NCHW images: input channels, height and width, output channels,
 * a square or rectangular kernel, stride, zero padding and channel groups (groups = channels is a depthwise
 * convolution). The batch size is not part of it: the backend reads it from the tensors, so one layer's geometry
 * serves every batch size (the backend keeps one prepared plan per geometry and batch size).
 *
 * <p>Tensors are row-major: an image batch is N × C·H·W values (any tensor shape with N as its first dimension
 * and C·H·W values per row), the weights are outChannels × (inChannels / groups) × kernelH × kernelW, the bias
 * outChannels. Output size per axis: (in + 2·padding − kernel) / stride + 1, rounded down, as in PyTorch's Conv2d.
 */
public final class Conv2d {
    private final int inChannels;
    private final int height;
    private final int width;
    private final int outChannels;
    private final int kernelH;
    private final int kernelW;
    private final int stride;
    private final int padding;
    private final int groups;

    private Conv2d(int inChannels, int height, int width, int outChannels, int kernelH, int kernelW, int stride,
            int padding, int groups) {
        positive(inChannels, "input channels");
        positive(height, "input height");
        positive(width, "input width");
        positive(outChannels, "output channels");
        positive(kernelH, "kernel height");
        positive(kernelW, "kernel width");
        positive(stride, "stride");
        positive(groups, "groups");
        if (padding < 0) {
            throw new IllegalArgumentException("convolution padding must be >= 0, got " + padding);
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException("convolution groups (" + groups + ") must divide the input channels ("
                    + inChannels + ") and the output channels (" + outChannels + ")");
        }
        if (height + 2 * padding < kernelH || width + 2 * padding < kernelW) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "a %dx%d kernel does not fit a %dx%d input "
                    + "with padding %d", kernelH, kernelW, height, width, padding));
        }
        this.inChannels = inChannels;
        this.height = height;
        this.width = width;
        this.outChannels = outChannels;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.stride = stride;
        this.padding = padding;
        this.groups = groups;
    }

    private static void positive(int v, String what) {
        if (v <= 0) {
            throw new IllegalArgumentException("convolution " + what + " must be > 0, got " + v);
        }
    }

    /** A k × k convolution of a C × H × W input into {@code outChannels} channels. */
    public static Conv2d of(int inChannels, int height, int width, int outChannels, int kernel, int stride,
            int padding) {
        return new Conv2d(inChannels, height, width, outChannels, kernel, kernel, stride, padding, 1);
    }

    /** A depthwise k × k convolution: one filter per channel (groups = channels). */
    public static Conv2d depthwise(int channels, int height, int width, int kernel, int stride, int padding) {
        return new Conv2d(channels, height, width, channels, kernel, kernel, stride, padding, channels);
    }

    /** This geometry with its channels split into {@code g} groups. */
    public Conv2d withGroups(int g) {
        return new Conv2d(inChannels, height, width, outChannels, kernelH, kernelW, stride, padding, g);
    }

    /** This geometry with a kernelH × kernelW kernel. */
    public Conv2d withKernel(int kh, int kw) {
        return new Conv2d(inChannels, height, width, outChannels, kh, kw, stride, padding, groups);
    }

    public int inChannels() {
        return inChannels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernelH() {
        return kernelH;
    }

    public int kernelW() {
        return kernelW;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public int groups() {
        return groups;
    }

    public int outHeight() {
        return (height + 2 * padding - kernelH) / stride + 1;
    }

    public int outWidth() {
        return (width + 2 * padding - kernelW) / stride + 1;
    }

    /** Values per example of the input, C·H·W. */
    public int inSize() {
        return inChannels * height * width;
    }

    /** Values per example of the output. */
    public int outSize() {
        return outChannels * outHeight() * outWidth();
    }

    /** The weight tensor's shape: outChannels × inChannels/groups × kernelH × kernelW. */
    public int[] weightShape() {
        return new int[] {outChannels, inChannels / groups, kernelH, kernelW};
    }

    public int weightCount() {
        return outChannels * (inChannels / groups) * kernelH * kernelW;
    }

    /** Multiply-adds × 2 of the forward pass per example (each backward pass costs the same). */
    public long flopsPerExample() {
        return 2L * outSize() * (inChannels / groups) * kernelH * kernelW;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conv2d c && c.inChannels == inChannels && c.height == height && c.width == width
                && c.outChannels == outChannels && c.kernelH == kernelH && c.kernelW == kernelW && c.stride == stride
                && c.padding == padding && c.groups == groups;
    }

    @Override
    public int hashCode() {
        int h = inChannels;
        for (int v : new int[] {height, width, outChannels, kernelH, kernelW, stride, padding, groups}) {
            h = 31 * h + v;
        }
        return h;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "conv %dx%dx%d -> %dx%dx%d (kernel %dx%d, stride %d, padding %d%s)",
                inChannels, height, width, outChannels, outHeight(), outWidth(), kernelH, kernelW, stride, padding,
                groups == 1 ? "" : ", groups " + groups);
    }
}
