package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Conv2d;
import org.hvae4j.tensor.Tensor;

/**
 * A 2-D convolution over one or more image inputs of the same output size, y = Σ_i conv(x_i, w_i) + b, with weight
 * normalization (Salimans and Kingma 2016, as NVAE uses on every convolution) or plain weights. With weight
 * normalization each w_i = g_i · v_i / ‖v_i‖ per output channel: the parameters are the direction v_i (".v"), the
 * gain g_i (".g", initialized to ‖v_i‖, so that w_i = v_i at the start) and the bias. Weights are drawn as PyTorch's
 * Conv2d draws them (uniform ±1/√fan-in). Runs on a {@link Tape}.
 */
public final class ConvLayer {
    private final Conv2d[] geometry;
    private final boolean weightNorm;
    private final List<Param> v = new ArrayList<>();
    private final List<Param> gain = new ArrayList<>();
    private final Param bias;

    private ConvLayer(CellContext ctx, String name, Param.Role role, Conv2d[] perInput, boolean weightNorm) {
        if (perInput.length == 0) {
            throw new IllegalArgumentException(name + ": a convolution needs at least one input");
        }
        for (Conv2d g : perInput) {
            if (g.outChannels() != perInput[0].outChannels() || g.outHeight() != perInput[0].outHeight()
                    || g.outWidth() != perInput[0].outWidth()) {
                throw new IllegalArgumentException(name + ": the convolutions of its inputs must give one output size, "
                        + "got " + g + " and " + perInput[0]);
            }
        }
        this.geometry = perInput.clone();
        this.weightNorm = weightNorm;
        int outC = perInput[0].outChannels();
        long fanIn = 0;
        for (Conv2d g : perInput) {
            fanIn += (long) g.weightCount() / outC;
        }
        if (ctx.planning()) {
            for (int i = 0; i < perInput.length; i++) {
                int[] s = perInput[i].weightShape();
                ctx.plan().add(name + ".v" + i, s[0], s[1], s[2], s[3]);
                if (weightNorm) {
                    ctx.plan().add(name + ".g" + i, outC);
                }
            }
            ctx.plan().add(name + ".b", outC);
            this.bias = null;
            return;
        }
        Backend be = ctx.backend();
        SplittableRandom rng = ctx.rng();
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < perInput.length; i++) {
            Conv2d g = perInput[i];
            float[] w = uniform(rng, g.weightCount(), bound);
            Param pv = new Param(name + ".v" + i, role, be.fromArray(w, g.weightShape()));
            ctx.registry().add(pv);
            v.add(pv);
            if (weightNorm) {
                int per = g.weightCount() / outC;
                float[] norms = new float[outC];
                for (int o = 0; o < outC; o++) {
                    double ss = 0;
                    for (int k = 0; k < per; k++) {
                        ss += (double) w[o * per + k] * w[o * per + k];
                    }
                    norms[o] = (float) Math.sqrt(ss);
                }
                Param pg = new Param(name + ".g" + i, role, be.fromArray(norms, outC));
                ctx.registry().add(pg);
                gain.add(pg);
            }
        }
        this.bias = new Param(name + ".b", role, be.fromArray(uniform(rng, outC, bound), outC));
        ctx.registry().add(bias);
    }

    /** A layer whose parameters are made in (or planned by) {@code ctx}: one geometry per input. */
    public static ConvLayer create(CellContext ctx, String name, Param.Role role, boolean weightNorm,
            Conv2d... perInput) {
        return new ConvLayer(ctx, name, role, perInput, weightNorm);
    }

    private static float[] uniform(SplittableRandom rng, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-bound, bound);
        }
        return a;
    }

    /** The output geometry (of the first input's convolution). */
    public Conv2d geometry() {
        return geometry[0];
    }

    /** The weights the convolutions use: normalized (with each output channel's norm of v), or v itself. */
    record Weights(List<Tensor> w, List<Tensor> norms) {}

    Weights weights(Backend be) {
        List<Tensor> w = new ArrayList<>();
        List<Tensor> norms = new ArrayList<>();
        int outC = geometry[0].outChannels();
        for (int i = 0; i < geometry.length; i++) {
            if (weightNorm) {
                Tensor wi = be.empty(geometry[i].weightShape());
                Tensor ni = be.empty(outC);
                be.weightNorm(v.get(i).value(), gain.get(i).value(), wi, ni);
                w.add(wi);
                norms.add(ni);
            } else {
                w.add(v.get(i).value());
            }
        }
        return new Weights(w, norms);
    }

    /** y = Σ_i conv(x_i, w_i) + b, a new [n, outChannels·outH·outW] tensor. */
    Tensor apply(Backend be, List<Tensor> xs, Weights nw) {
        if (xs.size() != geometry.length) {
            throw new IllegalArgumentException("convolution expects " + geometry.length + " inputs, got " + xs.size());
        }
        int n = xs.get(0).shape().dim(0);
        Tensor y = be.empty(n, geometry[0].outSize());
        be.conv2d(geometry[0], xs.get(0), nw.w().get(0), bias.value(), y);
        for (int i = 1; i < geometry.length; i++) {
            Tensor t = be.empty(n, geometry[i].outSize());
            be.conv2d(geometry[i], xs.get(i), nw.w().get(i), null, t);
            be.axpby(1f, t, 1f, y);
        }
        return y;
    }

    /** Accumulates the parameters' gradients from dy (through the weight normalization). */
    void paramBackward(Backend be, List<Tensor> xs, Tensor dy, Weights nw) {
        Tensor db = be.empty(geometry[0].outChannels());
        for (int i = 0; i < geometry.length; i++) {
            Tensor dw = be.empty(geometry[i].weightShape());
            be.conv2dBackwardWeights(geometry[i], xs.get(i), dy, dw, i == 0 ? db : null);
            if (weightNorm) {
                be.weightNormBackward(v.get(i).value(), gain.get(i).value(), nw.norms().get(i), dw, 1f,
                        v.get(i).grad(), gain.get(i).grad());
            } else {
                be.axpby(1f, dw, 1f, v.get(i).grad());
            }
        }
        be.axpby(1f, db, 1f, bias.grad());
    }

    /** dx = the gradient of input i from dy (overwritten). */
    void dataBackward(Backend be, int i, Tensor dy, Weights nw, Tensor dx) {
        be.conv2dBackwardData(geometry[i], dy, nw.w().get(i), dx);
    }

    /**
     * Sets the gains and the bias so that this layer's outputs on xs have mean 0 and variance 1 per output channel
     * (each input's gain divided by the channel's standard deviation σ, the bias b ← (b − μ)/σ, which maps y to
     * (y − μ)/σ); a channel whose outputs are constant on xs is left as it is. Weight-normalized layers only.
     */
    private void initializeFrom(Backend be, List<Tensor> xs) {
        int outC = geometry[0].outChannels();
        float[] mean, var;
        try (org.hvae4j.tensor.MemoryScope scope = org.hvae4j.tensor.MemoryScope.open()) {
            Tensor m = be.empty(outC), v = be.empty(outC);
            be.channelMoments(apply(be, xs, weights(be)), outC, m, v);
            mean = m.toArray();
            var = v.toArray();
        }
        float[] b = bias.value().toArray();
        float[] scale = new float[outC];
        for (int o = 0; o < outC; o++) {
            double sd = Math.sqrt(var[o]);
            if (!(sd > 1e-6 * Math.max(1, Math.abs(mean[o])))) {
                scale[o] = 1f;
                continue;
            }
            scale[o] = (float) (1 / sd);
            b[o] = (float) ((b[o] - mean[o]) / sd);
        }
        for (Param g : gain) {
            float[] gv = g.value().toArray();
            for (int o = 0; o < outC; o++) {
                gv[o] *= scale[o];
            }
            be.copyFrom(gv, g.value());
        }
        be.copyFrom(b, bias.value());
        DataInit.counted();
    }

    /** y = Σ_i conv(x_i, w_i) + b on the tape. */
    Tensor forward(Tape tape, List<Tensor> xs) {
        Backend be = tape.backend();
        if (weightNorm && DataInit.active()) {
            initializeFrom(be, xs);
        }
        Weights nw = weights(be);
        Tensor y = apply(be, xs, nw);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy == null) {
                return;
            }
            if (tape.paramGrads()) {
                paramBackward(be, xs, dy, nw);
            }
            for (int i = 0; i < geometry.length; i++) {
                int input = i;
                tape.accumulate(xs.get(i), dx -> dataBackward(be, input, dy, nw, dx));
            }
        });
        return y;
    }
}
