package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.latent.BernoulliLatent;
import org.hvae4j.latent.GaussianLatent;
import org.hvae4j.latent.LatentSample;
import org.hvae4j.latent.Noise;
import org.hvae4j.latent.RowWeights;
import org.hvae4j.nn.Param;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A hierarchical VAE built from a {@link ModelSpec} on one {@link Backend}: its networks, parameters, and the
 * forward and backward passes that objectives and evaluation drive. Latent layers are indexed bottom-up here
 * (0 is z1, next to x). A pass runs on batch × k rows, sample-major; everything it allocates lives in the
 * caller's {@link org.hvae4j.tensor.MemoryScope}.
 */
public final class Hvae implements AutoCloseable {
    final ModelSpec spec;
    final Backend be;
    final List<Param> params = new ArrayList<>();
    final int depth;
    final LatentSpec[] lat;         // bottom-up
    final Net[] enc;                // bottom-up: q(z_l | below); top-down: the deterministic upward path
    final Net[] prior;              // p(z_l | z_{l+1}, c); the top one only when conditional
    final Net[] post;               // residual inference: Δ heads on [up features, prior features]
    final Net decoder;
    final Param sharedLogVariance;  // Gaussian likelihood with one learned log σ² per dimension, else null
    // The likelihood a pass scores its x with: the model's, without in-kernel binarization (forward binarizes x first).
    private final org.hvae4j.latent.Likelihood scored;

    public Hvae(ModelSpec spec, Backend backend, long seed) {
        this.spec = spec;
        this.scored = spec.likelihood() instanceof org.hvae4j.latent.BernoulliLikelihood b && b.binarized()
                ? org.hvae4j.latent.BernoulliLikelihood.of(false) : spec.likelihood();
        this.be = backend;
        this.depth = spec.latents().size();
        SplittableRandom rng = new SplittableRandom(seed);
        lat = new LatentSpec[depth];
        int[][] below = new int[depth][];
        for (int l = 0; l < depth; l++) {
            lat[l] = spec.latents().get(depth - 1 - l);
            below[l] = spec.blockBelow(depth - 1 - l);
        }
        int c = spec.conditioningDim();
        enc = new Net[depth];
        prior = new Net[depth];
        post = new Net[depth];
        var act = spec.activation();
        boolean res = spec.residualBlocks();
        Param.Role q = Param.Role.INFERENCE, p = Param.Role.GENERATIVE;
        Inference inf = spec.inference();
        for (int l = 0; l < depth; l++) {
            int[] ins;
            if (l == 0) {
                ins = c > 0 ? new int[] {spec.inputDim(), c} : new int[] {spec.inputDim()};
            } else if (inf.topDown()) {
                ins = enc[l - 1].featureWidths();
            } else {
                ins = c > 0 ? new int[] {lat[l - 1].size(), c} : new int[] {lat[l - 1].size()};
            }
            boolean headsHere = !inf.topDown() || l == depth - 1 || inf == Inference.LADDER;
            int[] heads = headsHere ? headSizes(lat[l]) : new int[0];
            enc[l] = new Net(be, (inf.topDown() ? "up" : "enc") + (l + 1), q, ins, below[l], heads, act, res, rng,
                    params);
        }
        for (int l = 0; l < depth - 1; l++) {
            int[] ins = c > 0 ? new int[] {lat[l + 1].size(), c} : new int[] {lat[l + 1].size()};
            prior[l] = new Net(be, "prior" + (l + 1), p, ins, reversed(below[l + 1]), headSizes(lat[l]), act, res,
                    rng, params);
            if (inf == Inference.RESIDUAL) {
                int[] upW = enc[l].featureWidths();
                int[] prW = prior[l].featureWidths();
                int[] both = Arrays.copyOf(upW, upW.length + prW.length);
                System.arraycopy(prW, 0, both, upW.length, prW.length);
                post[l] = new Net(be, "post" + (l + 1), q, both, new int[0], headSizes(lat[l]), act, res, rng, params);
            }
        }
        if (c > 0) {
            prior[depth - 1] = new Net(be, "prior" + depth, p, new int[] {c}, new int[0], headSizes(lat[depth - 1]),
                    act, res, rng, params);
        }
        int[] decIns = c > 0 ? new int[] {lat[0].size(), c} : new int[] {lat[0].size()};
        int[] likHeads = new int[spec.likelihood().heads()];
        Arrays.fill(likHeads, spec.inputDim());
        decoder = new Net(be, "dec", p, decIns, reversed(below[0]), likHeads, act, res, rng, params);
        if (spec.likelihood() instanceof org.hvae4j.latent.GaussianLikelihood g && g.perDimension()) {
            sharedLogVariance = new Param("dec.logvar", p, be.zeros(spec.inputDim()));
            params.add(sharedLogVariance);
        } else {
            sharedLogVariance = null;
        }
    }

