package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Conv2d;
import org.hvae4j.tensor.Tensor;

/**
 * A distribution's parameters from image features: a weight-normalized 3 × 3 convolution (padding 1) from the
 * features' channels to out / (H·W) channels at the features' resolution, as NVAE's samplers compute a group's
 * parameters. The weights are normalized again in the backward pass (a head keeps nothing between its calls).
 */
final class ConvHead implements Head {
    private final ConvLayer conv;
    private final int out;

    ConvHead(CellContext ctx, String name, Param.Role role, int[] featureWidths, int h, int w, int out) {
        int plane = h * w;
        if (out % plane != 0) {
            throw new IllegalArgumentException(name + ": " + out + " values do not make whole " + h + "x" + w
                    + " channels (a spatial latent group or the observed image must be C x " + h + " x " + w + ")");
        }
        Conv2d[] g = new Conv2d[featureWidths.length];
        for (int i = 0; i < featureWidths.length; i++) {
            if (featureWidths[i] % plane != 0) {
                throw new IllegalArgumentException(name + ": features of " + featureWidths[i] + " values are not "
                        + h + "x" + w + " images");
            }
            g[i] = Conv2d.of(featureWidths[i] / plane, h, w, out / plane, 3, 1, 1);
        }
        this.conv = ConvLayer.create(ctx, name, role, true, g);
        this.out = out;
    }

    @Override
    public int out() {
        return out;
    }

    @Override
    public Tensor forward(List<Tensor> features) {
        Backend be = features.get(0).backend();
        return conv.apply(be, features, conv.weights(be));
    }

    @Override
    public void backward(List<Tensor> features, Tensor dy, boolean paramGrads, List<Tensor> dFeatures,
            boolean accumulate) {
        Backend be = dy.backend();
        ConvLayer.Weights nw = conv.weights(be);
        if (paramGrads) {
            conv.paramBackward(be, features, dy, nw);
        }
        if (dFeatures == null) {
            return;
        }
        for (int i = 0; i < dFeatures.size(); i++) {
            Tensor d = dFeatures.get(i);
            if (d == null) {
                continue;
            }
            if (accumulate) {
                Tensor tmp = be.empty(d.shape().dims());
                conv.dataBackward(be, i, dy, nw, tmp);
                be.axpby(1f, tmp, 1f, d);
            } else {
                conv.dataBackward(be, i, dy, nw, d);
            }
        }
    }
}
