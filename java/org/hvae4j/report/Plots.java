package org.hvae4j.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Charts of a run, drawn with XChart into PNGs: training curves ({@link #trainingCurves}) and 2-D point
 * clouds side by side ({@link #scatterPanels}). Rendering needs no display (AWT in headless mode is fine) but
 * does need a font (fontconfig and e.g. DejaVu fonts on Linux). PNGs are written whole or not at all
 * (temporary file, then rename); missing parent directories are created.
 */
public final class Plots {
    /** Width in pixels of a training-curves PNG; each of its panels is {@link #CURVE_PANEL_HEIGHT} high. */
    public static final int CURVE_WIDTH = 900;
    /** Height in pixels of one panel of a training-curves PNG. */
    public static final int CURVE_PANEL_HEIGHT = 400;
    /** Side in pixels of one (square) scatter panel. */
    public static final int SCATTER_PANEL_SIZE = 460;
    /** Most panels in one scatter PNG. */
    public static final int MAX_PANELS = 16;
    /** Prefix of the per-layer KL columns drawn in the second panel of {@link #trainingCurves}. */
    public static final String KL_PREFIX = "kl_";

    /** Tableau-10 colours, the series colours of every chart. */
    private static final Color[] PALETTE = {
        new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C), new Color(0xD62728),
        new Color(0x9467BD), new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F),
        new Color(0xBCBD22), new Color(0x17BECF),
    };
    /** Series with at most this many points get markers as well as lines. */
    private static final int MARKER_LIMIT = 60;

    private Plots() {
    }

    /** What the x axis of {@link #trainingCurves} shows. */
    public enum XAxis {
        /** {@link #EPOCH} when every row has its own epoch (one row per epoch), else {@link #STEP}. */
        AUTO,
        /** The rows' epochs. */
        EPOCH,
        /** The rows' steps. */
        STEP
    }

    /**
     * A named series of points.
     *
     * @param name the legend label, non-blank, distinct within a panel
     * @param x    the x coordinates
     * @param y    the y coordinates, as many as {@code x}
     */
    public record Series(String name, double[] x, double[] y) {
        /** Checks the arguments and copies the arrays. */
        public Series {
            if (name == null || name.isBlank()) throw new IllegalArgumentException("series name must not be blank");
            Objects.requireNonNull(x, "x of series " + name);
            Objects.requireNonNull(y, "y of series " + name);
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but "
                        + y.length + " y values");
            }
            x = x.clone();
            y = y.clone();
        }

        /** A copy of the x coordinates. */
        @Override
        public double[] x() {
            return x.clone();
        }

        /** A copy of the y coordinates. */
        @Override
        public double[] y() {
            return y.clone();
        }

        /** Number of points. */
        public int size() {
            return x.length;
        }

        /** A series from points {@code [i][0], [i][1]}. */
        public static Series ofRows(String name, double[][] points) {
            Objects.requireNonNull(points, "points of series " + name);
            double[] x = new double[points.length];
            double[] y = new double[points.length];
            for (int i = 0; i < points.length; i++) {
                if (points[i] == null || points[i].length != 2) {
                    throw new IllegalArgumentException("point " + i + " of series '" + name + "' is not an (x, y) pair");
                }
                x[i] = points[i][0];
                y[i] = points[i][1];
            }
            return new Series(name, x, y);
        }

        /** A series from the first {@code n} points of an n×2 row-major array {@code x0, y0, x1, y1, ...}. */
        public static Series ofInterleaved(String name, float[] xy, int n) {
            Objects.requireNonNull(xy, "xy of series " + name);
            if (n < 0 || 2L * n > xy.length) {
                throw new IllegalArgumentException("n = " + n + " points need " + 2L * n + " values, series '" + name
                        + "' has " + xy.length);
            }
            double[] x = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = xy[2 * i];
                y[i] = xy[2 * i + 1];
            }
            return new Series(name, x, y);
        }

        /**
         * One series per distinct label among the first {@code n} points of an n×2 row-major array, in label
         * order, named {@code prefix + label} (e.g. {@code "c="} gives {@code c=0, c=1, ...}).
         */
        public static List<Series> byLabel(String prefix, float[] xy, int[] labels, int n) {
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(xy, "xy");
            Objects.requireNonNull(labels, "labels");
            if (n < 0 || 2L * n > xy.length || n > labels.length) {
                throw new IllegalArgumentException("n = " + n + " points need " + 2L * n + " values and " + n
                        + " labels, got " + xy.length + " values and " + labels.length + " labels");
            }
            TreeMap<Integer, List<Integer>> groups = new TreeMap<>();
            for (int i = 0; i < n; i++) groups.computeIfAbsent(labels[i], k -> new ArrayList<>()).add(i);
            List<Series> out = new ArrayList<>();
            groups.forEach((label, idx) -> {
                double[] x = new double[idx.size()];
                double[] y = new double[idx.size()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = xy[2 * idx.get(j)];
                    y[j] = xy[2 * idx.get(j) + 1];
                }
                out.add(new Series(prefix + label, x, y));
            });
            return out;
        }
    }

    /**
     * One scatter panel: a title and its point series (distinct names).
     */
    public record Panel(String title, List<Series> series) {
        /** Checks the arguments and copies the list. */
        public Panel {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(series, "series of panel '" + title + "'");
            series = List.copyOf(series);
            if (series.isEmpty()) throw new IllegalArgumentException("panel '" + title + "' has no series");
            Set<String> names = new HashSet<>();
            for (Series s : series) {
                if (!names.add(s.name())) {
                    throw new IllegalArgumentException("panel '" + title + "' has two series named '" + s.name() + "'");
                }
            }
        }

        /** A panel of the given series. */
        public static Panel of(String title, Series... series) {
            return new Panel(title, Arrays.asList(series));
        }
    }

    /**
     * Training curves of a run, as one PNG of {@link #CURVE_WIDTH} pixels wide with up to two panels, each
     * {@link #CURVE_PANEL_HEIGHT} high, stacked: (a) the ELBO series {@code elboSeries} (e.g.
     * {@code train_elbo} and {@code test_elbo}); (b) the per-layer KL terms, every column whose name starts
     * with {@value #KL_PREFIX}, in column order. Equivalent to
     * {@code trainingCurves(png, table, elboSeries, XAxis.AUTO)}.
     *
     * @see #trainingCurves(Path, MetricsTable, List, XAxis)
     */
    /**
     * Fails with a clear message when XChart, an optional dependency of the library (the command-line program has it),
     * is missing from the class path.
     */
    static void requireXChart() {
        if (Plots.class.getClassLoader().getResource("org/knowm/xchart/XYChart.class") == null) {
            throw new IllegalStateException("plots need XChart on the class path: add the dependency "
                    + "org.knowm.xchart:xchart:3.8.8 (an optional dependency of hvae4j)");
        }
    }

    public static void trainingCurves(Path png, MetricsTable table, List<String> elboSeries) throws IOException {
        trainingCurves(png, table, elboSeries, XAxis.AUTO);
    }

    /**
     * Training curves, as {@link #trainingCurves(Path, MetricsTable, List)}, against the given x axis.
     *
     * <p>Missing (NaN) values are left out of a series, so test values logged only at epoch ends make a
     * series of their own points; a series with no value at all (say, no test set) is left out of the chart,
     * and so is a panel with no series (no KL columns, for one). Infinite values are left out too. Series of
     * at most {@value #MARKER_LIMIT} points are drawn with markers. When the values of the first tenth of the x
     * range span more than three times the y range of the rest, the ELBO axis starts at the lowest value
     * after that first tenth, so that the plunge of the first steps does not flatten the rest of the curves
     * (it is cut off at the bottom of the panel instead).
     *
     * @param elboSeries columns for panel (a); empty: every column whose name contains {@code elbo}
     * @throws IllegalArgumentException naming an unknown column, or when the table has no rows or nothing
     *                                  to draw
     */
    public static void trainingCurves(Path png, MetricsTable table, List<String> elboSeries, XAxis xAxis)
            throws IOException {
        Objects.requireNonNull(png, "png");
        ImageGrid.writePng(png, renderTrainingCurves(table, elboSeries, xAxis));
    }

    /** The image of {@link #trainingCurves(Path, MetricsTable, List, XAxis)}. */
    public static BufferedImage renderTrainingCurves(MetricsTable table, List<String> elboSeries, XAxis xAxis) {
        requireXChart();
        return Render.trainingCurves(table, elboSeries, xAxis);
    }

    /**
     * A single scatter panel with the given series, {@code pointsPerSeries[k][i] = (x, y)} of point {@code i}
     * of series {@code names.get(k)}.
     *
     * @throws IllegalArgumentException when the numbers of names and series differ, or naming a bad series
     */
    public static void scatter(Path png, String title, List<String> names, double[][]... pointsPerSeries)
            throws IOException {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(pointsPerSeries, "pointsPerSeries");
        if (names.size() != pointsPerSeries.length) {
            throw new IllegalArgumentException(names.size() + " names for " + pointsPerSeries.length + " series");
        }
        List<Series> series = new ArrayList<>();
        for (int k = 0; k < names.size(); k++) series.add(Series.ofRows(names.get(k), pointsPerSeries[k]));
        scatterPanels(png, List.of(new Panel(title, series)));
    }

    /**
     * Scatter panels side by side in one PNG, each {@link #SCATTER_PANEL_SIZE} pixels square, all on the same
     * axis ranges (so, say, data and model samples compare at a glance). Same as
     * {@code scatterPanels(png, panels, true)}.
     */
    public static void scatterPanels(Path png, List<Panel> panels) throws IOException {
        scatterPanels(png, panels, true);
    }

    /**
     * Scatter panels side by side in one PNG, each {@link #SCATTER_PANEL_SIZE} pixels square. Points are
     * small translucent discs, one colour per series (in order), legend below each panel; non-finite points
     * are left out, and so is a series with no finite point.
     *
     * @param shareAxes one window for all panels (around the union of their finite points), rather than each
     *                  panel's own; a window is square (x and y spans equal, with a 10% margin), so clouds
     *                  keep their shape
     * @throws IllegalArgumentException when there are no panels or more than {@value #MAX_PANELS}
     */
    public static void scatterPanels(Path png, List<Panel> panels, boolean shareAxes) throws IOException {
        Objects.requireNonNull(png, "png");
        ImageGrid.writePng(png, renderScatterPanels(panels, shareAxes));
    }

    /** The image of {@link #scatterPanels(Path, List, boolean)}. */
    public static BufferedImage renderScatterPanels(List<Panel> panels, boolean shareAxes) {
        requireXChart();
        return Render.scatterPanels(panels, shareAxes);
    }

    /** {xMin, xMax, yMin, yMax} of the finite points of the panels, with a 5% margin. */
    private static double[] bounds(List<Panel> panels) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (Panel p : panels) {
            for (Series s : p.series()) {
                for (int i = 0; i < s.x.length; i++) {
                    double x = s.x[i], y = s.y[i];
                    if (!Double.isFinite(x) || !Double.isFinite(y)) continue;
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x0 > x1) return new double[] {-1, 1, -1, 1};
        // A square window (equal spans), so a square panel keeps the point cloud's shape.
        double half = Math.max(Math.max(x1 - x0, y1 - y0) * 0.55, 1e-6);
        double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
        return new double[] {cx - half, cx + half, cy - half, cy + half};
    }

    private static double[][] finitePoints(double[] x, double[] y) {
        int m = 0;
        for (int i = 0; i < x.length; i++) if (Double.isFinite(x[i]) && Double.isFinite(y[i])) m++;
        double[] fx = new double[m];
        double[] fy = new double[m];
        int j = 0;
        for (int i = 0; i < x.length; i++) {
            if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                fx[j] = x[i];
                fy[j++] = y[i];
            }
        }
        return new double[][] {fx, fy};
    }

    /** Images stacked top to bottom ({@code vertical}) or left to right, on white. */
    private static BufferedImage stack(List<BufferedImage> images, boolean vertical) {
        int w = 0, h = 0;
        for (BufferedImage im : images) {
            w = vertical ? Math.max(w, im.getWidth()) : w + im.getWidth();
            h = vertical ? h + im.getHeight() : Math.max(h, im.getHeight());
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            int at = 0;
            for (BufferedImage im : images) {
                g.drawImage(im, vertical ? 0 : at, vertical ? at : 0, null);
                at += vertical ? im.getHeight() : im.getWidth();
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /**
     * The code that touches XChart, apart from Plots itself, so that the class Plots loads and links without XChart
     * on the class path (it is an optional dependency) and {@link #requireXChart} can say so.
     */
    private static final class Render {
        private Render() {}

        static BufferedImage trainingCurves(MetricsTable table, List<String> elboSeries, XAxis xAxis) {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(elboSeries, "elboSeries");
            Objects.requireNonNull(xAxis, "xAxis");
            List<MetricsTable.Row> rows = table.rows();
            if (rows.isEmpty()) throw new IllegalArgumentException("metrics table has no rows to plot");
            List<String> columns = rows.get(0).columns();
            List<String> elbo = new ArrayList<>();
            if (elboSeries.isEmpty()) {
                for (String c : columns) if (c.toLowerCase(Locale.ROOT).contains("elbo")) elbo.add(c);
            } else {
                for (String c : elboSeries) {
                    if (!columns.contains(c)) {
                        throw new IllegalArgumentException("no column '" + c + "' in the metrics table; the columns are "
                                + columns);
                    }
                    elbo.add(c);
                }
            }
            List<String> kl = new ArrayList<>();
            for (String c : columns) if (c.startsWith(KL_PREFIX) && !elbo.contains(c)) kl.add(c);

            boolean byEpoch = switch (xAxis) {
                case EPOCH -> true;
                case STEP -> false;
                case AUTO -> rows.stream().mapToLong(MetricsTable.Row::epoch).distinct().count() == rows.size()
                        || rows.stream().mapToLong(MetricsTable.Row::step).distinct().count() == 1;
            };
            double[] x = new double[rows.size()];
            for (int i = 0; i < x.length; i++) x[i] = byEpoch ? rows.get(i).epoch() : rows.get(i).step();
            String xTitle = byEpoch ? "epoch" : "step";

            List<XYChart> charts = new ArrayList<>();
            XYChart a = curveChart("ELBO", xTitle, "ELBO", rows, x, elbo, true);
            if (a != null) charts.add(a);
            XYChart b = curveChart("KL divergence per layer", xTitle, "KL", rows, x, kl, false);
            if (b != null) charts.add(b);
            if (charts.isEmpty()) {
                throw new IllegalArgumentException("nothing to plot: the ELBO columns " + elbo + " and the KL columns "
                        + kl + " have no finite value");
            }
            List<BufferedImage> images = new ArrayList<>();
            for (XYChart c : charts) images.add(BitmapEncoder.getBufferedImage(c));
            return stack(images, true);
    }

        static BufferedImage scatterPanels(List<Panel> panels, boolean shareAxes) {
            Objects.requireNonNull(panels, "panels");
            if (panels.isEmpty()) throw new IllegalArgumentException("panels is empty");
            if (panels.size() > MAX_PANELS) {
                throw new IllegalArgumentException(panels.size() + " panels, more than " + MAX_PANELS);
            }
            double[] shared = shareAxes ? bounds(panels) : null;
            List<BufferedImage> images = new ArrayList<>();
            for (Panel p : panels) {
                Objects.requireNonNull(p, "panel");
                double[] r = shared != null ? shared : bounds(List.of(p));
                XYChart chart = new XYChartBuilder().width(SCATTER_PANEL_SIZE).height(SCATTER_PANEL_SIZE)
                        .title(p.title()).xAxisTitle("x1").yAxisTitle("x2").build();
                XYStyler st = chart.getStyler();
                style(st);
                st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                st.setLegendPosition(Styler.LegendPosition.OutsideS);
                st.setLegendLayout(Styler.LegendLayout.Horizontal);
                st.setMarkerSize(4);
                st.setXAxisMin(r[0]).setXAxisMax(r[1]).setYAxisMin(r[2]).setYAxisMax(r[3]);
                int k = 0;
                for (Series s : p.series()) {
                    double[][] xy = finitePoints(s.x, s.y);
                    Color c = PALETTE[k++ % PALETTE.length];
                    if (xy[0].length == 0) continue;
                    XYSeries xs = chart.addSeries(s.name(), xy[0], xy[1]);
                    xs.setMarker(SeriesMarkers.CIRCLE);
                    xs.setMarkerColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 120));
                }
                images.add(BitmapEncoder.getBufferedImage(chart));
            }
            return stack(images, false);
    }

        private static XYChart curveChart(String title, String xTitle, String yTitle, List<MetricsTable.Row> rows,
                                          double[] x, List<String> names, boolean robustLow) {
            XYChart chart = new XYChartBuilder().width(CURVE_WIDTH).height(CURVE_PANEL_HEIGHT).title(title)
                    .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
            XYStyler st = chart.getStyler();
            style(st);
            // Legend below, so both stacked panels have the same plot width and their x axes line up.
            st.setLegendPosition(Styler.LegendPosition.OutsideS);
            st.setLegendLayout(Styler.LegendLayout.Horizontal);
            st.setXAxisTickMarkSpacingHint(110);
            st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            st.setMarkerSize(6);
            double xMin = Arrays.stream(x).min().orElse(0);
            double xMax = Arrays.stream(x).max().orElse(0);
            double early = xMin + 0.1 * (xMax - xMin);
            double lo = Double.POSITIVE_INFINITY;
            double loAll = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            int k = 0;
            int drawn = 0;
            for (String name : names) {
                Color color = PALETTE[k++ % PALETTE.length];
                int col = rows.get(0).columns().indexOf(name);
                double[] y = new double[rows.size()];
                for (int i = 0; i < y.length; i++) y[i] = rows.get(i).value(col);
                double[][] xy = finitePoints(x, y);
                if (xy[0].length == 0) continue;
                for (int i = 0; i < xy[0].length; i++) {
                    double v = xy[1][i];
                    hi = Math.max(hi, v);
                    loAll = Math.min(loAll, v);
                    if (xy[0][i] >= early) lo = Math.min(lo, v);
                }
                XYSeries s = chart.addSeries(name, xy[0], xy[1]);
                s.setLineColor(color);
                s.setMarkerColor(color);
                s.setLineStyle(SeriesLines.SOLID);
                s.setMarker(xy[0].length <= MARKER_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
                drawn++;
            }
            if (drawn == 0) return null;
            // Cut off the first tenth of the x range only when it would take most of the y range.
            boolean cut = robustLow && lo != Double.POSITIVE_INFINITY && hi - loAll > 3 * (hi - lo);
            double low = cut ? lo : loAll;
            double pad = 0.05 * (hi - low);
            if (!(pad > 0)) pad = Math.max(1e-3, Math.abs(hi) * 0.05);
            st.setYAxisMin(low - pad).setYAxisMax(hi + pad);
            // Steps from near 0 start the axis at 0, so ticks fall on round numbers.
            double axisMin = xMin >= 0 && xMin <= 0.05 * xMax ? 0 : xMin;
            if (xMax > axisMin) st.setXAxisMin(axisMin).setXAxisMax(xMax);
            return chart;
        }

        private static void style(XYStyler st) {
            st.setChartBackgroundColor(Color.WHITE);
            st.setPlotBackgroundColor(Color.WHITE);
            st.setPlotBorderColor(new Color(0x999999));
            st.setPlotGridLinesColor(new Color(0xE0E0E0));
            st.setLegendBorderColor(new Color(0xCCCCCC));
            st.setChartTitleBoxVisible(false);
            st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            st.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            st.setSeriesColors(PALETTE);
            st.setAntiAlias(true);
        }
    }
}
