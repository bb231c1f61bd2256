package org.hvae4j.model;

import java.util.List;
import org.hvae4j.nn.CellContext;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Tensor;

/**
 * q(z1|x) q(z2|z1) … as in the IWAE paper: encoder l maps what lies below (x, or z_{l−1}) through the cell below layer
 * l to its posterior. The top layer's KL is analytic; the others' are Monte-Carlo (log q − log p), because their
 * prior's parent is sampled after them.
 */
final class BottomUpInference extends InferenceScheme {
    private Net[] enc;

    @Override
    void buildUpward(Hvae m, CellContext ctx, int l) {
        if (enc == null) {
            enc = new Net[m.depth];
        }
        int c = m.spec.conditioningDim();
        int[] ins = m.withC(l == 0 ? m.spec.inputDim() : m.lat[l - 1].size(), c);
        enc[l] = new Net(ctx, "enc" + (l + 1), Param.Role.INFERENCE, m.cellBelow(l), ins, m.headSizes(l));
    }

    @Override
    List<Tensor> localInputs(Hvae m, Pass ps, int l) {
        return l == 0 ? ps.up[0].heads() : List.of();
    }

    @Override
    void forward(Hvae m, Pass ps) {
        for (int l = 0; l < m.depth; l++) {
            if (l == 0 && ps.local != null) {
                ps.q[0] = m.repeatAll(ps.local.values(0), ps.k);
            } else {
                List<Tensor> in = l == 0 ? m.withC(ps.x, ps.c) : m.withC(ps.z[l - 1].z(), ps.cK);
                ps.up[l] = enc[l].forward(in);
                ps.q[l] = l == 0 ? m.repeatAll(ps.up[l].heads(), ps.k) : ps.up[l].heads();
            }
            ps.analyticKl[l] = l == m.depth - 1;
            if (m.prior[l] == null) {
                m.sampleLayer(ps, l);  // the fixed prior: z, KL, log q and log p at once
            } else {
                m.sampleZ(ps, l);  // z only: its prior's parent is not sampled yet
            }
        }
        for (int l = m.depth - 1; l >= 0; l--) {  // from the top down: a top-down state runs that way
            if (m.prior[l] != null) {
                m.priorForward(ps, l);
                m.scoreLayer(ps, l);
            }
        }
    }

    @Override
    void backward(Hvae m, Pass ps, Weights w, Tensor[] dz, boolean gen, boolean inf) {
        // Prior parameters' gradients do not depend on dz: take them first, and with them the prior nets'
        // gradients into the layer above.
        for (int l = 0; l < m.depth; l++) {
            if (m.prior[l] == null) {
                continue;
            }
            Hvae.LayerGrads g = m.latentBackward(ps, l, null, w, false, true);
            Tensor dAbove = m.priorBackward(ps, l, g.dp(), null, gen);
            if (dAbove != null) {
                m.addInto(dz[l + 1], dAbove);
            }
        }
        // Then top-down: each layer's dz is complete once the encoder above it has passed its input gradient down.
        for (int l = m.depth - 1; l >= 0; l--) {
            Hvae.LayerGrads g = m.latentBackward(ps, l, dz[l], w, true, false);  // dp was taken above
            List<Tensor> dq = l == 0 ? m.sumRepeats(g.dq(), ps.k) : g.dq();
            if (l == 0 && ps.local != null) {
                ps.local.accumulate(0, dq);
                continue;
            }
            List<Tensor> dIn = enc[l].backward(ps.up[l], dq, null, inf, Hvae.need(m.inputs(ps), l > 0));
            if (l > 0) {
                m.addInto(dz[l - 1], dIn.get(0));
            }
        }
    }
}
