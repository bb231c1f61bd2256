package org.hvae4j.tensor;

/**
 * Direct-loop float64 convolutions in {@link Conv2d}'s layouts (NCHW images, OIHW weights with the input channels of
 * each group): the reference the backends' convolutions are checked against. The two backward passes are the
 * adjoints of the forward loop, written out; {@code ConvolutionTest} checks them against central differences.
 */
public final class ConvReference {
    private ConvReference() {}

    /** y = conv(x, w) + b (b may be null). */
    public static double[] forward(Conv2d g, int n, double[] x, double[] w, double[] b) {
        double[] y = new double[n * g.outSize()];
        int hw = g.outHeight() * g.outWidth();
        for (int i = 0; i < y.length && b != null; i++) {
            y[i] = b[(i / hw) % g.outChannels()];
        }
        visit(g, n, (im, o, c, r, col, wIndex, yIndex) -> y[yIndex] += x[xi(g, im, c, r, col)] * w[wIndex]);
        return y;
    }

    /** dx of Σ dy·y. */
    public static double[] backwardData(Conv2d g, int n, double[] dy, double[] w) {
        double[] dx = new double[n * g.inSize()];
        visit(g, n, (im, o, c0c, r, col, wIndex, yIndex) -> dx[xi(g, im, c0c, r, col)] += dy[yIndex] * w[wIndex]);
        return dx;
    }

    /** dw of Σ dy·y. */
    public static double[] backwardWeights(Conv2d g, int n, double[] x, double[] dy) {
        double[] dw = new double[g.weightCount()];
        visit(g, n, (im, o, c0c, r, col, wIndex, yIndex) -> dw[wIndex] += dy[yIndex] * x[xi(g, im, c0c, r, col)]);
        return dw;
    }

    /** db of Σ dy·y: dy summed over the images and positions of each output channel. */
    public static double[] backwardBias(Conv2d g, int n, double[] dy) {
        double[] db = new double[g.outChannels()];
        int hw = g.outHeight() * g.outWidth();
        for (int im = 0; im < n; im++) {
            for (int o = 0; o < g.outChannels(); o++) {
                for (int k = 0; k < hw; k++) {
                    db[o] += dy[(im * g.outChannels() + o) * hw + k];
                }
            }
        }
        return db;
    }

    private interface Term {
        void add(int im, int o, int c, int r, int col, int wIndex, int yIndex);
    }

    /** Every (input, weight, output) product of the forward loop. */
    private static void visit(Conv2d g, int n, Term t) {
        int oh = g.outHeight(), ow = g.outWidth();
        int cinG = g.inChannels() / g.groups(), coutG = g.outChannels() / g.groups();
        for (int im = 0; im < n; im++) {
            for (int o = 0; o < g.outChannels(); o++) {
                int c0 = (o / coutG) * cinG;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        int yIndex = ((im * g.outChannels() + o) * oh + i) * ow + j;
                        for (int c = 0; c < cinG; c++) {
                            for (int p = 0; p < g.kernelH(); p++) {
                                int r = i * g.stride() - g.padding() + p;
                                if (r < 0 || r >= g.height()) {
                                    continue;
                                }
                                for (int q = 0; q < g.kernelW(); q++) {
                                    int col = j * g.stride() - g.padding() + q;
                                    if (col >= 0 && col < g.width()) {
                                        t.add(im, o, c0 + c, r, col, wi(g, o, c, p, q), yIndex);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int xi(Conv2d g, int im, int c, int r, int col) {
        return ((im * g.inChannels() + c) * g.height() + r) * g.width() + col;
    }

    private static int wi(Conv2d g, int o, int c, int p, int q) {
        return ((o * (g.inChannels() / g.groups()) + c) * g.kernelH() + p) * g.kernelW() + q;
    }
}
