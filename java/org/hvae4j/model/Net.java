package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.nn.Linear;
import org.hvae4j.nn.Mlp;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/** A deterministic block followed by linear heads (distribution parameters), with one parameter role. */
final class Net {
    final Param.Role role;
    final Mlp mlp;
    final List<Linear> heads = new ArrayList<>();

    Net(Backend be, String name, Param.Role role, int[] ins, int[] widths, int[] headSizes, Activation act,
            boolean residual, SplittableRandom rng, List<Param> registry) {
        this.role = role;
        this.mlp = new Mlp(be, name, role, ins, widths, act, residual, rng, registry);
        for (int i = 0; i < headSizes.length; i++) {
            heads.add(Linear.create(be, name + ".head" + i, role, mlp.outputWidths(), headSizes[i], rng, registry));
        }
    }

    int[] featureWidths() {
        return mlp.outputWidths();
    }

    /** Forward outputs: the block's trace, its features and the head outputs. */
    record Out(Mlp.Trace trace, List<Tensor> features, List<Tensor> heads) {}

    Out forward(List<Tensor> inputs) {
        Mlp.Trace t = mlp.forward(inputs);
        List<Tensor> feats = t.output();
        List<Tensor> hs = new ArrayList<>();
        for (Linear h : heads) {
            hs.add(h.forward(feats));
        }
        return new Out(t, feats, hs);
    }

    /**
     * Back-propagates head gradients (null entries: no gradient) plus {@code extraFeatureGrads} (gradients arriving
     * at the features from elsewhere; null entries allowed) and returns input gradients where needed.
     */
    List<Tensor> backward(Out o, List<Tensor> dHeads, List<Tensor> extraFeatureGrads, boolean paramGrads,
            boolean[] needInput) {
        Backend be = o.features().get(0).backend();
        List<Tensor> feats = o.features();
        List<Tensor> dFeat = new ArrayList<>();
        for (int i = 0; i < feats.size(); i++) {
            Tensor extra = extraFeatureGrads == null ? null : extraFeatureGrads.get(i);
            Tensor d = be.empty(feats.get(i).rows(), feats.get(i).cols());
            if (extra != null) {
                be.copy(extra, d);
            } else {
                be.fill(d, 0f);
            }
            dFeat.add(d);
        }
        for (int h = 0; h < heads.size(); h++) {
            if (dHeads.get(h) != null) {
                heads.get(h).backward(feats, dHeads.get(h), paramGrads, dFeat, true);
            }
        }
        if (o.trace().output() == o.trace().inputsView()) {
            // no hidden layers: the features are the inputs
            List<Tensor> r = new ArrayList<>();
            for (int i = 0; i < dFeat.size(); i++) {
                r.add(needInput[i] ? dFeat.get(i) : null);
            }
            return r;
        }
        return mlp.backward(o.trace(), dFeat.get(0), paramGrads, needInput);
    }

}