    /** The likelihood's parameter tensors for the decoder's heads: the heads, plus the shared log σ² broadcast. */
    List<Tensor> likelihoodParams(List<Tensor> decoderHeads) {
        if (sharedLogVariance == null) {
            return decoderHeads;
        }
        Tensor mu = decoderHeads.get(0);
        Tensor lv = be.zeros(mu.rows(), mu.cols());
        be.biasAdd(lv, sharedLogVariance.value());
        return List.of(mu, lv);
    }

    private static int[] headSizes(LatentSpec l) {
        return l.isGaussian() ? new int[] {l.size(), l.size()} : new int[] {l.size()};
    }

    private static int[] reversed(int[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[a.length - 1 - i];
        }
        return r;
    }

    public ModelSpec spec() {
        return spec;
    }

    public Backend backend() {
        return be;
    }

    /** Every parameter, in a stable order (checkpoints and exports rely on it). */
    public List<Param> parameters() {
        return Collections.unmodifiableList(params);
    }

    public long parameterCount() {
        return params.stream().mapToLong(p -> p.value().numel()).sum();
    }

    public int depth() {
        return depth;
    }

    /** Latent layer l, bottom-up (0 is z1). */
    public LatentSpec latent(int l) {
        return lat[l];
    }

    /**
     * A model with the same networks whose parameters share this model's values but keep their own gradients
     * (data-parallel training). Close the replica before this model.
     */
    public Hvae replica() {
        Hvae r = new Hvae(spec, be, 0);
        for (int i = 0; i < params.size(); i++) {
            r.params.get(i).shareValueOf(params.get(i));
        }
        return r;
    }

    public void zeroGrad() {
        params.forEach(Param::zeroGrad);
    }

    // ---- forward ---------------------------------------------------------------------------------------------

    /**
     * Per-step noise streams: one per latent layer and one for the likelihood's binarization. With an
     * {@code offsetSource} (a captured step), the step's share of the offsets is read from device memory there.
     */
    record Streams(long seed, long step, long offsetSource) {
        Streams(long seed, long step) {
            this(seed, step, 0);
        }

        Noise latent(int l) {
            return Noise.of(seed, step, l).withOffsetSource(offsetSource);
        }

        Noise likelihood() {
            return Noise.of(seed, step, 0xFFFF).withOffsetSource(offsetSource);
        }
    }

    /** Everything a forward pass computed that its backward pass reads. */
    final class Pass {
        final int batch;
        final int k;
        final int rows;
        final Tensor x;
        final Tensor c;
        final Tensor cK;
        final Streams streams;
        final Net.Out[] encOut = new Net.Out[depth];
        final Net.Out[] priorOut = new Net.Out[depth];
        final Net.Out[] postOut = new Net.Out[depth];
        final List<Tensor>[] upRep;  // residual inference: up features repeated to rows
        final List<Tensor>[] qHat;   // ladder: bottom-up estimates (repeated)
        final List<Tensor>[] q;      // posterior parameters fed to the latent op (rows)
        final List<Tensor>[] p;      // prior parameters (rows), null for the fixed top prior
        final LatentSample[] z = new LatentSample[depth];
        Net.Out decOut;
        Tensor logpx;
        final boolean[] analyticKl = new boolean[depth];

        @SuppressWarnings("unchecked")
        Pass(Tensor x, Tensor c, int k, Streams streams) {
            this.batch = x.rows();
            this.k = k;
            this.rows = batch * k;
            this.x = x;
            this.c = c;
            this.cK = c == null ? null : repeat(c, k);
            this.streams = streams;
            upRep = new List[depth];
            qHat = new List[depth];
            q = new List[depth];
            p = new List[depth];
        }

        /** KL term of layer l per row: analytic where q and p share parents, else log q − log p. */
        Tensor klTerm(int l) {
            if (analyticKl[l]) {
                return z[l].kl();
            }
            Tensor t = be.empty(rows);
            be.axpby(1f, z[l].logq(), 0f, t);
            be.axpby(-1f, z[l].logp(), 1f, t);
            return t;
        }

