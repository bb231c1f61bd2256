package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Free, per-example variational parameters that take the place of what a model's inference networks compute from x:
 * the posterior of the same family, with the amortization removed. A pass made with one
 * ({@link Hvae#forward(Tensor, Tensor, int, NoiseStreams, LocalPosterior)}) reads these tensors where the encoder's
 * x-dependent outputs would be, and its {@link Pass#backward} accumulates their gradients into
 * {@link Param#grad()} (the model's own parameters get gradients only for the roles the weights name; use
 * {@link Weights#localOnly()} for none). What is freed depends on the inference scheme:
 * <ul>
 *   <li>bottom-up: z1's posterior parameters (μ and log σ², or the logits) per example; the conditionals q(z_l |
 *       z_{l−1}) above read z only, not x, and stay the model's;</li>
 *   <li>ladder: every layer's bottom-up Gaussian estimate (μ̂, log σ̂²) per example, and the top posterior's
 *       parameters; the posterior below the top stays the precision-weighted merge of that estimate with the layer's
 *       prior;</li>
 *   <li>residual: every layer's upward features h_l (what the posterior network reads from x) per example, and the top
 *       posterior's parameters; the posterior network and the residual form stay the model's.</li>
 * </ul>
 * Each is initialized from a pass of the model itself, so it starts at the amortized posterior. Rows are the examples
 * of one batch (the pass's batch, before its k samples are repeated).
 */
public final class LocalPosterior implements AutoCloseable {
    private final int batch;
    private final List<List<Param>> layers;
    private final List<Param> all = new ArrayList<>();

    private LocalPosterior(int batch, List<List<Param>> layers) {
        this.batch = batch;
        this.layers = layers;
        layers.forEach(all::addAll);
    }

    /**
     * The posterior of {@code ps}'s examples as free parameters: copies of the encoder's x-dependent outputs, or of the
     * local posterior the pass was made with (owned by the result, outside any memory scope).
     */
    static LocalPosterior of(Pass ps) {
        Backend be = ps.model.backend();
        List<List<Param>> layers = new ArrayList<>();
        try (MemoryScope own = MemoryScope.open()) {
            for (int l = 0; l < ps.depth(); l++) {
                List<Param> layer = new ArrayList<>();
                // A pass made with a local posterior read that one's tensors (its upward path did not run).
                List<Tensor> src = ps.local != null ? ps.local.values(l)
                        : ps.model.inference.localInputs(ps.model, ps, l);
                for (int i = 0; i < src.size(); i++) {
                    Tensor t = src.get(i);
                    Tensor v = be.empty(t.rows(), t.cols());
                    be.copy(t, v);
                    layer.add(new Param("local" + (l + 1) + "." + i, Param.Role.INFERENCE, v));
                }
                layers.add(Collections.unmodifiableList(layer));
            }
            own.detachAll();
        }
        return new LocalPosterior(ps.batch(), Collections.unmodifiableList(layers));
    }

    /** What a local posterior frees under an inference scheme, in words. */
    public static String describe(Inference scheme) {
        return switch (scheme) {
            case BOTTOM_UP -> "z1's posterior parameters per example; q(z_l | z_l-1) above reads z only and stays the "
                    + "model's";
            case LADDER -> "every layer's bottom-up Gaussian estimate and the top posterior per example; each "
                    + "posterior below the top stays its precision-weighted merge with the prior";
            case RESIDUAL -> "every layer's upward features and the top posterior per example; the posterior networks "
                    + "and the residual form stay the model's";
        };
    }

    /** Examples (rows of every tensor). */
    public int batch() {
        return batch;
    }

    /** The free tensors of layer l (bottom-up; empty where the scheme frees nothing there). */
    public List<Param> layer(int l) {
        return layers.get(l);
    }

    /** Every free tensor, layer by layer. */
    public List<Param> parameters() {
        return Collections.unmodifiableList(all);
    }

    /** Sets every gradient to zero. */
    public void zeroGrad() {
        all.forEach(Param::zeroGrad);
    }

    /** The values of layer l (what a pass reads in place of the encoder's outputs). */
    List<Tensor> values(int l) {
        return layers.get(l).stream().map(Param::value).toList();
    }

    /** Adds gradients (batch rows, one per tensor of layer l) into layer l's gradients. */
    void accumulate(int l, List<Tensor> grads) {
        List<Param> ps = layers.get(l);
        for (int i = 0; i < ps.size(); i++) {
            if (grads.get(i) != null) {
                ps.get(i).backend().axpby(1f, grads.get(i), 1f, ps.get(i).grad());
            }
        }
    }

    void checkFor(Hvae m, int rows) {
        if (layers.size() != m.depth()) {
            throw new IllegalArgumentException("local posterior of " + layers.size() + " layers given to a model of "
                    + m.depth());
        }
        if (rows != batch) {
            throw new IllegalArgumentException("local posterior holds " + batch + " examples, the batch has " + rows);
        }
        for (Param p : all) {
            if (p.value().isClosed()) {
                throw new IllegalStateException("this local posterior is closed");
            }
            if (p.backend() != m.backend()) {
                throw new IllegalArgumentException("local posterior is on " + p.backend().device() + ", the model on "
                        + m.backend().device());
            }
        }
    }

    @Override
    public void close() {
        all.forEach(Param::close);
    }
}
