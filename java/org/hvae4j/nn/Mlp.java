package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Activation;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A deterministic block: hidden layers of the given widths with an activation, over one or more inputs. With
 * {@code residual}, each layer after the first whose width equals its input's adds a skip connection:
 * h ← h + f(W h + b). With no hidden layers the block passes its inputs through unchanged. Forward passes return a
 * {@link Trace} that the backward pass reads; its tensors live in the caller's memory scope.
 */
public final class Mlp {
    private final List<Linear> layers = new ArrayList<>();
    private final Activation activation;
    private final boolean residual;
    private final int[] ins;

    public Mlp(Backend be, String name, Param.Role role, int[] ins, int[] widths, Activation activation,
            boolean residual, SplittableRandom rng, List<Param> registry) {
        this.activation = activation;
        this.residual = residual;
        this.ins = ins.clone();
        int[] cur = ins;
        for (int i = 0; i < widths.length; i++) {
            layers.add(new Linear(be, name + "." + i, role, cur, widths[i], rng, registry));
            cur = new int[] {widths[i]};
        }
    }

    /** Widths of what this block outputs: the last hidden width, or its inputs when it has no layers. */
    public int[] outputWidths() {
        return layers.isEmpty() ? ins.clone() : new int[] {layers.get(layers.size() - 1).out()};
    }

    private boolean skip(int i) {
        return residual && i > 0 && layers.get(i).out() == layers.get(i - 1).out();
    }

    /** Inputs, pre-activations and outputs of every layer. */
    public static final class Trace {
        final List<Tensor> inputs;
        final List<Tensor> pre = new ArrayList<>();
        final List<Tensor> act = new ArrayList<>();   // f(pre): what the activation's derivative reads
        final List<Tensor> post = new ArrayList<>();  // the layer's output: f(pre), plus the skip input

        Trace(List<Tensor> inputs) {
            this.inputs = inputs;
        }

        /** The inputs the block was given (the same list object). */
        public List<Tensor> inputsView() {
            return inputs;
        }

        /** What the block outputs (one tensor, or its inputs when it has no layers). */
        public List<Tensor> output() {
            return post.isEmpty() ? inputs : List.of(post.get(post.size() - 1));
        }
    }

    public Trace forward(List<Tensor> inputs) {
        Trace t = new Trace(inputs);
        Backend be = null;
        List<Tensor> cur = inputs;
        for (int i = 0; i < layers.size(); i++) {
            Tensor pre = layers.get(i).forward(cur);
            be = pre.backend();
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

    /**
     * Back-propagates {@code dOut} (the gradient of the block's output; consumed: it may be overwritten) and
     * returns the input gradients where {@code needInput[i]}, else null entries. Parameter gradients are
     * accumulated when {@code paramGrads}.
     */
    public List<Tensor> backward(Trace t, Tensor dOut, boolean paramGrads, boolean[] needInput) {
        List<Tensor> result = new ArrayList<>();
        if (layers.isEmpty()) {
            result.add(needInput[0] ? dOut : null);
            return result;
        }
        Tensor d = dOut;
        for (int i = layers.size() - 1; i >= 0; i--) {
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
        return result;
    }
}
