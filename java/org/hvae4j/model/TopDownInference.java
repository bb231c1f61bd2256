package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hvae4j.nn.CellContext;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Tensor;

/**
 * Top-down inference in the prior's order, q(z_L|x) … q(z_1|z_2, x): a deterministic upward path (cell l maps x, or
 * the features of cell l − 1, to its features) whose top cell gives the top posterior; then, from the top down, each
 * layer's prior is computed from the layer above and its posterior combines the upward features with it, the way the
 * subclass says ({@link LadderInference}, {@link ResidualInference}). Every KL is analytic given its parents.
 */
abstract class TopDownInference extends InferenceScheme {
    Net[] up;

    /** The head sizes of upward cell l (the top one always parameterizes the top posterior). */
    abstract int[] upwardHeads(Hvae m, int l);

    /** Layer l's posterior (below the top), from the upward features and its prior, into ps.q[l]. */
    abstract void posterior(Hvae m, Pass ps, int l);

    /**
     * The backward pass of layer l's posterior (below the top) from its latent operation's gradients: folds the
     * prior's share into {@code g.dp()}, adds the upward features' gradients to {@code dUp}, and returns gradients
     * arriving at the prior network's features (null when none).
     */
    abstract List<Tensor> posteriorBackward(Hvae m, Pass ps, int l, Hvae.LayerGrads g, List<Tensor> dUp, boolean inf);

    @Override
    void buildUpward(Hvae m, CellContext ctx, int l) {
        if (up == null) {
            up = new Net[m.depth];
        }
        int[] ins = l == 0 ? m.withC(m.spec.inputDim(), m.spec.conditioningDim()) : up[l - 1].featureWidths();
        up[l] = new Net(ctx, "up" + (l + 1), Param.Role.INFERENCE, m.cellBelow(l), ins, upwardHeads(m, l));
    }

    /** What layer l's posterior reads from the upward path: the local posterior's tensors where the pass has one. */
    List<Tensor> upward(Hvae m, Pass ps, int l) {
        return ps.local != null ? ps.local.values(l) : localInputs(m, ps, l);
    }

    /**
     * Gradients (batch rows) of what layer l's posterior read from the upward path: into the local posterior where the
     * pass has one, else through the upward cell's heads ({@code viaHeads}) or straight into its features' gradients.
     */
    void upwardBackward(Hvae m, Pass ps, int l, List<Tensor> d, boolean viaHeads, List<Tensor> dUp, boolean inf) {
        if (ps.local != null) {
            ps.local.accumulate(l, d);
        } else if (viaHeads) {
            m.accumulate(dUp, up[l].headsToFeatures(ps.up[l], d, inf));
        } else {
            m.accumulate(dUp, d);
        }
    }

    @Override
    void forward(Hvae m, Pass ps) {
        if (ps.local == null) {
            for (int l = 0; l < m.depth; l++) {
                ps.up[l] = up[l].forward(l == 0 ? m.withC(ps.x, ps.c) : ps.up[l - 1].features());
            }
        }
        int top = m.depth - 1;
        ps.q[top] = m.repeatAll(upward(m, ps, top), ps.k);
        if (m.prior[top] != null) {
            m.priorForward(ps, top);
        }
        ps.analyticKl[top] = true;
        m.sampleLayer(ps, top);
        for (int l = m.depth - 2; l >= 0; l--) {
            m.priorForward(ps, l);
            posterior(m, ps, l);
            ps.analyticKl[l] = true;
            m.sampleLayer(ps, l);
        }
    }

    @Override
    void backward(Hvae m, Pass ps, Weights w, Tensor[] dz, boolean gen, boolean inf) {
        int top = m.depth - 1;
        List<List<Tensor>> dUp = new ArrayList<>();
        for (int l = 0; l < m.depth; l++) {
            List<Tensor> d = new ArrayList<>();
            if (ps.local == null) {
                for (Tensor f : ps.up[l].features()) {
                    d.add(m.zerosLike(f));
                }
            }
            dUp.add(d);
        }
        for (int l = 0; l < m.depth; l++) {
            Hvae.LayerGrads g = m.latentBackward(ps, l, dz[l], w, true, true);
            List<Tensor> extraPriorFeatures = null;
            if (l == top) {
                upwardBackward(m, ps, l, m.sumRepeats(g.dq(), ps.k), true, dUp.get(l), inf);
            } else {
                extraPriorFeatures = posteriorBackward(m, ps, l, g, dUp.get(l), inf);
            }
            if (m.prior[l] != null) {
                Tensor dAbove = m.priorBackward(ps, l, g.dp(), extraPriorFeatures, gen);
                if (dAbove != null) {
                    m.addInto(dz[l + 1], dAbove);
                }
            }
        }
        // The deterministic upward path, from the top down to x (not run when a local posterior stands in for it).
        for (int l = top; l >= 0 && ps.local == null; l--) {
            List<Tensor> dIn = up[l].backward(ps.up[l], Collections.nCopies(up[l].heads.size(), null), dUp.get(l), inf,
                    Hvae.need(l == 0 ? m.inputs(ps) : ps.up[l - 1].features().size(), l > 0));
            if (l > 0) {
                m.accumulate(dUp.get(l - 1), dIn);
            }
        }
    }
}
