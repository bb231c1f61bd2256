package org.hvae4j.nn;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A trainable tensor with its gradient (an {@link Optimizer} keeps its own state). Its {@link Role} says which side of
 * the model owns it: the inference network q (φ) or the generative model p (θ); some estimators (DReG) treat the two
 * differently. A <em>buffer</em> ({@link #buffer}) is model state that is not trained (batch normalization's running
 * statistics): models keep buffers apart from their parameters, checkpoints and exports save them, no optimizer
 * sees them.
 */
public final class Param implements AutoCloseable {
    public enum Role { INFERENCE, GENERATIVE }

    private final String name;
    private final Role role;
    private Tensor value;
    private final Tensor grad;   // null for a buffer
    private boolean ownsValue = true;

    public Param(String name, Role role, Tensor value) {
        this(name, role, value, true);
    }

    private Param(String name, Role role, Tensor value, boolean trainable) {
        this.name = name;
        this.role = role;
        this.value = value;
        this.grad = trainable ? value.backend().zeros(value.shape().dims()) : null;
    }

    /** A buffer: state the model's passes read and update themselves, not trained (its gradient is not used). */
    public static Param buffer(String name, Role role, Tensor value) {
        return new Param(name, role, value, false);
    }

    /** False for a {@link #buffer}. */
    public boolean trainable() {
        return grad != null;
    }

    /** Whether this holds its own value (false for a replica's, which reads another's: {@link #shareValueOf}). */
    public boolean ownsValue() {
        return ownsValue;
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
        if (grad == null) {
            throw new IllegalStateException(name + " is a buffer: it has no gradient");
        }
        return grad;
    }

    public void zeroGrad() {
        if (grad != null) {
            grad.backend().fill(grad, 0f);
        }
    }

    public Backend backend() {
        return value.backend();
    }

    @Override
    public void close() {
        if (ownsValue) {
            value.close();
        }
        if (grad != null) {
            grad.close();
        }
    }
}
