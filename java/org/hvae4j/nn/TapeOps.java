package org.hvae4j.nn;

import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/** The operations convolutional cells are made of, each recording its backward step on a {@link Tape}. */
final class TapeOps {
    private TapeOps() {}

    /** y = f(x). */
    static Tensor activation(Tape tape, Activation f, Tensor x) {
        Backend be = tape.backend();
        Tensor y = be.empty(x.shape().dims());
        be.activation(f, x, y);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy != null) {
                tape.accumulate(x, dx -> be.activationBackward(f, x, y, dy, dx));
            }
        });
        return y;
    }

    /** y = a + s·b (same sizes). */
    static Tensor addScaled(Tape tape, Tensor a, Tensor b, float s) {
        Backend be = tape.backend();
        Tensor y = be.empty(a.shape().dims());
        be.copy(a, y);
        be.axpby(s, b.reshape(a.shape().dims()), 1f, y);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy != null) {
                tape.accumulate(a, dy, 1f);
                tape.accumulate(b, dy, s);
            }
        });
        return y;
    }

    /** Planes of h × w upsampled by {@code factor} (nearest); y is [n, C·(h·f)·(w·f)]. */
    static Tensor upsample(Tape tape, Tensor x, int h, int w, int factor) {
        Backend be = tape.backend();
        int n = x.shape().dim(0);
        Tensor y = be.empty(n, (int) (x.numel() / n) * factor * factor);
        be.upsampleNearest(x, h, w, factor, y);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy != null) {
                tape.accumulate(x, dx -> be.upsampleNearestBackward(dy, h, w, factor, dx));
            }
        });
        return y;
    }

    /** y = img + v broadcast over the positions: img is [n, C·hw], v is [n, C] (a vector input made channels). */
    static Tensor addChannelBias(Tape tape, Tensor img, Tensor v, int channels, int hw) {
        Backend be = tape.backend();
        int n = img.shape().dim(0);
        Tensor y = be.empty(n, channels * hw);
        be.copy(img, y);
        Tensor ones = be.full(1f, 1, hw);
        be.matmul(v.reshape(n * channels, 1), false, ones, false, y.reshape(n * channels, hw), 1f, 1f);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy != null) {
                tape.accumulate(img, dy, 1f);
                tape.accumulate(v, dv -> be.sumCols(dy.reshape(n * channels, hw), dv.reshape(n * channels), 1f, 0f));
            }
        });
        return y;
    }

    /** y = lin(x). */
    static Tensor linear(Tape tape, Linear lin, Tensor x) {
        return linear(tape, lin, java.util.List.of(x));
    }

    /** y = lin(xs) (one weight per input). */
    static Tensor linear(Tape tape, Linear lin, java.util.List<Tensor> xs) {
        Tensor y = lin.forward(xs);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy == null) {
                return;
            }
            if (tape.paramGrads()) {
                lin.backward(xs, dy, true, null, false);
            }
            for (int i = 0; i < xs.size(); i++) {
                int at = i;
                tape.accumulate(xs.get(i), dx -> {
                    java.util.List<Tensor> only = new java.util.ArrayList<>(java.util.Collections.nCopies(xs.size(),
                            (Tensor) null));
                    only.set(at, dx);
                    lin.backward(xs, dy, false, only, false);
                });
            }
        });
        return y;
    }

    /**
     * Squeeze-and-excitation (Hu et al. 2018, as in NVAE's cells): each image's channels are averaged over the
     * positions, passed through {@code down} (to a few units), ReLU, {@code up} (back to the channels) and a sigmoid,
     * and the result scales the channels of s.
     */
    static Tensor squeezeExcite(Tape tape, Tensor s, int channels, int hw, Linear down, Linear up) {
        Backend be = tape.backend();
        int n = s.shape().dim(0);
        Tensor planes = s.reshape(n * channels, hw);
        Tensor mean = be.empty(n, channels);
        be.sumCols(planes, mean.reshape(n * channels), 1f / hw, 0f);
        tape.record(() -> {
            Tensor dm = tape.grad(mean);
            if (dm != null) {
                Tensor ones = be.full(1f, 1, hw);
                tape.accumulate(s, ds -> be.matmul(dm.reshape(n * channels, 1), false, ones, false,
                        ds.reshape(n * channels, hw), 1f / hw, 0f));
            }
        });
        Tensor hidden = activation(tape, Activation.RELU, linear(tape, down, mean));
        Tensor gate = activation(tape, Activation.SIGMOID, linear(tape, up, hidden));
        Tensor y = be.empty(n, channels * hw);
        be.scaleRows(planes, gate.reshape(n * channels), y.reshape(n * channels, hw));
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy == null) {
                return;
            }
            Tensor dyPlanes = dy.reshape(n * channels, hw);
            tape.accumulate(gate, dg -> be.rowDot(dyPlanes, planes, 0f, dg.reshape(n * channels)));
            tape.accumulate(s, ds -> be.scaleRows(dyPlanes, gate.reshape(n * channels), ds.reshape(n * channels, hw)));
        });
        return y;
    }
}
