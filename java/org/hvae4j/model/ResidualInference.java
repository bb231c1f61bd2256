package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hvae4j.latent.LatentLayer;
import org.hvae4j.nn.CellContext;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Tensor;

/**
 * NVAE's residual posterior (Vahdat and Kautz 2020): below the top, a posterior network reads the upward features and
 * the prior network's features and gives the posterior as a residual on the prior (μq = μp + Δμ, log σq² = log σp² +
 * Δ; Bernoulli logits lq = lp + Δ). Only the top upward cell has heads.
 */
final class ResidualInference extends TopDownInference {
    private Net[] post;

    @Override
    LatentLayer layer(int l, int depth, LatentLayer described) {
        return l < depth - 1 ? described.residual() : described;
    }

    @Override
    int[] upwardHeads(Hvae m, int l) {
        return l == m.depth - 1 ? m.headSizes(l) : new int[0];
    }

    @Override
    void buildPosterior(Hvae m, CellContext ctx, int l) {
        if (post == null) {
            post = new Net[m.depth];
        }
        int[] upW = up[l].featureWidths();
        int[] prW = m.prior[l].featureWidths();
        int[] both = Arrays.copyOf(upW, upW.length + prW.length);
        System.arraycopy(prW, 0, both, upW.length, prW.length);
        post[l] = new Net(ctx, "post" + (l + 1), Param.Role.INFERENCE, m.cellBelow(l).combiner(), both,
                m.headSizes(l));
    }

    @Override
    List<Tensor> localInputs(Hvae m, Pass ps, int l) {
        return l == m.depth - 1 ? ps.up[l].heads() : ps.up[l].features();
    }

    @Override
    void posterior(Hvae m, Pass ps, int l) {
        ps.aux[l] = m.repeatAll(upward(m, ps, l), ps.k);  // the upward features, per row
        List<Tensor> in = new ArrayList<>(ps.aux[l]);
        in.addAll(ps.prior[l].features());
        ps.post[l] = post[l].forward(in);
        ps.q[l] = m.layers[l].posteriorInputs(ps.post[l].heads(), ps.p[l]);
    }

    @Override
    List<Tensor> posteriorBackward(Hvae m, Pass ps, int l, Hvae.LayerGrads g, List<Tensor> dUp, boolean inf) {
        List<Tensor> dDelta = m.layers[l].headGradients(g.dq(), g.dp());
        int nUp = ps.aux[l].size();
        boolean[] needAll = new boolean[nUp + ps.prior[l].features().size()];
        Arrays.fill(needAll, true);
        List<Tensor> dPostIn = post[l].backward(ps.post[l], dDelta, null, inf, needAll);
        upwardBackward(m, ps, l, m.sumRepeats(dPostIn.subList(0, nUp), ps.k), false, dUp, inf);
        return dPostIn.subList(nUp, dPostIn.size());
    }
}
