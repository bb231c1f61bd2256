package org.hvae4j.nn;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A trainable tensor with its gradient (an {@link Optimizer} keeps its own state). Its {@link Role} says which side of
 * the model owns it: the inference network q (φ) or the generative model p (θ); some estimators (DReG) treat the two
 * differently.
 */
public final class Param implements AutoCloseable {
    public enum Role { INFERENCE, GENERATIVE }

    private final String name;
    private final Role role;
    private Tensor value;
    private final Tensor grad;
    private boolean ownsValue = true;

    public Param(String name, Role role, Tensor value) {
        this.name = name;
        this.role = role;
        this.value = value;
        this.grad = value.backend().zeros(value.shape().dims());
    }

    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    /**
     * Makes this parameter a replica of {@code base}: it reads base's value (freeing its own) and keeps its own
     * gradient. Used by data-parallel training, where each worker accumulates gradients for its share of a batch.
     */
    public void shareValueOf(Param base) {
        if (!base.value.shape().equals(value.shape())) {
            throw new IllegalArgumentException("cannot share " + base.name + " " + base.value.shape() + " with "
                    + name + " " + value.shape());
        }
        if (ownsValue) {
            value.close();
        }
        value = base.value;
        ownsValue = false;
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public void zeroGrad() {
        grad.backend().fill(grad, 0f);
    }

    public Backend backend() {
        return value.backend();
    }

    @Override
    public void close() {
        if (ownsValue) {
            value.close();
        }
        grad.close();
    }
}
