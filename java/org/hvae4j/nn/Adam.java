package org.hvae4j.nn;

import java.util.List;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Adam (Kingma and Ba 2015) with bias correction, decoupled weight decay (AdamW) and global-norm gradient
 * clipping, as one fused kernel per parameter on either backend. {@link #step} reads the global gradient norm (one
 * host synchronization), skips the update when it is NaN or infinite, and otherwise scales the gradients by
 * min(1, clip / norm) inside the kernel.
 */
public final class Adam implements AutoCloseable {
    private final List<Param> params;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float clipNorm;
    private final Tensor scale;
    private final Tensor normSq;
    private final int split;  // params[0, split) hold about half of the elements
    private long t;

    public Adam(List<Param> params, float beta1, float beta2, float eps, float weightDecay, float clipNorm) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0) || !(weightDecay >= 0) || !(clipNorm > 0)) {
            throw new IllegalArgumentException("Adam needs eps > 0, weight decay >= 0 and clip norm > 0 (use "
                    + "Float.POSITIVE_INFINITY for no clipping)");
        }
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        Backend be = params.get(0).backend();
        this.scale = be.full(1f, 1);
        this.normSq = be.zeros(1);
        this.split = halfByElements(this.params);
    }

    /** The index that splits {@code params} into two runs of about equal element counts. */
    public static int halfByElements(List<Param> params) {
        long total = params.stream().mapToLong(p -> p.value().numel()).sum();
        long acc = 0;
        for (int i = 0; i < params.size(); i++) {
            acc += params.get(i).value().numel();
            if (2 * acc >= total) {
                return i + 1;
            }
        }
        return params.size();
    }

    public static Adam defaults(List<Param> params) {
        return new Adam(params, 0.9f, 0.999f, 1e-8f, 0f, Float.POSITIVE_INFINITY);
    }

    /** Steps taken so far (the bias-correction counter). */
    public long steps() {
        return t;
    }

    public void setSteps(long steps) {
        this.t = steps;
    }

    /** The global norm of the current gradients (synchronizes). */
    public float gradientNorm() {
        Backend be = scale.backend();
        be.sumSquares(params.stream().map(Param::grad).toList(), normSq);
        return (float) Math.sqrt(normSq.item());
    }

    /**
     * Applies one update at learning rate {@code lr} unless the gradient norm is not finite; returns the norm
     * (NaN or infinite when the step was skipped).
     */
    public float step(float lr) {
        return step(lr, null);
    }

    /**
     * {@link #step(float)} with the update of about half of the parameters run on {@code helper} (a CPU backend's
     * second core; the same result), or all on this thread when {@code helper} is null.
     */
    public float step(float lr, HelperThread helper) {
        return step(lr, gradientNorm(), helper);
    }

    /**
     * {@link #step(float, HelperThread)} with the global gradient norm already computed by the caller (two workers
     * take the sums of squares of their halves of the parameters while averaging them).
     */
    public float step(float lr, float norm, HelperThread helper) {
        if (!Float.isFinite(norm)) {
            return norm;
        }
        Backend be = scale.backend();
        float s = Float.isInfinite(clipNorm) || norm <= clipNorm ? 1f : clipNorm / norm;
        be.fill(scale, s);
        t++;
        float c1 = (float) (1 - Math.pow(beta1, t));
        float c2 = (float) (1 - Math.pow(beta2, t));
        if (helper == null) {
            update(0, params.size(), lr, c1, c2);
        } else {
            helper.alongside(() -> update(0, split, lr, c1, c2), () -> update(split, params.size(), lr, c1, c2));
        }
        return norm;
    }

    private void update(int from, int to, float lr, float c1, float c2) {
        Backend be = scale.backend();
        for (int i = from; i < to; i++) {
            Param p = params.get(i);
            be.kernels().adam(p.value().numel(), p.value().address(), p.grad().address(), p.m().address(),
                    p.v().address(), lr, beta1, beta2, eps, weightDecay, c1, c2, scale.address());
        }
    }

    /**
     * The update of a device-resident training step (one captured as a CUDA graph): the gradient norm, the skip
     * decision (a non-finite norm, or a non-finite loss at {@code lossAddress} when not 0), the step counter, the
     * bias corrections and the clipping scale are computed on the device into {@code state} (hvae4j_adam_state,
     * eight floats, whose learning rate the caller has written), and every parameter is updated from there; nothing
     * is read on the host. The same arithmetic as {@link #step}; read {@code state} afterwards for the norm, the
     * decision and the new counter ({@link #setSteps}).
     */
    public void stepOnDevice(long lossAddress, Tensor state) {
        Backend be = scale.backend();
        if (state.numel() < 8 || state.backend() != be) {
            throw new IllegalArgumentException("Adam.stepOnDevice: state must be 8 floats on " + be + ", got "
                    + state.shape() + " on " + state.backend());
        }
        be.sumSquares(params.stream().map(Param::grad).toList(), normSq);
        be.kernels().adamPrepare(normSq.address(), lossAddress, clipNorm, beta1, beta2, state.address());
        for (Param p : params) {
            be.kernels().adamDevice(p.value().numel(), p.value().address(), p.grad().address(), p.m().address(),
                    p.v().address(), beta1, beta2, eps, weightDecay, state.address());
        }
    }

    @Override
    public void close() {
        scale.close();
        normSq.close();
    }
}
