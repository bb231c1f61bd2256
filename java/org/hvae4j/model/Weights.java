package org.hvae4j.model;

import java.util.EnumSet;
import java.util.Set;
import org.hvae4j.latent.RowWeights;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Tensor;

/**
 * The per-row weights of the terms of a {@link Pass} whose weighted sum a backward pass differentiates:
 * <pre>  loss = Σ_r lik[r]·log p(x|z)_r + Σ_l Σ_r (kl_l[r]·KL_l,r + logq_l[r]·log q_l,r + logp_l[r]·log p_l,r)</pre>
 * plus, for layers trained with REINFORCE, a per-row learning signal that multiplies the score of log q. Every weight
 * is a tensor of one value per row on the pass's backend, or null (zero). {@link #logqThroughZOnly} makes log q's
 * gradient flow through the reparameterized z alone (sticking the landing, DReG); {@link #roles} says which
 * parameters get gradients. Built-in objectives ({@link Objective}) produce these; a researcher can write their own:
 * <pre>{@code
 * Weights w = Weights.of(pass).likelihood(minusOneOverB).kl(0, betaOverB).kl(1, betaOverB);
 * pass.backward(w);
 * }</pre>
 */
public final class Weights {
    private final int depth;
    private final int rows;
    Tensor lik;
    final Tensor[] kl;
    final Tensor[] logq;
    final Tensor[] logp;
    final Tensor[] signal;
    boolean logqPathOnly;
    Set<Param.Role> roles = EnumSet.allOf(Param.Role.class);

    private Weights(int depth, int rows) {
        this.depth = depth;
        this.rows = rows;
        kl = new Tensor[depth];
        logq = new Tensor[depth];
        logp = new Tensor[depth];
        signal = new Tensor[depth];
    }

    /** All-zero weights for a pass (set the terms that count). */
    public static Weights of(Pass pass) {
        return new Weights(pass.depth(), pass.rows());
    }

    private Tensor checked(Tensor w, String what) {
        if (w != null && w.numel() != rows) {
            throw new IllegalArgumentException("weights of " + what + " must hold one value per row (" + rows
                    + "), got " + w.shape());
        }
        return w;
    }

    private int layer(int l) {
        if (l < 0 || l >= depth) {
            throw new IllegalArgumentException("layer " + l + " out of range [0, " + depth + ")");
        }
        return l;
    }

    /** The weight of log p(x|z) per row. */
    public Weights likelihood(Tensor w) {
        lik = checked(w, "log p(x|z)");
        return this;
    }

    /** The weight of layer l's analytic KL per row. */
    public Weights kl(int l, Tensor w) {
        kl[layer(l)] = checked(w, "KL of layer " + l);
        return this;
    }

    /** The weight of layer l's log q(z) per row. */
    public Weights logq(int l, Tensor w) {
        logq[layer(l)] = checked(w, "log q of layer " + l);
        return this;
    }

    /** The weight of layer l's log p(z) per row. */
    public Weights logp(int l, Tensor w) {
        logp[layer(l)] = checked(w, "log p of layer " + l);
        return this;
    }

    /** Layer l's term of the KL sum ({@link Pass#klTerm}): the analytic KL where it is analytic, else log q − log p. */
    public Weights klTerm(Pass pass, int l, Tensor w) {
        if (pass.klIsAnalytic(l)) {
            return kl(l, w);
        }
        Tensor minus = pass.model().backend().empty(rows);
        pass.model().backend().axpby(-1f, w, 0f, minus);
        return logq(l, w).logp(l, minus);
    }

    /** The REINFORCE learning signal of layer l per row (only layers whose estimator is REINFORCE read it). */
    public Weights signal(int l, Tensor s) {
        signal[layer(l)] = checked(s, "the learning signal of layer " + l);
        return this;
    }

    /** Whether log q's gradient flows through z only, not through the density's parameters. */
    public Weights logqThroughZOnly(boolean on) {
        logqPathOnly = on;
        return this;
    }

    /** Which parameters the backward pass accumulates gradients for (default: all). */
    public Weights roles(Set<Param.Role> r) {
        if (r == null || r.isEmpty()) {
            throw new IllegalArgumentException("roles must name at least one parameter role");
        }
        roles = EnumSet.copyOf(r);
        return this;
    }

    /**
     * No parameter of the model gets gradients: only the pass's {@link LocalPosterior} (local variational inference
     * with the model fixed).
     */
    public Weights localOnly() {
        roles = EnumSet.noneOf(Param.Role.class);
        return this;
    }

    public Set<Param.Role> roles() {
        return EnumSet.copyOf(roles);
    }

    RowWeights row(int l) {
        return new RowWeights(kl[l], logq[l], logp[l]);
    }

    void checkFor(Pass pass) {
        if (roles.isEmpty() && pass.localPosterior() == null) {
            throw new IllegalArgumentException("weights that train no model parameter (localOnly) need a pass made "
                    + "with a local posterior");
        }
        if (pass.depth() != depth || pass.rows() != rows) {
            throw new IllegalArgumentException("weights made for " + depth + " layers and " + rows
                    + " rows do not fit a pass of " + pass.depth() + " layers and " + pass.rows() + " rows");
        }
    }
}
