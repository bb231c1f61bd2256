package org.hvae4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
    @TempDir
    Path dir;

    /** n images of h×w with value (i·h·w + r·w + c) / (n·h·w): every pixel distinct and known. */
    private static float[] ramp(int n, int h, int w) {
        float[] v = new float[n * h * w];
        for (int k = 0; k < v.length; k++) v[k] = (float) k / v.length;
        return v;
    }

    private static int grey(BufferedImage img, int x, int y) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        int r = rgb >> 16, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
        assertEquals(r, g, "not grey at " + x + "," + y);
        assertEquals(r, b, "not grey at " + x + "," + y);
        return r;
    }

    @Test
    void gridDecodesWithExpectedSizeAndPixels() throws IOException {
        int n = 7, h = 5, w = 4, cols = 3, scale = 2;
        float[] v = ramp(n, h, w);
        Path png = dir.resolve("sub/grid.png");
        ImageGrid.write(png, v, n, h, w, cols, scale);
        BufferedImage img = ImageIO.read(png.toFile());
        int g = ImageGrid.GAP;
        assertEquals(g + 3 * (w * scale + g), img.getWidth());
        assertEquals(g + 3 * (h * scale + g), img.getHeight()); // 7 images in 3 columns: 3 rows
        assertEquals(new Dimension(img.getWidth(), img.getHeight()), ImageGrid.gridSize(n, h, w, cols, scale));

        // image 0, value (0,0), top-left block
        assertEquals(Math.round(v[0] * 255), grey(img, g, g));
        assertEquals(Math.round(v[0] * 255), grey(img, g + 1, g + 1));
        // image 4 (row 1, column 1), value (r=3, c=2), both pixels of its 2×2 block
        int i = 4, r = 3, c = 2;
        int x0 = g + 1 * (w * scale + g) + c * scale;
        int y0 = g + 1 * (h * scale + g) + r * scale;
        int want = Math.round(v[i * h * w + r * w + c] * 255);
        assertEquals(want, grey(img, x0, y0));
        assertEquals(want, grey(img, x0 + 1, y0 + 1));
        // image 6 is in row 2, column 0; row 2, columns 1 and 2 are empty padding
        assertEquals(ImageGrid.BACKGROUND_RGB, img.getRGB(g + (w * scale + g) + 1, g + 2 * (h * scale + g) + 1) & 0xFFFFFF);
        assertEquals(ImageGrid.BACKGROUND_RGB, img.getRGB(0, 0) & 0xFFFFFF);
        try (Stream<Path> files = Files.list(png.getParent())) {
            assertEquals(1, files.count(), "temporary file left behind");
        }
    }

    @Test
    void columnsCappedAtN() {
        assertEquals(ImageGrid.gridSize(2, 3, 3, 2, 1), ImageGrid.gridSize(2, 3, 3, 10, 1));
    }

    @Test
    void clampsAndMarksNaN() throws IOException {
        float[] v = {-0.5f, 1.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0.5f};
        Path png = dir.resolve("clamp.png");
        ImageGrid.write(png, v, 1, 1, 6, 1, 1);
        BufferedImage img = ImageIO.read(png.toFile());
        int g = ImageGrid.GAP;
        assertEquals(0, grey(img, g, g));
        assertEquals(255, grey(img, g + 1, g));
        assertEquals(ImageGrid.NAN_RGB, img.getRGB(g + 2, g) & 0xFFFFFF);
        assertEquals(255, grey(img, g + 3, g));
        assertEquals(0, grey(img, g + 4, g));
        assertEquals(128, grey(img, g + 5, g));
    }

    @Test
    void pairsPutInputLeftOfReconstruction() throws IOException {
        int n = 5, h = 3, w = 2, per = 2, scale = 3;
        float[] in = ramp(n, h, w);
        float[] rec = new float[n * h * w];
        for (int k = 0; k < rec.length; k++) rec[k] = 1f - in[k];
        Path png = dir.resolve("pairs.png");
        ImageGrid.writePairs(png, in, rec, n, h, w, per, scale);
        BufferedImage img = ImageIO.read(png.toFile());
        int g = ImageGrid.GAP, cw = w * scale, ch = h * scale;
        assertEquals(2 * g + per * (2 * cw + g) + (per - 1) * ImageGrid.PAIR_GAP, img.getWidth());
        assertEquals(g + 3 * (ch + g), img.getHeight());
        // pair 3: row 1, second pair of the row; pixel (r=2, c=1)
        int i = 3, r = 2, c = 1;
        int px = g + (2 * cw + g + ImageGrid.PAIR_GAP) + c * scale;
        int py = g + (ch + g) + r * scale;
        assertEquals(Math.round(in[i * h * w + r * w + c] * 255), grey(img, px, py));
        assertEquals(Math.round(rec[i * h * w + r * w + c] * 255), grey(img, px + cw + g, py + 2));
        // the second pair of row 2 is padding
        assertEquals(ImageGrid.BACKGROUND_RGB, img.getRGB(px, py + ch + g) & 0xFFFFFF);
    }

    @Test
    void largerBufferThanNeededIsFine() {
        BufferedImage img = ImageGrid.render(new float[100], 2, 2, 2, 2, 1);
        assertEquals(ImageGrid.GAP + 2 * (2 + ImageGrid.GAP), img.getWidth());
    }

    @Test
    void badArgumentsAreNamed() {
        Path png = dir.resolve("x.png");
        float[] v = new float[12];
        assertMessage("n must be", () -> ImageGrid.write(png, v, 0, 2, 2, 1, 1));
        assertMessage("h must be", () -> ImageGrid.write(png, v, 1, 0, 2, 1, 1));
        assertMessage("w must be", () -> ImageGrid.write(png, v, 1, 2, -1, 1, 1));
        assertMessage("columns must be", () -> ImageGrid.write(png, v, 1, 2, 2, 0, 1));
        assertMessage("scale must be", () -> ImageGrid.write(png, v, 1, 2, 2, 1, 0));
        assertMessage("images has 12 values", () -> ImageGrid.write(png, v, 4, 2, 2, 1, 1));
        assertMessage("reconstructions has 3 values",
                () -> ImageGrid.writePairs(png, v, new float[3], 1, 2, 2, 1, 1));
        assertMessage("pairsPerRow must be", () -> ImageGrid.writePairs(png, v, v, 1, 2, 2, 0, 1));
        assertMessage("exceeds", () -> ImageGrid.gridSize(100_000, 28, 28, 100_000, 1));
        assertTrue(Files.notExists(png));
    }

    static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
