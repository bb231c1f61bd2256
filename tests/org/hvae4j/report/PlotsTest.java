package org.hvae4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir
    Path dir;

    /** Train rows every 50 steps, a test row at each epoch end, two KL layers. */
    static MetricsTable fakeRun(boolean withTest) {
        MetricsTable t = MetricsTable.withColumns("train_elbo", "test_elbo", "kl_z1", "kl_z2");
        int stepsPerEpoch = 500;
        for (int step = 50; step <= 10 * stepsPerEpoch; step += 50) {
            int epoch = (step - 1) / stepsPerEpoch + 1;
            double p = step / 5000.0;
            Map<String, Double> m = new HashMap<>();
            m.put("train_elbo", -95 - 400 * Math.exp(-step / 150.0) + Math.sin(step) * 0.8);
            m.put("kl_z1", 25 * (1 - Math.exp(-step / 400.0)));
            m.put("kl_z2", 4 + 2 * p);
            t.append(epoch, step, m);
            if (withTest && step % stepsPerEpoch == 0) t.append(epoch, step, Map.of("test_elbo", -97 - 10 / p / 10));
        }
        return t;
    }

    private static BufferedImage read(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null, png + " does not decode");
        return img;
    }

    @Test
    void trainingCurvesStackTwoPanels() throws IOException {
        Path png = dir.resolve("curves.png");
        Plots.trainingCurves(png, fakeRun(true), List.of("train_elbo", "test_elbo"));
        BufferedImage img = read(png);
        assertEquals(Plots.CURVE_WIDTH, img.getWidth());
        assertEquals(2 * Plots.CURVE_PANEL_HEIGHT, img.getHeight());
        assertTrue(distinctColours(img) > 10, "chart looks empty");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "temporary file left behind");
        }
    }

    @Test
    void trainingCurvesWithoutTestOrKlAndAutoColumns() throws IOException {
        MetricsTable t = MetricsTable.withColumns("train_elbo", "test_elbo");
        for (int e = 1; e <= 5; e++) t.append(e, e * 100L, Map.of("train_elbo", -100.0 + e));
        Path png = dir.resolve("one.png");
        Plots.trainingCurves(png, t, List.of());
        BufferedImage img = read(png);
        assertEquals(Plots.CURVE_WIDTH, img.getWidth());
        assertEquals(Plots.CURVE_PANEL_HEIGHT, img.getHeight(), "no KL columns: one panel");
    }

    @Test
    void trainingCurvesRefusesUnknownOrEmpty() {
        Path png = dir.resolve("x.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.trainingCurves(png, fakeRun(false), List.of("val_elbo")));
        assertTrue(e.getMessage().contains("'val_elbo'"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Plots.trainingCurves(png, MetricsTable.withColumns("train_elbo"), List.of()));
        MetricsTable nan = MetricsTable.withColumns("train_elbo");
        nan.append(0, 0, Map.of("train_elbo", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Plots.trainingCurves(png, nan, List.of()));
    }

    @Test
    void scatterPanelsSideBySide() throws IOException {
        double[][] a = new double[200][];
        double[][] b = new double[200][];
        for (int i = 0; i < a.length; i++) {
            double t = i * 0.1;
            a[i] = new double[] {Math.cos(t) * 3, Math.sin(t) * 3};
            b[i] = new double[] {Math.cos(t) * 2.5 + 0.3, Math.sin(t) * 2.5};
        }
        b[0] = new double[] {Double.NaN, 1}; // left out
        Path png = dir.resolve("scatter.png");
        Plots.scatterPanels(png, List.of(
                Plots.Panel.of("data", Plots.Series.ofRows("data", a)),
                Plots.Panel.of("model", Plots.Series.ofRows("samples", b)),
                Plots.Panel.of("both", Plots.Series.ofRows("data", a), Plots.Series.ofRows("samples", b))));
        BufferedImage img = read(png);
        assertEquals(3 * Plots.SCATTER_PANEL_SIZE, img.getWidth());
        assertEquals(Plots.SCATTER_PANEL_SIZE, img.getHeight());

        // a panel whose only series has no finite point still renders (empty axes)
        Path empty = dir.resolve("empty.png");
        Plots.scatterPanels(empty, List.of(Plots.Panel.of("diverged", new Plots.Series("nan",
                new double[] {Double.NaN}, new double[] {1}))), false);
        assertEquals(Plots.SCATTER_PANEL_SIZE, read(empty).getWidth());

        Path one = dir.resolve("one.png");
        Plots.scatter(one, "circle", List.of("a", "b"), a, b);
        assertEquals(Plots.SCATTER_PANEL_SIZE, read(one).getWidth());
    }

    @Test
    void seriesHelpersAndValidation() {
        float[] xy = {0, 1, 2, 3, 4, 5};
        Plots.Series s = Plots.Series.ofInterleaved("s", xy, 3);
        assertEquals(3, s.size());
        assertEquals(4.0, s.x()[2]);
        assertEquals(5.0, s.y()[2]);
        List<Plots.Series> byLabel = Plots.Series.byLabel("c=", xy, new int[] {1, 0, 1}, 3);
        assertEquals(List.of("c=0", "c=1"), byLabel.stream().map(Plots.Series::name).toList());
        assertEquals(2, byLabel.get(1).size());
        assertThrows(IllegalArgumentException.class, () -> Plots.Series.ofInterleaved("s", xy, 4));
        assertThrows(IllegalArgumentException.class, () -> new Plots.Series("s", new double[2], new double[3]));
        assertThrows(IllegalArgumentException.class, () -> Plots.Panel.of("p", s, s));
        assertThrows(IllegalArgumentException.class, () -> Plots.scatterPanels(dir.resolve("e.png"), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.scatter(dir.resolve("e.png"), "t", List.of("a"), new double[1][2], new double[1][2]));
    }

    static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) seen.add(img.getRGB(x, y));
        return seen.size();
    }
}
