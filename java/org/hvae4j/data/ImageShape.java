package org.hvae4j.data;

/**
 * Layout of one row of a {@link Dataset} when the row is an image stored channel-major
 * ({@code channels × height × width}, row-major within a channel), e.g. {@code (1, 28, 28)} for MNIST.
 *
 * @param channels number of channels, at least 1
 * @param height   image height in pixels, at least 1
 * @param width    image width in pixels, at least 1
 */
public record ImageShape(int channels, int height, int width) {
    /** Validates that every dimension is positive and the product fits an int. */
    public ImageShape {
        if (channels < 1) throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        if (height < 1) throw new IllegalArgumentException("height must be >= 1, got " + height);
        if (width < 1) throw new IllegalArgumentException("width must be >= 1, got " + width);
        long size = (long) channels * height * width;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width
                    + " has " + size + " values, more than " + Integer.MAX_VALUE);
        }
    }

    /** A single-channel (grey-scale) image shape. */
    public static ImageShape grey(int height, int width) {
        return new ImageShape(1, height, width);
    }

    /** Number of values in one image: channels × height × width. */
    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
