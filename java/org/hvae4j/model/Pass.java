package org.hvae4j.model;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.hvae4j.latent.LatentSample;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * The result of a forward pass of a {@link Hvae} on a batch with k samples per example: rows are batch × k,
 * sample-major (row s·batch + b is sample s of example b). It holds, as tensors on the model's backend (and as Java
 * arrays on request, which synchronizes), the per-row log-likelihood log p(x|z), every latent layer's z and per-row
 * KL, log q(z) and log p(z), and the log importance weights; {@link #backward} back-propagates per-row weights of
 * its terms into the model's parameter gradients. Layers are indexed bottom-up (0 is z1, next to x).
 *
 * <p>A pass owns the memory of its tensors: close it (try-with-resources), or let the {@link MemoryScope} that was
 * open when it was made close it. It is not thread-safe.
 */
public final class Pass implements AutoCloseable {
    final Hvae model;
    final int batch;
    final int k;
    final int rows;
    final Tensor x;
    final Tensor c;
    final Tensor cK;
    final NoiseStreams streams;
    final LocalPosterior local;  // free per-example posterior parameters in place of the encoder's, or null
    // What the inference scheme and the generative model computed, per layer (bottom-up).
    final Net.Out[] up;         // the inference networks' outputs (bottom-up encoders, or the upward path)
    final Net.Out[] prior;      // the prior networks' outputs, where the layer has one
    final Net.Out[] post;       // residual inference: the posterior networks' outputs
    final List<Tensor>[] aux;   // a scheme's own per-layer tensors (repeated features, bottom-up estimates)
    final List<Tensor>[] q;     // the posterior's parameters as the latent operation takes them (rows)
    final List<Tensor>[] p;     // the prior's parameters (rows), null for the fixed prior
    final LatentSample[] z;
    final boolean[] analyticKl;
    // Top-down state: the gradients reaching prior network l's features from the network below (during a backward).
    final List<Tensor>[] dState;
    Net.Out decoder;
    List<Tensor> likelihood;    // the parameters of p(x|z)
    Tensor logpx;
    private final List<Tensor> owned = new ArrayList<>();
    private Tensor logWeights;
    private Tensor[] klTerms;
    private boolean closed;

    @SuppressWarnings("unchecked")
    Pass(Hvae model, Tensor x, Tensor c, int k, NoiseStreams streams, LocalPosterior local) {
        int depth = model.depth();
        this.model = model;
        this.batch = x.rows();
        this.k = k;
        this.rows = batch * k;
        this.x = x;
        this.c = c;
        this.cK = c == null ? null : model.repeat(c, k);
        this.streams = streams;
        this.local = local;
        up = new Net.Out[depth];
        prior = new Net.Out[depth];
        post = new Net.Out[depth];
        aux = new List[depth];
        q = new List[depth];
        p = new List[depth];
        z = new LatentSample[depth];
        analyticKl = new boolean[depth];
        dState = new List[depth];
    }

    /** Takes the tensors allocated in {@code scope} into this pass's ownership. */
    void adopt(MemoryScope scope) {
        owned.addAll(scope.detachAll());
    }

    private Backend be() {
        return model.backend();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this pass is closed");
        }
    }

    public Hvae model() {
        return model;
    }

    /** Examples in the batch. */
    public int batch() {
        return batch;
    }

    /** Samples per example (k). */
    public int samples() {
        return k;
    }

    /** batch × samples. */
    public int rows() {
        return rows;
    }

    /** Number of latent layers. */
    public int depth() {
        return z.length;
    }

    /** The local posterior this pass read in place of the encoder's outputs, or null. */
    public LocalPosterior localPosterior() {
        return local;
    }

    /**
     * The amortized posterior of this pass's examples as free per-example parameters ({@link LocalPosterior}),
     * starting where the model's inference networks put it; the caller closes it. A pass made with a local
     * posterior gives a copy of that one's current values.
     */
    public LocalPosterior toLocalPosterior() {
        checkOpen();
        return LocalPosterior.of(this);
    }

    /** The input as the decoder scores it (with a dynamically binarizing likelihood, its binarization). */
    public Tensor x() {
        checkOpen();
        return x;
    }

    /** log p(x|z) per row ([rows]). */
    public Tensor logLikelihood() {
        checkOpen();
        return logpx;
    }

    /** The sample of latent layer {@code l} ([rows, size]). */
    public Tensor z(int l) {
        checkOpen();
        return z[l].z();
    }

    /** The analytic KL(q‖p) of layer l per row, given its parents' samples (see {@link #klIsAnalytic}). */
    public Tensor kl(int l) {
        checkOpen();
        return z[l].kl();
    }

    /** log q(z_l | ·) per row. */
    public Tensor logq(int l) {
        checkOpen();
        return z[l].logq();
    }

    /** log p(z_l | ·) per row. */
    public Tensor logp(int l) {
        checkOpen();
        return z[l].logp();
    }

    /**
     * Whether layer l's {@link #kl} is its KL term: true where posterior and prior share their parents (the top layer
     * of bottom-up inference, every layer of top-down inference); elsewhere the term is log q − log p.
     */
    public boolean klIsAnalytic(int l) {
        return analyticKl[l];
    }

    /** Layer l's term of the ELBO's KL sum per row: {@link #kl} where analytic, else log q − log p. */
    public Tensor klTerm(int l) {
        checkOpen();
        if (analyticKl[l]) {
            return z[l].kl();
        }
        if (klTerms == null) {
            klTerms = new Tensor[depth()];
        }
        if (klTerms[l] == null) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor t = be().empty(rows);
                be().axpby(1f, z[l].logq(), 0f, t);
                be().axpby(-1f, z[l].logp(), 1f, t);
                klTerms[l] = t;
                adopt(s);
            }
        }
        return klTerms[l];
    }

    /** log w = log p(x|z) + Σ_l (log p(z_l) − log q(z_l)) per row: the log importance weights. */
    public Tensor logWeights() {
        checkOpen();
        if (logWeights == null) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor w = be().empty(rows);
                be().axpby(1f, logpx, 0f, w);
                for (int l = 0; l < depth(); l++) {
                    be().axpby(1f, z[l].logp(), 1f, w);
                    be().axpby(-1f, z[l].logq(), 1f, w);
                }
                logWeights = w;
                adopt(s);
            }
        }
        return logWeights;
    }

    /** The parameters of the posterior of layer l as its latent operation takes them (rows). */
    public List<Tensor> posterior(int l) {
        checkOpen();
        return List.copyOf(q[l]);
    }

    /** The parameters of the prior of layer l (rows), or null for the fixed prior. */
    public List<Tensor> prior(int l) {
        checkOpen();
        return p[l] == null ? null : List.copyOf(p[l]);
    }

    /** The parameters of p(x|z) (rows × input dimension each: logits, or mean and log-variance). */
    public List<Tensor> likelihoodParameters() {
        checkOpen();
        return List.copyOf(likelihood);
    }

    /** {@link #logWeights} as a Java array (synchronizes). */
    public float[] logWeightsArray() {
        return logWeights().toArray();
    }

    /** {@link #logLikelihood} as a Java array (synchronizes). */
    public float[] logLikelihoodArray() {
        return logLikelihood().toArray();
    }

    /** {@link #klTerm} of layer l as a Java array (synchronizes). */
    public float[] klTermArray(int l) {
        return klTerm(l).toArray();
    }


    /**
     * Back-propagates the weighted terms {@code w} and accumulates the gradients of the parameters whose role is in
     * {@code w.roles()} (all by default) into their {@link Param#grad()}; call {@link Hvae#zeroGrad()} first for fresh
     * gradients. Every temporary is freed when it returns.
     */
    public void backward(Weights w) {
        checkOpen();
        w.checkFor(this);
        model.guard.enter();
        try (MemoryScope scope = MemoryScope.open()) {
            model.backward(this, w);
        } finally {
            model.guard.exit();
        }
    }

    /** {@link #backward} for each of several weightings (an objective with separate passes per role, as DReG). */
    public void backward(List<Weights> ws) {
        for (Weights w : ws) {
            backward(w);
        }
    }

    static Set<Param.Role> allRoles() {
        return EnumSet.allOf(Param.Role.class);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Last made, first freed: the caching allocator hands a size's blocks out last-in first-out, so the next
        // pass's tensors get the blocks this one's had, in the same order.
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
