package org.hvae4j.report;

import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.hvae4j.io.AtomicFiles;

/**
 * PNG grids of grey images, such as samples from a model or a batch of inputs next to their reconstructions.
 *
 * <p>Images are given as one {@code float[]}: image {@code i} is {@code h × w} values, row-major, starting at
 * {@code i·h·w}; only the first {@code n·h·w} values are read, so a batch buffer larger than the batch is
 * fine. A value {@code v} becomes the grey level {@code round(255·v)} after clamping to {@code [0, 1]}
 * ({@code +∞} → white, {@code −∞} → black). <b>NaN becomes a pure red pixel</b> ({@link #NAN_RGB}), so a model
 * that produces NaNs shows it at a glance instead of looking black.
 *
 * <p>Layout of {@link #write}: cells of {@code (h·scale) × (w·scale)} pixels (each value a
 * {@code scale × scale} block), {@code min(columns, n)} per row, {@code ceil(n / columns)} rows, separated
 * from each other and from the edge by {@link #GAP} pixels of the background colour {@link #BACKGROUND_RGB};
 * cells past the last image of the last row stay background. See {@link #gridSize}.
 *
 * <p>Layout of {@link #writePairs}: each row holds {@code min(pairsPerRow, n)} pairs; a pair is the input cell,
 * {@link #GAP} pixels, then its reconstruction; pairs are {@link #PAIR_GAP} pixels apart, and the edge is
 * {@link #GAP} pixels. See {@link #pairsSize}.
 *
 * <p>PNGs are written whole or not at all (temporary file, then rename); missing parent directories are
 * created.
 */
public final class ImageGrid {
    /** Pixels between cells and around the grid. */
    public static final int GAP = 2;
    /** Pixels between two [input | reconstruction] pairs in {@link #writePairs}. */
    public static final int PAIR_GAP = 8;
    /** Colour (0xRRGGBB) of gaps and empty cells: a muted blue, distinct from every grey level. */
    public static final int BACKGROUND_RGB = 0x3C5A8C;
    /** Colour (0xRRGGBB) of a NaN value. */
    public static final int NAN_RGB = 0xFF0000;
    /** Largest width or height, in pixels, of an image this class makes. */
    public static final int MAX_SIDE = 16_384;
    /** Largest {@code scale}. */
    public static final int MAX_SCALE = 64;

    private ImageGrid() {
    }

    /**
     * Writes {@code n} images as a grid PNG.
     *
     * @param png     the file to write (overwritten)
     * @param images  at least {@code n·h·w} values, image after image, each row-major
     * @param n       number of images, {@code >= 1}
     * @param h       image height, {@code >= 1}
     * @param w       image width, {@code >= 1}
     * @param columns images per grid row, {@code >= 1} (capped at {@code n})
     * @param scale   pixels per value along each side, {@code 1..}{@value #MAX_SCALE}
     * @throws IllegalArgumentException naming the bad argument
     * @throws IOException              when the file cannot be written
     */
    public static void write(Path png, float[] images, int n, int h, int w, int columns, int scale)
            throws IOException {
        Objects.requireNonNull(png, "png");
        writePng(png, render(images, n, h, w, columns, scale));
    }

    /**
     * Writes {@code n} [input | reconstruction] pairs as a PNG, {@code pairsPerRow} pairs per row.
     *
     * @param png             the file to write (overwritten)
     * @param inputs          at least {@code n·h·w} values: the inputs
     * @param reconstructions at least {@code n·h·w} values: the reconstruction of each input, same order
     * @param pairsPerRow     pairs per row, {@code >= 1} (capped at {@code n})
     * @throws IllegalArgumentException naming the bad argument
     * @throws IOException              when the file cannot be written
     * @see #write
     */
    public static void writePairs(Path png, float[] inputs, float[] reconstructions, int n, int h, int w,
                                  int pairsPerRow, int scale) throws IOException {
        Objects.requireNonNull(png, "png");
        writePng(png, renderPairs(inputs, reconstructions, n, h, w, pairsPerRow, scale));
    }

    /** The grid of {@link #write} as an image (TYPE_INT_RGB), for callers that compose their own figures. */
    public static BufferedImage render(float[] images, int n, int h, int w, int columns, int scale) {
        checkImages("images", images, n, h, w, scale);
        if (columns < 1) throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        Dimension size = gridSize(n, h, w, columns, scale);
        BufferedImage img = background(size);
        int cols = Math.min(columns, n);
        int cw = w * scale;
        int ch = h * scale;
        for (int i = 0; i < n; i++) {
            int x = GAP + (i % cols) * (cw + GAP);
            int y = GAP + (i / cols) * (ch + GAP);
            drawCell(img, images, i, h, w, scale, x, y);
        }
        return img;
    }

    /** The pairs of {@link #writePairs} as an image (TYPE_INT_RGB). */
    public static BufferedImage renderPairs(float[] inputs, float[] reconstructions, int n, int h, int w,
                                            int pairsPerRow, int scale) {
        checkImages("inputs", inputs, n, h, w, scale);
        checkImages("reconstructions", reconstructions, n, h, w, scale);
        if (pairsPerRow < 1) throw new IllegalArgumentException("pairsPerRow must be >= 1, got " + pairsPerRow);
        Dimension size = pairsSize(n, h, w, pairsPerRow, scale);
        BufferedImage img = background(size);
        int per = Math.min(pairsPerRow, n);
        int cw = w * scale;
        int ch = h * scale;
        int pairWidth = 2 * cw + GAP;
        for (int i = 0; i < n; i++) {
            int x = GAP + (i % per) * (pairWidth + PAIR_GAP);
            int y = GAP + (i / per) * (ch + GAP);
            drawCell(img, inputs, i, h, w, scale, x, y);
            drawCell(img, reconstructions, i, h, w, scale, x + cw + GAP, y);
        }
        return img;
    }

