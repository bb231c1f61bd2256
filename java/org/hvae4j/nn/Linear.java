package org.hvae4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * y = Σ_i x_i W_i + b: a linear layer over one or more inputs (so conditioning c or a skip input joins without a
 * concatenation). Weights are [in_i, out], row-major; initialization as PyTorch's nn.Linear, U(±1/√fan_in) over
 * the total fan-in, for weights and bias.
 */
public final class Linear implements Head {
    private final List<Param> weights;
    private final Param bias;
    private final int out;

    Linear(Backend be, String name, Param.Role role, int[] ins, int out, SplittableRandom rng, List<Param> registry,
            ParameterPlan plan) {
        if (out <= 0) {
            throw new IllegalArgumentException(name + ": output width must be positive, got " + out);
        }
        long fanIn = 0;
        for (int in : ins) {
            if (in <= 0) {
                throw new IllegalArgumentException(name + ": input width must be positive, got " + in);
            }
            fanIn += in;
        }
        this.weights = new ArrayList<>();
        this.out = out;
        if (plan != null) {
            for (int i = 0; i < ins.length; i++) {
                plan.add(name + ".w" + i, ins[i], out);
            }
            plan.add(name + ".b", out);
            this.bias = null;
            return;
        }
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < ins.length; i++) {
            long n = (long) ins[i] * out;
            if (n > ParameterPlan.MAX_TENSOR_VALUES) {
                throw new IllegalArgumentException(name + ".w" + i + ": a weight of [" + ins[i] + ", " + out + "] has "
                        + n + " values, more than one tensor can hold (" + ParameterPlan.MAX_TENSOR_VALUES + ")");
            }
            Param w = new Param(name + ".w" + i, role, be.fromArray(uniform(rng, (int) n, bound), ins[i], out));
            registry.add(w);
            weights.add(w);
        }
        this.bias = new Param(name + ".b", role, be.fromArray(uniform(rng, out, bound), out));
        registry.add(bias);
    }

    /** A layer whose parameters are appended to {@code registry}. */
    public static Linear create(Backend be, String name, Param.Role role, int[] ins, int out, SplittableRandom rng,
            List<Param> registry) {
        return new Linear(be, name, role, ins, out, rng, registry, null);
    }

    /**
     * A layer made in {@code ctx}: its parameters drawn from the context's stream and appended to its registry, or,
     * in a planning context, only their sizes reported to the plan (the layer then holds no parameters and cannot
     * run).
     */
    public static Linear create(CellContext ctx, String name, Param.Role role, int[] ins, int out) {
        return new Linear(ctx.backend(), name, role, ins, out, ctx.rng(), ctx.registry(), ctx.plan());
    }

    private static float[] uniform(SplittableRandom rng, int n, double bound) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextDouble(-bound, bound);
        }
        return a;
    }

    @Override
    public int out() {
        return out;
    }

    public int inputs() {
        return weights.size();
    }

    /** A new [rows, out] tensor. */
    @Override
    public Tensor forward(List<Tensor> xs) {
        if (xs.size() != weights.size()) {
            throw new IllegalArgumentException("linear layer expects " + weights.size() + " inputs, got " + xs.size());
        }
        Backend be = bias.backend();
        int rows = xs.get(0).rows();
        Tensor y = be.empty(rows, out);
        // Every row starts as the bias and the products accumulate onto it (beta = 1): one pass over y fewer than
        // a product into zeros (BLAS clears C for beta = 0) followed by a separate bias addition.
        be.kernels().repeatRows(bias.value().address(), 1, out, rows, y.address());
        for (int i = 0; i < xs.size(); i++) {
            be.matmul(xs.get(i), false, weights.get(i).value(), false, y, 1f, 1f);
        }
        return y;
    }

    /**
     * Accumulates parameter gradients (when {@code paramGrads}) and writes input gradients into {@code dxs}
     * (entries may be null where no gradient is needed; {@code accumulate} adds into them).
     */
    @Override
    public void backward(List<Tensor> xs, Tensor dy, boolean paramGrads, List<Tensor> dxs, boolean accumulate) {
        Backend be = bias.backend();
        if (paramGrads) {
            for (int i = 0; i < xs.size(); i++) {
                be.matmul(xs.get(i), true, dy, false, weights.get(i).grad(), 1f, 1f);
            }
            be.sumRows(dy, bias.grad(), 1f, 1f);
        }
        if (dxs != null) {
            for (int i = 0; i < dxs.size(); i++) {
                if (dxs.get(i) != null) {
                    be.matmul(dy, false, weights.get(i).value(), true, dxs.get(i), 1f, accumulate ? 1f : 0f);
                }
            }
        }
    }
}
