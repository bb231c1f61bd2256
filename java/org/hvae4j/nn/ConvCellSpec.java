package org.hvae4j.nn;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An NVAE-style convolutional block (Vahdat and Kautz 2020) between two latent groups, or between the lowest group
 * and x, described in the direction of the inference network's upward path: its inputs are images of
 * {@code height} × {@code width} (each input's channels are its width divided by height·width; an input whose width
 * is not a multiple of that, such as a conditioning vector, becomes a per-channel bias), combined into
 * {@code channels} channels by weight-normalized 1 × 1 convolutions, optionally resampled by 2 (a stride-2 3 × 3
 * convolution down, nearest upsampling and a 3 × 3 convolution up), then {@code cells} residual cells
 * s ← s + 0.1·SE(branch(s)):
 * <ul>
 * <li>encoder cells (the upward path): act → conv 3×3 → act → conv 3×3;
 * <li>decoder cells (the generative path): conv 1×1 to {@code expand}·channels → act → depthwise conv 5×5 → act →
 *     conv 1×1 back;
 * </ul>
 * with squeeze-and-excitation (SE) on each branch, the model's activation (NVAE's Swish is {@code silu}) and weight
 * normalization on every convolution. {@link Norm#BATCH} adds batch normalization before every activation of the
 * residual branches, where NVAE has it (NVAE's decoder cells also normalize before their first and after their last
 * convolution; these do not): {@link BatchNorm}, batch statistics in training passes, running statistics in every
 * other pass. {@link Norm#WEIGHT}, the default, has weight normalization alone, so that every pass computes each
 * example on its own (docs/RESULTS.md has the two measured). {@link #mirrored()} is the generative twin: it reads
 * images at this block's output resolution, resamples the other way and uses decoder cells. Its output features are
 * {@code channels} × out-height × out-width.
 */
public final class ConvCellSpec implements CellSpec {
    /** How a block changes the resolution, in its own direction. */
    public enum Resample { NONE, DOWN, UP }

    /** The residual cells' kind. */
    public enum Style { ENCODER, DECODER }

    /** The normalization of the residual branches: weight normalization alone, or with batch normalization. */
    public enum Norm { WEIGHT, BATCH }

    private final int height;
    private final int width;
    private final int channels;
    private final int cells;
    private final Resample resample;
    private final Style style;
    private final int expand;
    private final Norm norm;

    public ConvCellSpec(int height, int width, int channels, int cells, Resample resample, Style style, int expand) {
        this(height, width, channels, cells, resample, style, expand, Norm.WEIGHT);
    }

    public ConvCellSpec(int height, int width, int channels, int cells, Resample resample, Style style, int expand,
            Norm norm) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("a convolutional block's input must be at least 1x1, got " + height + "x"
                    + width);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("a convolutional block needs channels > 0, got " + channels);
        }
        if (cells < 0) {
            throw new IllegalArgumentException("a convolutional block's residual cells must be >= 0, got " + cells);
        }
        if (expand <= 0) {
            throw new IllegalArgumentException("the decoder cells' expansion must be > 0, got " + expand);
        }
        if (resample == null || style == null || norm == null) {
            throw new IllegalArgumentException("resample, style and norm must not be null");
        }
        if (resample == Resample.DOWN && (height % 2 != 0 || width % 2 != 0)) {
            throw new IllegalArgumentException("a block that halves its input's resolution needs an even height and "
                    + "width, got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.cells = cells;
        this.resample = resample;
        this.style = style;
        this.expand = expand;
        this.norm = norm;
    }

    /** An upward (encoder) block over height × width inputs, halving the resolution when {@code down}. */
    public static ConvCellSpec encoder(int height, int width, int channels, int cells, boolean down) {
        return new ConvCellSpec(height, width, channels, cells, down ? Resample.DOWN : Resample.NONE, Style.ENCODER,
                6);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int channels() {
        return channels;
    }

    public int cells() {
        return cells;
    }

    public Resample resample() {
        return resample;
    }

    public Style style() {
        return style;
    }

    public int expand() {
        return expand;
    }

    public Norm norm() {
        return norm;
    }

    /** The resolution of the features: the input's, halved (DOWN) or doubled (UP). */
    public int outHeight() {
        return resample == Resample.DOWN ? height / 2 : resample == Resample.UP ? height * 2 : height;
    }

    public int outWidth() {
        return resample == Resample.DOWN ? width / 2 : resample == Resample.UP ? width * 2 : width;
    }

    /** The same block with the decoder cells' expansion factor {@code e}. */
    public ConvCellSpec withExpand(int e) {
        return new ConvCellSpec(height, width, channels, cells, resample, style, e, norm);
    }

    /** The same block with normalization {@code n}. */
    public ConvCellSpec withNorm(Norm n) {
        return new ConvCellSpec(height, width, channels, cells, resample, style, expand, n);
    }

    @Override
    public Cell create(CellContext ctx, String name, Param.Role role, int[] inputWidths) {
        return new ConvCell(ctx, name, role, inputWidths, this);
    }

    @Override
    public ConvCellSpec mirrored() {
        Resample back = resample == Resample.DOWN ? Resample.UP : resample == Resample.UP ? Resample.DOWN
                : Resample.NONE;
        return new ConvCellSpec(outHeight(), outWidth(), channels, cells, back,
                style == Style.ENCODER ? Style.DECODER : Style.ENCODER, expand, norm);
    }

    /** A head over this block's features: a weight-normalized 3 × 3 convolution to out / (H·W) channels. */
    @Override
    public Head head(CellContext ctx, String name, Param.Role role, int[] featureWidths, int out) {
        return new ConvHead(ctx, name, role, featureWidths, outHeight(), outWidth(), out);
    }

    /**
     * The block a posterior combines the upward features and the prior's features with: weight-normalized 1 × 1
     * convolutions of both into the channels at this block's output resolution, no residual cell (NVAE's encoder
     * combiner is one 1 × 1 convolution of the two concatenated).
     */
    @Override
    public CellSpec combiner() {
        return new ConvCellSpec(outHeight(), outWidth(), channels, 0, Resample.NONE, Style.ENCODER, expand, norm);
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "conv");
        m.put("height", height);
        m.put("width", width);
        m.put("channels", channels);
        m.put("cells", cells);
        m.put("resample", resample.name().toLowerCase(Locale.ROOT));
        m.put("style", style.name().toLowerCase(Locale.ROOT));
        m.put("expand", expand);
        if (norm != Norm.WEIGHT) {
            m.put("norm", norm.name().toLowerCase(Locale.ROOT));   // absent: weight (the form before norm existed)
        }
        return m;
    }

    /** Reads {@link #toMap}'s form back (configuration files, checkpoints), naming a missing or wrong field. */
    public static ConvCellSpec fromMap(Map<String, Object> m) {
        for (String key : m.keySet()) {
            if (!java.util.List.of("type", "height", "width", "channels", "cells", "resample", "style", "expand", "norm")
                    .contains(key)) {
                throw new IllegalArgumentException("unknown field '" + key + "' in a conv cell (expected height, width, "
                        + "channels, cells, resample, style, expand, norm)");
            }
        }
        return new ConvCellSpec(intField(m, "height"), intField(m, "width"), intField(m, "channels"),
                intField(m, "cells"), enumField(m, "resample", Resample.class, Resample.NONE),
                enumField(m, "style", Style.class, Style.ENCODER), m.containsKey("expand") ? intField(m, "expand") : 6,
                enumField(m, "norm", Norm.class, Norm.WEIGHT));
    }

    private static int intField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
                || Math.abs(n.doubleValue()) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("conv cell field '" + key + "' must be an integer, got " + v);
        }
        return n.intValue();
    }

    private static <E extends Enum<E>> E enumField(Map<String, Object> m, String key, Class<E> type, E fallback) {
        Object v = m.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, String.valueOf(v).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("conv cell field '" + key + "' must be one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT) + ", got '" + v + "'");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvCellSpec s && s.height == height && s.width == width && s.channels == channels
                && s.cells == cells && s.resample == resample && s.style == style && s.expand == expand
                && s.norm == norm;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(height, width, channels, cells, resample, style, expand, norm);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "conv[%dx%d -> %dx%dx%d, %d %s cells%s%s]", height, width, channels,
                outHeight(), outWidth(), cells, style.name().toLowerCase(Locale.ROOT),
                resample == Resample.NONE ? "" : ", " + resample.name().toLowerCase(Locale.ROOT),
                norm == Norm.BATCH ? ", batch norm" : "");
    }
}
