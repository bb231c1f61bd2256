package org.hvae4j.model;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.nn.Cell;
import org.hvae4j.nn.CellContext;
import org.hvae4j.nn.CellSpec;
import org.hvae4j.nn.Head;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A cell followed by heads (linear layers, or convolutions over image features: the cell spec's choice), one per
 * parameter tensor of the distribution it predicts (a posterior, a prior,
 * the decoder's likelihood), with one parameter role. Its features are the cell's outputs.
 */
final class Net {
    final Param.Role role;
    final Cell cell;
    final List<Head> heads = new ArrayList<>();

    Net(CellContext ctx, String name, Param.Role role, CellSpec spec, int[] ins, int[] headSizes) {
        this.role = role;
        this.cell = spec.create(ctx, name, role, ins);
        for (int i = 0; i < headSizes.length; i++) {
            heads.add(spec.head(ctx, name + ".head" + i, role, cell.outputWidths(), headSizes[i]));
        }
    }

    int[] featureWidths() {
        return cell.outputWidths();
    }

    /** Forward outputs: the cell's trace, its features and the head outputs. */
    record Out(Cell.Trace trace, List<Tensor> features, List<Tensor> heads) {}

    Out forward(List<Tensor> inputs) {
        Cell.Trace t = cell.forward(inputs);
        List<Tensor> feats = t.outputs();
        List<Tensor> hs = new ArrayList<>();
        for (Head h : heads) {
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
        List<Tensor> feats = o.features();
        Backend be = feats.get(0).backend();
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
        return cell.backward(o.trace(), dFeat, paramGrads, needInput);
    }

    /** The gradients of the features through the heads alone (batch rows), accumulating head parameter grads. */
    List<Tensor> headsToFeatures(Out o, List<Tensor> dHeads, boolean paramGrads) {
        List<Tensor> feats = o.features();
        Backend be = feats.get(0).backend();
        List<Tensor> dFeat = new ArrayList<>();
        for (Tensor f : feats) {
            dFeat.add(be.zeros(f.rows(), f.cols()));
        }
        for (int h = 0; h < dHeads.size(); h++) {
            heads.get(h).backward(feats, dHeads.get(h), paramGrads, dFeat, true);
        }
        return dFeat;
    }
}
