package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A cell's forward pass as a list of backward steps, replayed in reverse by {@link #backward}: the bookkeeping of
 * cells built from many small operations (convolutional cells). Each step reads the gradient of what it produced
 * ({@link #grad}) and adds the gradients of what it read ({@link #accumulate}); the first contribution to a gradient is
 * written in place, later ones are added, so no gradient is cleared first. Gradients live in the caller's memory
 * scope. A tape is used once, by the thread that recorded it.
 */
final class Tape {
    private final Backend be;
    private final List<Runnable> steps = new ArrayList<>();
    private final Map<Tensor, Tensor> grads = new IdentityHashMap<>();
    private final Map<Tensor, Boolean> inputs = new IdentityHashMap<>();
    private boolean paramGrads;

    Tape(Backend be, List<Tensor> cellInputs) {
        this.be = be;
        for (Tensor t : cellInputs) {
            inputs.put(t, Boolean.FALSE);
        }
    }

    Backend backend() {
        return be;
    }

    /** Records a backward step (run in reverse order of recording). */
    void record(Runnable backwardStep) {
        steps.add(backwardStep);
    }

    /** Whether the backward pass accumulates parameter gradients. */
    boolean paramGrads() {
        return paramGrads;
    }

    /** Whether anyone needs the gradient of t: every intermediate does; a cell input only when asked for. */
    boolean needs(Tensor t) {
        Boolean in = inputs.get(t);
        return in == null || in;
    }

    /** The gradient that reached t, or null when none did. */
    Tensor grad(Tensor t) {
        return grads.get(t);
    }

    /**
     * Adds a gradient of t computed by {@code write} (which overwrites the tensor it is given, t's shape): written
     * straight into t's gradient when it is the first, into a scratch tensor added to it otherwise. Nothing when t's
     * gradient is not needed.
     */
    void accumulate(Tensor t, Consumer<Tensor> write) {
        if (!needs(t)) {
            return;
        }
        Tensor g = grads.get(t);
        if (g == null) {
            g = be.empty(t.shape().dims());
            write.accept(g);
            grads.put(t, g);
        } else {
            Tensor tmp = be.empty(t.shape().dims());
            write.accept(tmp);
            be.axpby(1f, tmp, 1f, g);
        }
    }

    /** Adds {@code alpha · d} to t's gradient. */
    void accumulate(Tensor t, Tensor d, float alpha) {
        accumulate(t, g -> be.axpby(alpha, d.reshape(t.shape().dims()), 0f, g));
    }

    /**
     * Back-propagates: {@code dOutputs[i]} is the gradient of {@code outputs[i]}; returns each input's gradient where
     * {@code needInput[i]} (zeros when nothing reached it), null elsewhere.
     */
    List<Tensor> backward(List<Tensor> cellInputs, List<Tensor> outputs, List<Tensor> dOutputs, boolean paramGrads,
            boolean[] needInput) {
        this.paramGrads = paramGrads;
        for (int i = 0; i < cellInputs.size(); i++) {
            inputs.put(cellInputs.get(i), needInput[i]);
        }
        for (int i = 0; i < outputs.size(); i++) {
            Tensor d = dOutputs.get(i);
            if (d != null) {
                accumulate(outputs.get(i), d, 1f);
            }
        }
        for (int i = steps.size() - 1; i >= 0; i--) {
            steps.get(i).run();
        }
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < cellInputs.size(); i++) {
            if (!needInput[i]) {
                out.add(null);
                continue;
            }
            Tensor g = grads.get(cellInputs.get(i));
            out.add(g != null ? g : be.zeros(cellInputs.get(i).shape().dims()));
        }
        return out;
    }
}
