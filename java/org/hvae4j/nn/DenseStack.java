package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Hidden layers of the given widths with an activation, over one or more inputs: the computation of {@link MlpCell}
 * and {@link ResidualMlpCell}. With {@code residual}, each layer after the first whose width equals its input's adds a
 * skip connection: h ← h + f(W h + b). With no hidden layers the stack passes its inputs through unchanged.
 */
final class DenseStack {
    private final List<Linear> layers = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();
    private final Activation activation;
    private final boolean residual;
    private final int[] ins;

    DenseStack(CellContext ctx, String name, Param.Role role, int[] ins, int[] widths, boolean residual) {
        this.activation = ctx.activation();
        this.residual = residual;
        this.ins = ins.clone();
        int[] cur = ins;
        int first = ctx.registry().size();
        for (int i = 0; i < widths.length; i++) {
            layers.add(Linear.create(ctx, name + "." + i, role, cur, widths[i]));
            cur = new int[] {widths[i]};
        }
        params.addAll(ctx.registry().subList(first, ctx.registry().size()));
    }

    int[] outputWidths() {
        return layers.isEmpty() ? ins.clone() : new int[] {layers.get(layers.size() - 1).out()};
    }

    List<Param> parameters() {
        return List.copyOf(params);
    }

    private boolean skip(int i) {
        return residual && i > 0 && layers.get(i).out() == layers.get(i - 1).out();
    }

    /** Inputs, pre-activations and outputs of every layer. */
    static final class Trace implements Cell.Trace {
        final List<Tensor> inputs;
        final List<Tensor> pre = new ArrayList<>();
        final List<Tensor> act = new ArrayList<>();   // f(pre): what the activation's derivative reads
        final List<Tensor> post = new ArrayList<>();  // the layer's output: f(pre), plus the skip input

        Trace(List<Tensor> inputs) {
            this.inputs = inputs;
        }

        @Override
        public List<Tensor> inputs() {
            return inputs;
        }

        @Override
        public List<Tensor> outputs() {
            return post.isEmpty() ? inputs : List.of(post.get(post.size() - 1));
        }
    }

    Trace forward(List<Tensor> inputs) {
        if (inputs.size() != ins.length) {
            throw new IllegalArgumentException("cell expects " + ins.length + " inputs, got " + inputs.size());
        }
        Trace t = new Trace(inputs);
        List<Tensor> cur = inputs;
        for (int i = 0; i < layers.size(); i++) {
            Tensor pre = layers.get(i).forward(cur);
            Backend be = pre.backend();
            Tensor a = be.empty(pre.rows(), pre.cols());
            be.activation(activation, pre, a);
            Tensor post = a;
            if (skip(i)) {
                post = be.empty(pre.rows(), pre.cols());
                be.copy(a, post);
                be.axpby(1f, cur.get(0), 1f, post);
            }
            t.pre.add(pre);
            t.act.add(a);
            t.post.add(post);
            cur = List.of(post);
        }
        return t;
    }

    List<Tensor> backward(Cell.Trace trace, List<Tensor> dOutputs, boolean paramGrads, boolean[] needInput) {
        Trace t = (Trace) trace;
        if (layers.isEmpty()) {
            // The outputs are the inputs: their gradients are the input gradients.
            List<Tensor> r = new ArrayList<>();
            for (int i = 0; i < dOutputs.size(); i++) {
                r.add(needInput[i] ? dOutputs.get(i) : null);
            }
            return r;
        }
        Tensor d = dOutputs.get(0);
        for (int i = layers.size() - 1; ; i--) {
            Backend be = d.backend();
            Tensor pre = t.pre.get(i);
            Tensor dpre = be.empty(pre.rows(), pre.cols());
            be.activationBackward(activation, pre, t.act.get(i), d, dpre);
            List<Tensor> in = i == 0 ? t.inputs : List.of(t.post.get(i - 1));
            List<Tensor> dIn = new ArrayList<>();
            for (int j = 0; j < in.size(); j++) {
                boolean need = i > 0 || needInput[j];
                dIn.add(need ? be.empty(in.get(j).rows(), in.get(j).cols()) : null);
            }
            layers.get(i).backward(in, dpre, paramGrads, dIn, false);
            if (skip(i)) {
                be.axpby(1f, d, 1f, dIn.get(0));
            }
            if (i == 0) {
                return dIn;
            }
            d = dIn.get(0);
        }
    }
}
