package org.hvae4j.model;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * The Ladder VAE's inference (Sønderby et al. 2016): every upward cell has heads giving a bottom-up Gaussian estimate
 * of its layer, and each posterior below the top is the precision-weighted merge of that estimate with the layer's
 * prior. Gaussian latents only.
 */
final class LadderInference extends TopDownInference {
    @Override
    int[] upwardHeads(Hvae m, int l) {
        return m.headSizes(l);
    }

    @Override
    List<Tensor> localInputs(Hvae m, Pass ps, int l) {
        return ps.up[l].heads();  // the bottom-up estimate (the top one is the top posterior)
    }

    @Override
    void posterior(Hvae m, Pass ps, int l) {
        Backend be = m.be;
        ps.aux[l] = m.repeatAll(upward(m, ps, l), ps.k);  // the bottom-up estimate, per row
        Tensor mq = be.empty(ps.rows, m.lat[l].size()), lvq = be.empty(ps.rows, m.lat[l].size());
        be.kernels().precisionMerge(mq.numel(), ps.aux[l].get(0).address(), ps.aux[l].get(1).address(),
                ps.p[l].get(0).address(), ps.p[l].get(1).address(), mq.address(), lvq.address());
        ps.q[l] = List.of(mq, lvq);
    }

    @Override
    List<Tensor> posteriorBackward(Hvae m, Pass ps, int l, Hvae.LayerGrads g, List<Tensor> dUp, boolean inf) {
        Backend be = m.be;
        int n = ps.rows, size = m.lat[l].size();
        Tensor dmh = be.empty(n, size), dlvh = be.empty(n, size), dmp = be.empty(n, size), dlvp = be.empty(n, size);
        be.kernels().precisionMergeBackward(dmh.numel(), ps.aux[l].get(0).address(), ps.aux[l].get(1).address(),
                ps.p[l].get(0).address(), ps.p[l].get(1).address(), g.dq().get(0).address(), g.dq().get(1).address(),
                dmh.address(), dlvh.address(), dmp.address(), dlvp.address());
        m.addInto(g.dp().get(0), dmp);
        m.addInto(g.dp().get(1), dlvp);
        upwardBackward(m, ps, l, m.sumRepeats(List.of(dmh, dlvh), ps.k), true, dUp, inf);
        return null;
    }
}