        /** log w = log p(x|z) + Σ_l (log p(z_l) − log q(z_l)) per row. */
        Tensor logWeights() {
            Tensor w = be.empty(rows);
            be.axpby(1f, logpx, 0f, w);
            for (int l = 0; l < depth; l++) {
                be.axpby(1f, z[l].logp(), 1f, w);
                be.axpby(-1f, z[l].logq(), 1f, w);
            }
            return w;
        }

        List<Tensor> lik;

        /** The parameters of p(x|z) (rows × input). */
        List<Tensor> likelihoodParams() {
            return lik;
        }
    }

    Tensor repeat(Tensor t, int k) {
        if (k == 1) {
            return t;
        }
        Tensor r = be.empty(t.rows() * k, t.cols());
        be.repeatRows(t, k, r);
        return r;
    }

    private List<Tensor> repeatAll(List<Tensor> ts, int k) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor t : ts) {
            r.add(repeat(t, k));
        }
        return r;
    }

    private List<Tensor> withC(Tensor t, Tensor c) {
        return c == null ? List.of(t) : List.of(t, c);
    }

    private LatentSample emptySample(int rows, int size) {
        return new LatentSample(be.empty(rows, size), be.empty(rows), be.empty(rows), be.empty(rows));
    }

    /** Samples layer l from q with prior params p (null: the fixed prior) into pass.z[l]. */
    private void sampleLayer(Pass ps, int l) {
        sampleInto(ps, l, outputs(ps, l));
    }

    /** Draws only z of layer l (its KL and densities come later, once its prior is known). */
    private void sampleZ(Pass ps, int l) {
        sampleInto(ps, l, new LatentSample(outputs(ps, l).z(), null, null, null));
    }

    /** pass.z[l], allocated on first use. */
    private LatentSample outputs(Pass ps, int l) {
        if (ps.z[l] == null) {
            ps.z[l] = emptySample(ps.rows, lat[l].size());
        }
        return ps.z[l];
    }

    private void sampleInto(Pass ps, int l, LatentSample out) {
        LatentSpec s = lat[l];
        List<Tensor> q = ps.q[l], p = ps.p[l];
        Noise noise = ps.streams.latent(l);
        if (s.isGaussian()) {
            gaussian(l).rsample(q.get(0), q.get(1), p == null ? null : p.get(0), p == null ? null : p.get(1), noise,
                    out);
        } else {
            BernoulliLatent.of(s.size(), s.estimator()).sample(q.get(0), p == null ? null : p.get(0), 0f, noise, out);
        }
    }

    GaussianLatent gaussian(int l) {
        GaussianLatent g = GaussianLatent.of(lat[l].size());
        return residualPosterior(l) ? g.residual() : g;
    }

    /** Residual inference gives Gaussian posteriors below the top as residuals on their prior. */
    boolean residualPosterior(int l) {
        return spec.inference() == Inference.RESIDUAL && l < depth - 1 && lat[l].isGaussian();
    }

    /** Runs the model on x (batch rows, on this backend) with k samples per example. */
    Pass forward(Tensor x, Tensor c, int k, Streams streams) {
        if (spec.likelihood() instanceof org.hvae4j.latent.BernoulliLikelihood b && b.binarized()) {
            // Dynamic binarization: the encoder must see the same binary x that the decoder reconstructs (and that
            // evaluation data is binarized to); the likelihood's in-place binarization of it would be the identity,
            // so the pass scores x as it is (scored) and draws no noise for it.
            x = b.binarize(x, streams.likelihood());
        }
        Pass ps = new Pass(x, c, k, streams);
        if (spec.inference().topDown()) {
            forwardTopDown(ps);
        } else {
            forwardBottomUp(ps);
        }
        ps.decOut = decoder.forward(withC(ps.z[0].z(), ps.cK));
        ps.lik = likelihoodParams(ps.decOut.heads());
        ps.logpx = be.empty(ps.rows);
        scored.logProb(ps.lik, x, streams.likelihood(), ps.logpx);
        return ps;
    }

    private void forwardBottomUp(Pass ps) {
        for (int l = 0; l < depth; l++) {
            List<Tensor> in = l == 0 ? withC(ps.x, ps.c) : withC(ps.z[l - 1].z(), ps.cK);
            ps.encOut[l] = enc[l].forward(in);
            ps.q[l] = l == 0 ? repeatAll(ps.encOut[l].heads(), ps.k) : ps.encOut[l].heads();
            ps.analyticKl[l] = l == depth - 1;
            if (prior[l] == null) {
                sampleLayer(ps, l);  // the fixed prior: z, KL, log q and log p at once
            } else {
                sampleZ(ps, l);  // z only: its prior's parent is not sampled yet
            }
        }
        for (int l = 0; l < depth; l++) {
            if (prior[l] != null) {
                ps.priorOut[l] = prior[l].forward(l == depth - 1 ? List.of(ps.cK) : withC(ps.z[l + 1].z(), ps.cK));
                ps.p[l] = ps.priorOut[l].heads();
                // Same noise, same z (up to the last place, which a vector loop may round otherwise): KL, log q and
                // log p against the real prior now, and the z the layer above already read is kept.
                LatentSample s = ps.z[l];
                sampleInto(ps, l, new LatentSample(be.empty(ps.rows, lat[l].size()), s.kl(), s.logq(), s.logp()));
            }
        }
    }

    private void forwardTopDown(Pass ps) {
        for (int l = 0; l < depth; l++) {
            ps.encOut[l] = enc[l].forward(l == 0 ? withC(ps.x, ps.c) : ps.encOut[l - 1].features());
        }
        int top = depth - 1;
        ps.q[top] = repeatAll(ps.encOut[top].heads(), ps.k);
        if (prior[top] != null) {
            ps.priorOut[top] = prior[top].forward(List.of(ps.cK));
            ps.p[top] = ps.priorOut[top].heads();
        }
        ps.analyticKl[top] = true;
        sampleLayer(ps, top);
        for (int l = depth - 2; l >= 0; l--) {
            ps.priorOut[l] = prior[l].forward(withC(ps.z[l + 1].z(), ps.cK));
            ps.p[l] = ps.priorOut[l].heads();
            if (spec.inference() == Inference.LADDER) {
                ps.qHat[l] = repeatAll(ps.encOut[l].heads(), ps.k);
                Tensor mq = be.empty(ps.rows, lat[l].size()), lvq = be.empty(ps.rows, lat[l].size());
                be.kernels().precisionMerge(mq.numel(), ps.qHat[l].get(0).address(), ps.qHat[l].get(1).address(),
                        ps.p[l].get(0).address(), ps.p[l].get(1).address(), mq.address(), lvq.address());
                ps.q[l] = List.of(mq, lvq);
            } else {
                ps.upRep[l] = repeatAll(ps.encOut[l].features(), ps.k);
                List<Tensor> in = new ArrayList<>(ps.upRep[l]);
                in.addAll(ps.priorOut[l].features());
                ps.postOut[l] = post[l].forward(in);
                if (lat[l].isGaussian()) {
                    ps.q[l] = ps.postOut[l].heads();  // residuals; the kernel adds the prior
                } else {
                    Tensor logits = be.empty(ps.rows, lat[l].size());
                    be.axpby(1f, ps.p[l].get(0), 0f, logits);
                    be.axpby(1f, ps.postOut[l].heads().get(0), 1f, logits);
                    ps.q[l] = List.of(logits);
                }
            }
            ps.analyticKl[l] = true;
            sampleLayer(ps, l);
        }
    }

    // ---- backward --------------------------------------------------------------------------------------------

    /**
     * Per-row weights of one backward pass: the loss is Σ_r lik[r]·log p(x|z)_r + Σ_l (kl[l]·KL + q[l]·log q +
     * p[l]·log p) per row, plus REINFORCE signals for Bernoulli layers that use it.
     */
    static final class Weights {
        Tensor lik;
        final Tensor[] kl;
        final Tensor[] logq;
        final Tensor[] logp;
        final Tensor[] signal;
        boolean logqPathOnly;

        Weights(int depth) {
            kl = new Tensor[depth];
            logq = new Tensor[depth];
            logp = new Tensor[depth];
            signal = new Tensor[depth];
        }

        RowWeights row(int l) {
            return new RowWeights(kl[l], logq[l], logp[l]);
        }
    }

    private Tensor zerosLike(Tensor t) {
        return be.zeros(t.rows(), t.cols());
    }

    private static void addInto(Backend be, Tensor acc, Tensor d) {
        if (d != null) {
            be.axpby(1f, d, 1f, acc);
        }
    }

    /** Gradients of one latent layer's op: dq (posterior params), dp (prior params or null). */
    private record LayerGrads(List<Tensor> dq, List<Tensor> dp) {}

    /**
     * The gradients of layer l's latent op; {@code wantDq} / {@code wantDp} false leaves that side out (null in the
     * result; the kernel skips its arithmetic).
     */
    private LayerGrads latentBackward(Pass ps, int l, Tensor dz, Weights w, boolean wantDq, boolean wantDp) {
        LatentSpec s = lat[l];
        List<Tensor> q = ps.q[l], p = ps.p[l];
        Noise noise = ps.streams.latent(l);
        List<Tensor> dq = wantDq ? emptyLike(q) : null;
        List<Tensor> dp = p != null && wantDp ? emptyLike(p) : null;
        if (s.isGaussian()) {
            gaussian(l).backward(q.get(0), q.get(1), p == null ? null : p.get(0), p == null ? null : p.get(1), noise,
                    dz, w.row(l), w.logqPathOnly, dq == null ? null : dq.get(0), dq == null ? null : dq.get(1),
                    dp == null ? null : dp.get(0), dp == null ? null : dp.get(1));
        } else {
            BernoulliLatent.of(s.size(), s.estimator()).backward(q.get(0), p == null ? null : p.get(0), 0f, noise, dz,
                    w.row(l), w.signal[l], dq == null ? null : dq.get(0), dp == null ? null : dp.get(0));
        }
        return new LayerGrads(dq, dp);
    }

    private List<Tensor> emptyLike(List<Tensor> ts) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor t : ts) {
            r.add(be.empty(t.rows(), t.cols()));
        }
        return r;
    }

    private List<Tensor> sumRepeats(List<Tensor> ds, int k) {
        if (k == 1) {
            return ds;
        }
        List<Tensor> r = new ArrayList<>();
        for (Tensor d : ds) {
            Tensor s = be.empty(d.rows() / k, d.cols());
            be.sumRepeats(d, k, s, 0f);
            r.add(s);
        }
        return r;
    }

    private static boolean[] need(int n, boolean first) {
        boolean[] b = new boolean[n];
        b[0] = first;
        return b;
    }

    /**
     * Back-propagates a pass with the given weights, accumulating gradients of the parameters whose role is in
     * {@code roles}.
     */
    void backward(Pass ps, Weights w, java.util.Set<Param.Role> roles) {
        boolean gen = roles.contains(Param.Role.GENERATIVE), inf = roles.contains(Param.Role.INFERENCE);
        List<Tensor> dLik = new ArrayList<>();
        for (Tensor t : ps.lik) {
            dLik.add(be.empty(t.rows(), t.cols()));
        }
        scored.backward(ps.lik, ps.x, ps.streams.likelihood(), w.lik, dLik);
        if (sharedLogVariance != null) {
            if (gen) {
                be.sumRows(dLik.get(1), sharedLogVariance.grad(), 1f, 1f);
            }
            dLik = dLik.subList(0, 1);
        }
        int nIn = ps.cK == null ? 1 : 2;
        Tensor[] dz = new Tensor[depth];
        for (int l = 0; l < depth; l++) {
            dz[l] = zerosLike(ps.z[l].z());
        }
        addInto(be, dz[0], decoder.backward(ps.decOut, dLik, null, gen, need(nIn, true)).get(0));
        if (spec.inference().topDown()) {
            backwardTopDown(ps, w, dz, gen, inf, nIn);
        } else {
            backwardBottomUp(ps, w, dz, gen, inf, nIn);
        }
    }

    private void backwardBottomUp(Pass ps, Weights w, Tensor[] dz, boolean gen, boolean inf, int nIn) {
        // Prior parameters' gradients do not depend on dz: take them first, and with them the prior nets'
        // gradients into the layer above.
        for (int l = 0; l < depth; l++) {
            if (prior[l] == null) {
                continue;
            }
            LayerGrads g = latentBackward(ps, l, null, w, false, true);
            List<Tensor> dIn = prior[l].backward(ps.priorOut[l], g.dp(), null, gen,
                    l == depth - 1 ? new boolean[] {false} : need(nIn, true));
            if (l < depth - 1) {
                addInto(be, dz[l + 1], dIn.get(0));
            }
        }
        // Then top-down: each layer's dz is complete once the encoder above it has passed its input gradient down.
        for (int l = depth - 1; l >= 0; l--) {
            LayerGrads g = latentBackward(ps, l, dz[l], w, true, false);  // dp was taken above
            List<Tensor> dq = l == 0 ? sumRepeats(g.dq(), ps.k) : g.dq();
            List<Tensor> dIn = enc[l].backward(ps.encOut[l], dq, null, inf, need(nIn, l > 0));
            if (l > 0) {
                addInto(be, dz[l - 1], dIn.get(0));
            }
        }
    }

    private void backwardTopDown(Pass ps, Weights w, Tensor[] dz, boolean gen, boolean inf, int nIn) {
        List<Tensor>[] dUp = upGradients(ps);
        for (int l = 0; l < depth; l++) {
            LayerGrads g = latentBackward(ps, l, dz[l], w, true, true);
            List<Tensor> dp = g.dp();
            List<Tensor> extraPriorFeat = null;
            if (l == depth - 1) {
                accumulate(dUp[l], enc[l].heads.isEmpty() ? null : headsToFeatures(ps, l, sumRepeats(g.dq(), ps.k), inf));
            } else if (spec.inference() == Inference.LADDER) {
                Tensor dmh = be.empty(ps.rows, lat[l].size()), dlvh = be.empty(ps.rows, lat[l].size());
                Tensor dmp = be.empty(ps.rows, lat[l].size()), dlvp = be.empty(ps.rows, lat[l].size());
                be.kernels().precisionMergeBackward(dmh.numel(), ps.qHat[l].get(0).address(),
                        ps.qHat[l].get(1).address(), ps.p[l].get(0).address(), ps.p[l].get(1).address(),
                        g.dq().get(0).address(), g.dq().get(1).address(), dmh.address(), dlvh.address(), dmp.address(),
                        dlvp.address());
                addInto(be, dp.get(0), dmp);
                addInto(be, dp.get(1), dlvp);
                accumulate(dUp[l], headsToFeatures(ps, l, sumRepeats(List.of(dmh, dlvh), ps.k), inf));
            } else {
                List<Tensor> dDelta = g.dq();
                if (!lat[l].isGaussian()) {
                    addInto(be, dp.get(0), g.dq().get(0));  // q logits = p logits + Δ
                }
                int nUp = ps.upRep[l].size();
                boolean[] needPost = new boolean[nUp + ps.priorOut[l].features().size()];
                Arrays.fill(needPost, true);
                List<Tensor> dPostIn = post[l].backward(ps.postOut[l], dDelta, null, inf, needPost);
                accumulate(dUp[l], sumRepeats(dPostIn.subList(0, nUp), ps.k));
                extraPriorFeat = dPostIn.subList(nUp, dPostIn.size());
            }
            if (prior[l] != null) {
                List<Tensor> dIn = prior[l].backward(ps.priorOut[l], dp, extraPriorFeat, gen,
                        l == depth - 1 ? new boolean[] {false} : need(nIn, true));
                if (l < depth - 1) {
                    addInto(be, dz[l + 1], dIn.get(0));
                }
            }
        }
        // The deterministic upward path, from the top down to x.
        for (int l = depth - 1; l >= 0; l--) {
            List<Tensor> dIn = enc[l].backward(ps.encOut[l], Collections.nCopies(enc[l].heads.size(), null), dUp[l],
                    inf, need(l == 0 ? nIn : ps.encOut[l - 1].features().size(), l > 0));
            if (l > 0) {
                accumulate(dUp[l - 1], dIn);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private List<Tensor>[] upGradients(Pass ps) {
        List<Tensor>[] d = new List[depth];
        for (int l = 0; l < depth; l++) {
            d[l] = new ArrayList<>();
            for (Tensor f : ps.encOut[l].features()) {
                d[l].add(zerosLike(f));
            }
        }
        return d;
    }

    private void accumulate(List<Tensor> acc, List<Tensor> ds) {
        if (ds == null) {
            return;
        }
        for (int i = 0; i < acc.size(); i++) {
            if (ds.get(i) != null) {
                addInto(be, acc.get(i), ds.get(i));
            }
        }
    }

    /** Gradient of the up-path features through its heads (batch rows), accumulating head parameter grads. */
    private List<Tensor> headsToFeatures(Pass ps, int l, List<Tensor> dHeads, boolean paramGrads) {
        List<Tensor> feats = ps.encOut[l].features();
        List<Tensor> dFeat = new ArrayList<>();
        for (Tensor f : feats) {
            dFeat.add(zerosLike(f));
        }
        for (int h = 0; h < dHeads.size(); h++) {
            enc[l].heads.get(h).backward(feats, dHeads.get(h), paramGrads, dFeat, true);
        }
        return dFeat;
    }

    @Override
    public void close() {
        params.forEach(Param::close);
    }
}