    /**
     * Pixel size of the grid of {@link #write}: with {@code c = min(columns, n)} and {@code r = ceil(n / c)},
     * width {@code GAP + c·(w·scale + GAP)}, height {@code GAP + r·(h·scale + GAP)}.
     *
     * @throws IllegalArgumentException naming the bad argument, also when a side would exceed {@link #MAX_SIDE}
     */
    public static Dimension gridSize(int n, int h, int w, int columns, int scale) {
        checkShape(n, h, w, scale);
        if (columns < 1) throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        long c = Math.min(columns, n);
        long r = (n + c - 1) / c;
        return checkedSize(GAP + c * ((long) w * scale + GAP), GAP + r * ((long) h * scale + GAP),
                "n=" + n + ", h=" + h + ", w=" + w + ", columns=" + columns + ", scale=" + scale);
    }

    /**
     * Pixel size of the image of {@link #writePairs}: with {@code p = min(pairsPerRow, n)} and
     * {@code r = ceil(n / p)}, width {@code 2·GAP + p·(2·w·scale + GAP) + (p − 1)·PAIR_GAP}, height
     * {@code GAP + r·(h·scale + GAP)}.
     *
     * @throws IllegalArgumentException naming the bad argument, also when a side would exceed {@link #MAX_SIDE}
     */
    public static Dimension pairsSize(int n, int h, int w, int pairsPerRow, int scale) {
        checkShape(n, h, w, scale);
        if (pairsPerRow < 1) throw new IllegalArgumentException("pairsPerRow must be >= 1, got " + pairsPerRow);
        long p = Math.min(pairsPerRow, n);
        long r = (n + p - 1) / p;
        long width = 2L * GAP + p * (2L * w * scale + GAP) + (p - 1) * PAIR_GAP;
        return checkedSize(width, GAP + r * ((long) h * scale + GAP),
                "n=" + n + ", h=" + h + ", w=" + w + ", pairsPerRow=" + pairsPerRow + ", scale=" + scale);
    }

    /** The RGB (0xRRGGBB) a value is drawn with: clamped grey, or {@link #NAN_RGB} for NaN. */
    public static int rgb(float v) {
        if (Float.isNaN(v)) return NAN_RGB;
        float c = v < 0f ? 0f : Math.min(v, 1f);
        int g = Math.round(c * 255f);
        return (g << 16) | (g << 8) | g;
    }

    private static void drawCell(BufferedImage img, float[] src, int i, int h, int w, int scale, int x0, int y0) {
        int base = i * h * w;
        int[] line = new int[w * scale];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int rgb = rgb(src[base + r * w + c]);
                for (int s = 0; s < scale; s++) line[c * scale + s] = rgb;
            }
            for (int s = 0; s < scale; s++) img.setRGB(x0, y0 + r * scale + s, w * scale, 1, line, 0, w * scale);
        }
    }

    private static BufferedImage background(Dimension size) {
        BufferedImage img = new BufferedImage(size.width, size.height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[size.width];
        Arrays.fill(row, BACKGROUND_RGB);
        for (int y = 0; y < size.height; y++) img.setRGB(0, y, size.width, 1, row, 0, size.width);
        return img;
    }

    private static void checkImages(String name, float[] values, int n, int h, int w, int scale) {
        Objects.requireNonNull(values, name);
        checkShape(n, h, w, scale);
        long need = (long) n * h * w;
        if (values.length < need) {
            throw new IllegalArgumentException(name + " has " + values.length + " values, fewer than n·h·w = "
                    + n + "·" + h + "·" + w + " = " + need);
        }
    }

    private static void checkShape(int n, int h, int w, int scale) {
        if (n < 1) throw new IllegalArgumentException("n must be >= 1, got " + n);
        if (h < 1) throw new IllegalArgumentException("h must be >= 1, got " + h);
        if (w < 1) throw new IllegalArgumentException("w must be >= 1, got " + w);
        if (scale < 1 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("scale must be in 1.." + MAX_SCALE + ", got " + scale);
        }
        if ((long) h * scale > MAX_SIDE || (long) w * scale > MAX_SIDE) {
            throw new IllegalArgumentException("one image (h=" + h + ", w=" + w + ", scale=" + scale
                    + ") is larger than " + MAX_SIDE + " pixels");
        }
    }

    private static Dimension checkedSize(long width, long height, String what) {
        if (width > MAX_SIDE || height > MAX_SIDE) {
            throw new IllegalArgumentException("grid of " + width + "×" + height + " pixels for " + what
                    + " exceeds " + MAX_SIDE + " pixels per side: use fewer images, more/fewer columns or a"
                    + " smaller scale");
        }
        return new Dimension((int) width, (int) height);
    }

    static void writePng(Path png, BufferedImage img) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer in ImageIO");
        });
    }
}
