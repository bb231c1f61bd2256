package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Adam (Kingma and Ba 2015) with bias correction, decoupled weight decay (AdamW) and global-norm gradient
 * clipping, as fused kernels on either backend. Its state lives on the device from construction: the first and second
 * moments of every parameter, and an {@code hvae4j_adam_state} (adam_state.h) holding the learning rate, the step
 * counter, the bias corrections, the clipping scale, the last gradient norm and the skip decision. A step computes
 * the global gradient norm, skips the update when it (or the loss) is not finite, and otherwise scales the gradients
 * by min(1, clip / norm) inside the kernels; nothing is read back to the host, so a step captured once as a CUDA
 * graph replays it.
 */
public final class Adam implements Optimizer {
    private final List<Param> params;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final float clipNorm;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final Tensor state;   // hvae4j_adam_state
    private final Tensor normSq;
    private final Backend be;

    public Adam(List<Param> params, float beta1, float beta2, float eps, float weightDecay, float clipNorm) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(eps > 0) || !(weightDecay >= 0) || !(clipNorm > 0)) {
            throw new IllegalArgumentException("Adam needs eps > 0, weight decay >= 0 and clip norm > 0 (use "
                    + "Float.POSITIVE_INFINITY for no clipping), got eps " + eps + ", weight decay " + weightDecay
                    + ", clip norm " + clipNorm);
        }
        if (params.isEmpty()) {
            throw new IllegalArgumentException("Adam needs at least one parameter");
        }
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        this.be = params.get(0).backend();
        // Owned by the optimizer, not by whatever memory scope the caller has open.
        try (MemoryScope own = MemoryScope.open()) {
            for (Param p : this.params) {
                m.add(p.backend().zeros(p.value().shape().dims()));
                v.add(p.backend().zeros(p.value().shape().dims()));
            }
            state = be.zeros(NativeCodes.ADAM_STATE_BYTES / Float.BYTES);
            normSq = be.zeros(1);
            own.detachAll();
        }
    }

    public static Adam defaults(List<Param> params) {
        return new Adam(params, 0.9f, 0.999f, 1e-8f, 0f, Float.POSITIVE_INFINITY);
    }

    public List<Param> parameters() {
        return params;
    }

    /** Parameter i's first moment. */
    public Tensor firstMoment(int i) {
        return m.get(i);
    }

    /** Parameter i's second moment. */
    public Tensor secondMoment(int i) {
        return v.get(i);
    }

    /** Sets parameter i's moments (restoring a checkpoint). */
    public void setMoments(int i, float[] first, float[] second) {
        be.copyFrom(first, m.get(i));
        be.copyFrom(second, v.get(i));
    }

    /**
     * The indices that split the parameters into {@code parts} runs of about equal element counts: run j is
     * [bounds[j], bounds[j + 1]).
     */
    public int[] split(int parts) {
        long total = params.stream().mapToLong(p -> p.value().numel()).sum();
        int[] bounds = new int[parts + 1];
        long acc = 0;
        int j = 1;
        for (int i = 0; i < params.size() && j < parts; i++) {
            acc += params.get(i).value().numel();
            if (acc * parts >= total * j) {
                bounds[j++] = i + 1;
            }
        }
        while (j <= parts) {
            bounds[j++] = params.size();
        }
        return bounds;
    }

    private long stateField(int offset) {
        return state.address() + offset;
    }

    @Override
    public void step(double lr) {
        setLearningRate(lr);
        be.sumSquares(params.stream().map(Param::grad).toList(), normSq);
        prepare(normSq, null);
        apply(0, params.size());
    }

    /** Writes the learning rate of the next step into the state (in stream order). */
    public void setLearningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
        }
        be.kernels().fill(stateField(NativeCodes.ADAM_STATE_LR), (float) lr, 1);
    }

    /**
     * The per-step decision, on the device: from the sum of squared gradients {@code normSq} and the {@code loss} (a
     * one-float tensor, or null: not checked), skip or not, the counter, the bias corrections and the clipping scale.
     */
    public void prepare(Tensor normSq, Tensor loss) {
        be.kernels().adamPrepare(normSq.address(), loss == null ? 0 : loss.address(), clipNorm, beta1, beta2,
                state.address());
    }

    /** The update of parameters [from, to) as {@link #prepare} decided it (nothing when the step was skipped). */
    public void apply(int from, int to) {
        for (int i = from; i < to; i++) {
            Param p = params.get(i);
            be.kernels().adamDevice(p.value().numel(), p.value().address(), p.grad().address(), m.get(i).address(),
                    v.get(i).address(), beta1, beta2, eps, weightDecay, state.address());
        }
    }

    /** The state (hvae4j_adam_state) in device memory: what a training step's statistics read. */
    public Tensor state() {
        return state;
    }

    private float[] readState() {
        return state.toArray();
    }

    @Override
    public long steps() {
        float[] s = readState();
        int t = NativeCodes.ADAM_STATE_T / Float.BYTES;
        return (Float.floatToRawIntBits(s[t]) & 0xFFFFFFFFL) | ((long) Float.floatToRawIntBits(s[t + 1]) << 32);
    }

    /** Sets the step counter (restoring a checkpoint). */
    public void setSteps(long steps) {
        be.kernels().u64Update(stateField(NativeCodes.ADAM_STATE_T), steps, false);
    }

    @Override
    public float lastGradientNorm() {
        return readState()[NativeCodes.ADAM_STATE_NORM / Float.BYTES];
    }

    @Override
    public boolean lastStepSkipped() {
        return Float.floatToRawIntBits(readState()[NativeCodes.ADAM_STATE_SKIP / Float.BYTES]) != 0;
    }

    @Override
    public void close() {
        m.forEach(Tensor::close);
        v.forEach(Tensor::close);
        state.close();
        normSq.close();
    }
}
