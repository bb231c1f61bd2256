package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.latent.BernoulliLikelihood;
import org.hvae4j.latent.GaussianLikelihood;
import org.hvae4j.latent.LatentLayer;
import org.hvae4j.latent.LatentSample;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.latent.Noise;
import org.hvae4j.nn.CellContext;
import org.hvae4j.nn.CellSpec;
import org.hvae4j.nn.MlpCellSpec;
import org.hvae4j.nn.Param;
import org.hvae4j.nn.ParameterPlan;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * A hierarchical VAE built from a {@link ModelSpec} on one {@link Backend}, assembled from cells, latent layers and
 * linear heads: the generative model (a prior network per layer that has a parent, the decoder and its likelihood)
 * and the inference networks of its {@link Inference} scheme. Latent layers are indexed bottom-up here (0 is z1,
 * next to x).
 *
 * <p>The research API: {@link #forward} runs a pass and returns a {@link Pass} (per-row log-weights, KL, log q, log p
 * and log p(x|z)), whose {@link Pass#backward} back-propagates per-row {@link Weights} of the caller's choosing into the
 * parameters' gradients ({@link #parameters}, {@link Param#grad}); {@link #encode}, {@link #decode},
 * {@link #sample}, {@link #generate} and {@link #interpolate} use the trained model.
 *
 * <p><b>Threads.</b> A model is used by one thread at a time: its passes share the model's gradient and scratch
 * memory. Calls from different threads one after another are fine; a call made while another thread is inside one of
 * the model's calls ({@code forward}, {@code Pass.backward}, {@code decode}, {@code sample}, ...) throws
 * {@link java.util.ConcurrentModificationException} and changes nothing. A {@link Pass} belongs to the thread that
 * made it. For parallel work give each thread its own model, or a {@link #replica} (shared parameter values, own
 * gradients), as the two-worker trainer does.
 */
public final class Hvae implements AutoCloseable {
    final ModelSpec spec;
    final Backend be;
    final List<Param> params = new ArrayList<>();
    private final List<Param> buffers = new ArrayList<>();   // state that is not trained (running statistics)
    final int depth;
    final LatentSpec[] lat;         // bottom-up
    final LatentLayer[] layers;     // bottom-up, as the inference scheme uses them
    final Net[] prior;              // p(z_l | z_{l+1}, c); the top one only when conditional
    final Net decoder;
    final boolean state;            // the generative path's top-down state: prior l + 1's features feed prior l
    final Param sharedLogVariance;  // Gaussian likelihood with one learned log σ² per dimension, else null
    final InferenceScheme inference;
    // The likelihood a pass scores its x with: the model's, without in-kernel binarization (forward binarizes x first).
    private final Likelihood scored;
    final UseGuard guard = new UseGuard("model");

    /**
     * Builds the model on {@code backend}, its parameters drawn from {@code seed}. The size is checked first: a model
     * whose parameters and gradients do not fit in the backend's memory, or one of whose tensors exceeds what a
     * tensor can hold, is refused with an {@link IllegalArgumentException} naming its need, before anything is
     * allocated.
     */
    public Hvae(ModelSpec spec, Backend backend, long seed) {
        this(spec, checkSize(spec, backend), seed, null);
    }

    /**
     * The sizes of the parameters a model of {@code spec} has, computed without allocating them (see
     * {@link ParameterPlan}).
     */
    public static ParameterPlan plan(ModelSpec spec) {
        ParameterPlan plan = new ParameterPlan();
        new Hvae(spec, null, 0, plan);
        return plan;
    }

    /** Bytes of one float copy of every parameter. */
    static long parameterBytes(ParameterPlan plan) {
        return plan.total() > Long.MAX_VALUE / 4 ? Long.MAX_VALUE : plan.total() * 4;
    }

    private static Backend checkSize(ModelSpec spec, Backend backend) {
        if (spec == null || backend == null) {
            throw new IllegalArgumentException("model spec and backend must not be null");
        }
        ParameterPlan plan = plan(spec);
        if (plan.largest() > ParameterPlan.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException("the model's parameter " + plan.largestDescription() + " has "
                    + plan.largest() + " values, more than one tensor can hold (" + ParameterPlan.MAX_TENSOR_VALUES
                    + "): make the layers narrower");
        }
        long bytes = parameterBytes(plan);
        long need = bytes > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * bytes;   // values and gradients
        long have = backend.memoryCapacity();
        if (need > have) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the model has %,d parameters "
                    + "(the largest tensor %s): their values and gradients need %s, more than the %s of memory on %s "
                    + "(training needs %s more for Adam's moments); make the layers narrower", plan.total(),
                    plan.largestDescription(), gib(need), gib(have), backend.device(), gib(need)));
        }
        long heap = Runtime.getRuntime().maxMemory();
        if (plan.largest() * 4 > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "initializing the model's "
                    + "parameter %s needs a host buffer of %s, more than the JVM's maximum heap of %s (raise -Xmx, or "
                    + "make the layers narrower)", plan.largestDescription(), gib(plan.largest() * 4), gib(heap)));
        }
        return backend;
    }

    static String gib(long bytes) {
        return bytes == Long.MAX_VALUE ? "more than 8 EiB"
                : String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private Hvae(ModelSpec spec, Backend backend, long seed, ParameterPlan plan) {
        this.spec = spec;
        this.scored = spec.likelihood() instanceof BernoulliLikelihood b && b.binarized()
                ? BernoulliLikelihood.of(false) : spec.likelihood();
        this.be = backend;
        this.depth = spec.latents().size();
        this.state = spec.topDownState();
        // The model owns its parameters: they stay out of any memory scope the caller has open (and are freed, with
        // whatever was made so far, if the construction fails).
        MemoryScope own = MemoryScope.open();
        try {
            CellContext ctx = new CellContext(backend, spec.activation(), new SplittableRandom(seed), params, plan);
            this.inference = InferenceScheme.of(spec.inference());
            lat = new LatentSpec[depth];
            layers = new LatentLayer[depth];
            for (int l = 0; l < depth; l++) {
                lat[l] = spec.latents().get(depth - 1 - l);
                layers[l] = inference.layer(l, depth, lat[l].layer());
            }
            int c = spec.conditioningDim();
            // Parameters are created (and drawn from the seed's stream) in a fixed order: the inference networks'
            // upward parts, then per layer its prior and the scheme's posterior network, the top prior, the decoder.
            for (int l = 0; l < depth; l++) {
                inference.buildUpward(this, ctx, l);
            }
            prior = new Net[depth];
            if (!state) {
                for (int l = 0; l < depth - 1; l++) {
                    buildPrior(ctx, l, c);
                }
            }
            if (c > 0) {
                prior[depth - 1] = new Net(ctx, "prior" + depth, Param.Role.GENERATIVE, MlpCellSpec.of(), new int[] {c},
                        headSizes(depth - 1));
            }
            if (state) {
                // Each prior network reads the features of the one above: they are built from the top down.
                for (int l = depth - 2; l >= 0; l--) {
                    buildPrior(ctx, l, c);
                }
            }
            int[] likHeads = new int[spec.likelihood().heads()];
            java.util.Arrays.fill(likHeads, spec.inputDim());
            decoder = new Net(ctx, "dec", Param.Role.GENERATIVE, cellBelow(0).mirrored(),
                    withState(withC(lat[0].size(), c), 0), likHeads);
            if (!(spec.likelihood() instanceof GaussianLikelihood g && g.perDimension())) {
                sharedLogVariance = null;
            } else if (plan != null) {
                plan.add("dec.logvar", spec.inputDim());
                sharedLogVariance = null;
            } else {
                sharedLogVariance = new Param("dec.logvar", Param.Role.GENERATIVE, be.zeros(spec.inputDim()));
                params.add(sharedLogVariance);
            }
            // The cells registered their buffers among the parameters, in creation order: kept apart.
            params.stream().filter(p -> !p.trainable()).forEach(buffers::add);
            params.removeIf(p -> !p.trainable());
            own.detachAll();
        } catch (RuntimeException | Error e) {
            own.close();
            throw e;
        }
        own.close();
    }

    /** Prior network l (below the top) and the inference scheme's posterior network of layer l. */
    private void buildPrior(CellContext ctx, int l, int c) {
        prior[l] = new Net(ctx, "prior" + (l + 1), Param.Role.GENERATIVE, cellBelow(l + 1).mirrored(),
                withState(withC(lat[l + 1].size(), c), l + 1), headSizes(l));
        inference.buildPosterior(this, ctx, l);
    }

    /**
     * The input widths of the generative network that reads layer l's code ({@code ins}: z_l and c), followed, with a
     * top-down state, by the widths of prior network l's features where layer l has one.
     */
    private int[] withState(int[] ins, int l) {
        if (!state || prior[l] == null) {
            return ins;
        }
        int[] f = prior[l].featureWidths();
        int[] r = java.util.Arrays.copyOf(ins, ins.length + f.length);
        System.arraycopy(f, 0, r, ins.length, f.length);
        return r;
    }

    /** The inputs of the generative network that reads layer l's code: z_l, c and, with a top-down state, the state. */
    List<Tensor> generativeInputs(Tensor z, Tensor c, Net.Out above) {
        List<Tensor> in = new ArrayList<>(withC(z, c));
        if (state && above != null) {
            in.addAll(above.features());
        }
        return in;
    }

    /** The cell between latent layer l and what lies below it (layer l − 1, or x). */
    CellSpec cellBelow(int l) {
        return spec.cellBelow(depth - 1 - l);
    }

    /** The widths of a network input and, for a conditional model, c. */
    int[] withC(int width, int c) {
        return c > 0 ? new int[] {width, c} : new int[] {width};
    }

    /** The sizes of the heads that parameterize layer l's distributions. */
    int[] headSizes(int l) {
        int[] h = new int[layers[l].parameterCount()];
        java.util.Arrays.fill(h, lat[l].size());
        return h;
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

    /**
     * The model's buffers, in a stable order: state its passes keep that is not trained (batch normalization's running
     * statistics, see {@link org.hvae4j.nn.BatchNorm}); checkpoints and exports save them after the parameters.
     */
    public List<Param> buffers() {
        return Collections.unmodifiableList(buffers);
    }

    public long parameterCount() {
        return params.stream().mapToLong(p -> p.value().numel()).sum();
    }

    public int depth() {
        return depth;
    }

    /** The description of latent layer l, bottom-up (0 is z1). */
    public LatentSpec latent(int l) {
        return lat[l];
    }

    /** Latent layer l as the model's passes use it (a residual posterior under residual inference). */
    public LatentLayer latentLayer(int l) {
        return layers[l];
    }

    /**
     * A model with the same networks whose parameters share this model's values but keep their own gradients
     * (data-parallel training). Close the replica before this model.
     */
    public Hvae replica() {
        return sharing(spec);
    }

    /**
     * A model with the same parameter values as this one (shared, not copied) whose description is {@code other},
     * which must have the same parameters (for example {@link ModelSpec#withBernoulliEstimator}: other gradients of
     * the same distributions). Close it before this model.
     */
    public Hvae sharing(ModelSpec other) {
        long measured = passBytesPerRow();   // measured here, on this thread: see below
        Hvae r = new Hvae(other, be, 0);
        // The replica takes this model's measure of a pass rather than measuring its own: a measurement reads the
        // backend's memory in use, which other threads' passes (those of this model or of other replicas) change,
        // and evaluations that split work between replicas must size their passes alike.
        r.passBytesPerRow = measured;
        try {
            if (r.params.size() != params.size() || r.buffers.size() != buffers.size()) {
                throw new IllegalArgumentException("model " + other + " does not have the parameters of " + spec);
            }
            for (int i = 0; i < params.size(); i++) {
                r.params.get(i).shareValueOf(params.get(i));
            }
            for (int i = 0; i < buffers.size(); i++) {
                r.buffers.get(i).shareValueOf(buffers.get(i));   // read, never updated, by the replica
            }
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        return r;
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        guard.enter();
        try {
            params.forEach(Param::zeroGrad);
        } finally {
            guard.exit();
        }
    }

    // ---- memory of a pass ---------------------------------------------------------------------------------------

    private static final int MEASURED_ROWS = 8;
    private long passBytesPerRow;

    /**
     * Backend memory a forward pass holds per row (an example's sample): measured once, on a pass of one example with
     * {@value #MEASURED_ROWS} samples (so it includes what the pass keeps for its backward pass, and overstates a little
     * what the per-example part costs). Evaluations size their passes by it: a convolutional model holds megabytes
     * per row where an MLP holds kilobytes.
     */
    public synchronized long passBytesPerRow() {
        if (passBytesPerRow == 0) {
            try (MemoryScope s = MemoryScope.open()) {
                Tensor x = be.zeros(1, spec.inputDim());
                Tensor c = spec.conditional() ? be.zeros(1, spec.conditioningDim()) : null;
                long before = be.memoryStats().bytesInUse();
                try (Pass ps = forward(x, c, MEASURED_ROWS, NoiseStreams.of(0, 0))) {
                    long held = be.memoryStats().bytesInUse() - before;
                    passBytesPerRow = Math.max(1, held / MEASURED_ROWS);
                }
            }
        }
        return passBytesPerRow;
    }

    /**
     * Data-dependent initialization of the convolutional cells' weight-normalized convolutions (Salimans and Kingma
     * 2016; NVAE initializes so): one forward pass over x (rows of this backend; c with conditioning, else null), in
     * which each such convolution, in the order the pass reaches it, sets its gains and bias so that its outputs on x
     * have mean 0 and variance 1 in every output channel before the layers after it see them (see
     * {@link org.hvae4j.nn.DataInit}). The heads, the MLP cells and the latent layers keep their initialization: for a
     * model without convolutional cells this changes nothing. Call it on a fresh model, before training, with a batch
     * of real examples ({@link Trainer#initializeFromData} does). Returns the number of convolutions initialized.
     */
    public int initializeFromData(Tensor x, Tensor c, long seed) {
        if (x.rows() < 2) {
            throw new IllegalArgumentException("data-dependent initialization needs a batch of at least 2 examples, "
                    + "got " + x.rows());
        }
        try (MemoryScope scope = MemoryScope.open()) {
            // A training pass: batch normalization (where a model has it) normalizes by this batch's statistics.
            return org.hvae4j.nn.DataInit.during(() -> org.hvae4j.nn.BatchNorm.training(() -> {
                forward(x, c, 1, NoiseStreams.of(seed, 0)).close();
                return null;
            })).layers();
        }
    }

    /** Rows (examples × samples) per pass that keep a pass within {@code budgetBytes} of memory (at least 1). */
    public int rowsWithin(long budgetBytes) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetBytes / passBytesPerRow()));
    }

    // ---- the forward pass -------------------------------------------------------------------------------------

    /**
     * Runs the model on x (batch rows on this backend; with conditioning, c of the same rows) with k samples per
     * example drawn from {@code streams}, and returns the pass. With a dynamically binarizing likelihood, x is
     * binarized first from the streams, and the encoder sees the binary x the decoder scores.
     */
    public Pass forward(Tensor x, Tensor c, int k, NoiseStreams streams) {
        return forward(x, c, k, streams, null);
    }

    /**
     * {@link #forward(Tensor, Tensor, int, NoiseStreams)} with the posterior's x-dependent parameters taken from
     * {@code local} (per-example free parameters, see {@link LocalPosterior}) instead of the inference networks; the
     * pass's backward accumulates their gradients. Null: the ordinary pass.
     */
    public Pass forward(Tensor x, Tensor c, int k, NoiseStreams streams, LocalPosterior local) {
        guard.enter();
        try {
            checkInput(x, c, "forward");
            if (local != null) {
                local.checkFor(this, x.rows());
            }
            if (k < 1) {
                throw new IllegalArgumentException("forward: samples per example k must be >= 1, got " + k);
            }
            Pass ps;
            try (MemoryScope scope = MemoryScope.open()) {
                if (spec.likelihood() instanceof BernoulliLikelihood b && b.binarized()) {
                    // The encoder must see the same binary x that the decoder reconstructs (and that evaluation data is
                    // binarized to); the likelihood's in-place binarization of it would be the identity, so the pass
                    // scores x as it is (scored) and draws no noise for it.
                    x = b.binarize(x, streams.likelihood());
                }
                ps = new Pass(this, x, c, k, streams, local);
                inference.forward(this, ps);
                ps.decoder = decoder.forward(generativeInputs(ps.z[0].z(), ps.cK, ps.prior[0]));
                ps.likelihood = likelihoodParams(ps.decoder.heads());
                ps.logpx = be.empty(ps.rows);
                scored.logProb(ps.likelihood, x, streams.likelihood(), ps.logpx);
                ps.adopt(scope);
            }
            MemoryScope.closeWithCurrent(ps);
            return ps;
        } finally {
            guard.exit();
        }
    }

    private void checkInput(Tensor x, Tensor c, String op) {
        if (x == null) {
            throw new IllegalArgumentException(op + ": x must not be null");
        }
        if (x.backend() != be) {
            throw new IllegalArgumentException(op + ": x is on " + x.device() + ", the model on " + be.device());
        }
        if (x.cols() != spec.inputDim()) {
            throw new IllegalArgumentException(op + ": x " + x.shape() + " must have the model's " + spec.inputDim()
                    + " input columns");
        }
        checkCondition(c, x.rows(), op);
    }

    private void checkCondition(Tensor c, int rows, String op) {
        if (!spec.conditional()) {
            if (c != null) {
                throw new IllegalArgumentException(op + ": the model is not conditional, but a condition c was given");
            }
            return;
        }
        if (c == null) {
            throw new IllegalArgumentException(op + ": the model is conditioned on c (" + spec.conditioningDim()
                    + " values per row): give c");
        }
        if (c.backend() != be || c.rows() != rows || c.cols() != spec.conditioningDim()) {
            throw new IllegalArgumentException(op + ": c " + c.shape() + " on " + c.device() + " must be [" + rows
                    + ", " + spec.conditioningDim() + "] on " + be.device());
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

    Tensor repeat(Tensor t, int k) {
        if (k == 1) {
            return t;
        }
        Tensor r = be.empty(t.rows() * k, t.cols());
        be.repeatRows(t, k, r);
        return r;
    }

    List<Tensor> repeatAll(List<Tensor> ts, int k) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor t : ts) {
            r.add(repeat(t, k));
        }
        return r;
    }

    List<Tensor> withC(Tensor t, Tensor c) {
        return c == null ? List.of(t) : List.of(t, c);
    }

    /** Samples layer l from its posterior into the pass: z, KL, log q and log p at once. */
    void sampleLayer(Pass ps, int l) {
        layers[l].sample(ps.q[l], ps.p[l], ps.streams.latent(l), outputs(ps, l));
    }

    /** Draws only z of layer l (its KL and densities come later, once its prior is known). */
    void sampleZ(Pass ps, int l) {
        layers[l].sample(ps.q[l], ps.p[l], ps.streams.latent(l), new LatentSample(outputs(ps, l).z(), null, null, null));
    }

    /**
     * Layer l's KL, log q and log p against its prior, now known, for the z drawn before with the same noise (the z
     * the layer above already read is kept; the recomputed one goes to a scratch tensor).
     */
    void scoreLayer(Pass ps, int l) {
        LatentSample s = ps.z[l];
        layers[l].sample(ps.q[l], ps.p[l], ps.streams.latent(l),
                new LatentSample(be.empty(ps.rows, lat[l].size()), s.kl(), s.logq(), s.logp()));
    }

    private LatentSample outputs(Pass ps, int l) {
        if (ps.z[l] == null) {
            ps.z[l] = new LatentSample(be.empty(ps.rows, lat[l].size()), be.empty(ps.rows), be.empty(ps.rows),
                    be.empty(ps.rows));
        }
        return ps.z[l];
    }

    /** Runs prior network l on its parents (z of the layer above, and c). */
    void priorForward(Pass ps, int l) {
        ps.prior[l] = prior[l].forward(l == depth - 1 ? List.of(ps.cK)
                : generativeInputs(ps.z[l + 1].z(), ps.cK, ps.prior[l + 1]));
        ps.p[l] = ps.prior[l].heads();
    }

    // ---- the backward pass ------------------------------------------------------------------------------------

    /** Gradients of one latent layer's operation: dq (posterior inputs), dp (prior parameters or null). */
    record LayerGrads(List<Tensor> dq, List<Tensor> dp) {}

    /**
     * The gradients of layer l's latent operation; {@code wantDq} / {@code wantDp} false leaves that side out (null in
     * the result; the kernel skips its arithmetic).
     */
    LayerGrads latentBackward(Pass ps, int l, Tensor dz, Weights w, boolean wantDq, boolean wantDp) {
        List<Tensor> q = ps.q[l], p = ps.p[l];
        List<Tensor> dq = wantDq ? emptyLike(q) : null;
        List<Tensor> dp = p != null && wantDp ? emptyLike(p) : null;
        layers[l].backward(q, p, ps.streams.latent(l), dz, w.row(l), w.signal[l], w.logqPathOnly, dq, dp);
        return new LayerGrads(dq, dp);
    }

    List<Tensor> emptyLike(List<Tensor> ts) {
        List<Tensor> r = new ArrayList<>();
        for (Tensor t : ts) {
            r.add(be.empty(t.rows(), t.cols()));
        }
        return r;
    }

    Tensor zerosLike(Tensor t) {
        return be.zeros(t.rows(), t.cols());
    }

    void addInto(Tensor acc, Tensor d) {
        if (d != null) {
            be.axpby(1f, d, 1f, acc);
        }
    }

    void accumulate(List<Tensor> acc, List<Tensor> ds) {
        if (ds == null) {
            return;
        }
        for (int i = 0; i < acc.size(); i++) {
            if (ds.get(i) != null) {
                addInto(acc.get(i), ds.get(i));
            }
        }
    }

    List<Tensor> sumRepeats(List<Tensor> ds, int k) {
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

    static boolean[] need(int n, boolean first) {
        boolean[] b = new boolean[n];
        b[0] = first;
        return b;
    }

    /** Inputs of a network over (z or features, c): how many, given the pass. */
    int inputs(Pass ps) {
        return ps.cK == null ? 1 : 2;
    }

    /**
     * Back-propagates prior network l's parameter gradients dp (and, with a top-down state, what reached its features
     * from the network below, kept in the pass); returns the gradient of z of the layer above, and keeps the gradient
     * of the state it read for prior network l + 1.
     */
    Tensor priorBackward(Pass ps, int l, List<Tensor> dp, List<Tensor> extraFeatureGrads, boolean gen) {
        List<Tensor> extra = extraFeatureGrads;
        if (ps.dState[l] != null) {
            if (extra == null) {
                extra = ps.dState[l];
            } else {
                accumulate(extra, ps.dState[l]);
            }
        }
        if (l == depth - 1) {
            prior[l].backward(ps.prior[l], dp, extra, gen, new boolean[] {false});
            return null;
        }
        List<Tensor> dIn = prior[l].backward(ps.prior[l], dp, extra, gen, needWithState(ps, l + 1));
        keepStateGradient(ps, l + 1, dIn);
        return dIn.get(0);
    }

    /** Which inputs of the network reading layer l's code need gradients: z_l and, with a top-down state, the state. */
    private boolean[] needWithState(Pass ps, int l) {
        int n = inputs(ps);
        boolean[] b = need(n + (state && ps.prior[l] != null ? ps.prior[l].features().size() : 0), true);
        java.util.Arrays.fill(b, n, b.length, true);
        return b;
    }

    /** Keeps the gradients of the state (prior network l's features) read by the network below, from its dIn. */
    private void keepStateGradient(Pass ps, int l, List<Tensor> dIn) {
        if (state && ps.prior[l] != null) {
            int n = inputs(ps);
            ps.dState[l] = new ArrayList<>(dIn.subList(n, n + ps.prior[l].features().size()));
        }
    }

    /** Back-propagates w, accumulating gradients of the parameters whose role is in {@code w.roles}. */
    void backward(Pass ps, Weights w) {
        boolean gen = w.roles.contains(Param.Role.GENERATIVE), inf = w.roles.contains(Param.Role.INFERENCE);
        List<Tensor> dLik = new ArrayList<>();
        for (Tensor t : ps.likelihood) {
            dLik.add(be.empty(t.rows(), t.cols()));
        }
        Tensor lik = w.lik == null ? be.zeros(ps.rows) : w.lik;
        scored.backward(ps.likelihood, ps.x, ps.streams.likelihood(), lik, dLik);
        if (sharedLogVariance != null) {
            if (gen) {
                be.sumRows(dLik.get(1), sharedLogVariance.grad(), 1f, 1f);
            }
            dLik = dLik.subList(0, 1);
        }
        java.util.Arrays.fill(ps.dState, null);
        Tensor[] dz = new Tensor[depth];
        for (int l = 0; l < depth; l++) {
            dz[l] = zerosLike(ps.z[l].z());
        }
        List<Tensor> dDec = decoder.backward(ps.decoder, dLik, null, gen, needWithState(ps, 0));
        addInto(dz[0], dDec.get(0));
        keepStateGradient(ps, 0, dDec);
        inference.backward(this, ps, w, dz, gen, inf);
    }

    // ---- using a trained model --------------------------------------------------------------------------------

    /**
     * The posterior means of every layer for x (and c), bottom-up (index 0 is z1), each [rows, size]: μ of a Gaussian
     * layer, the probabilities of a Bernoulli one. Higher layers' means are taken given their parents' samples (one
     * draw, from {@code streams}). The tensors belong to the caller's memory scope.
     */
    public List<Tensor> encode(Tensor x, Tensor c, NoiseStreams streams) {
        List<Tensor> means = new ArrayList<>();
        try (MemoryScope scope = MemoryScope.open(); Pass ps = forward(x, c, 1, streams)) {
            for (int l = 0; l < depth; l++) {
                means.add(scope.escape(layers[l].posteriorMean(ps.q[l], ps.p[l])));
            }
        }
        return means;
    }

    /** {@link #encode} with the streams of seed 0, step 0. */
    public List<Tensor> encode(Tensor x, Tensor c) {
        return encode(x, c, NoiseStreams.of(0, 0));
    }

    /**
     * The decoder's mean of p(x|z1) for codes z1 ([rows, size of z1]) and, for a conditional model, c: the
     * probabilities of a Bernoulli likelihood, the mean of a Gaussian one. A model with a top-down state decodes from
     * every layer's code ({@link #decode(List, Tensor)}).
     */
    public Tensor decode(Tensor z1, Tensor c) {
        requireMarkov("decode");
        return decode(Collections.singletonList(z1), c, "decode");
    }

    /**
     * The decoder's mean of p(x|z) for the codes of every layer, bottom-up ({@code codes.get(0)} is z1; each [rows,
     * size of its layer], the same rows), and, for a conditional model, c. A model without a top-down state reads z1
     * alone (the others are checked, not used); one with the state runs its prior networks on the codes from the top
     * down to make the state the decoder reads.
     */
    public Tensor decode(List<Tensor> codes, Tensor c) {
        return decode(codes, c, "decode");
    }

    private Tensor decode(List<Tensor> codes, Tensor c, String op) {
        guard.enter();
        try {
            Tensor mean;
            try (MemoryScope scope = MemoryScope.open()) {
                mean = likelihoodMean(decoderFromCodes(codes, c, op));
                scope.escape(mean);
            }
            return mean;
        } finally {
            guard.exit();
        }
    }

    /** The parameters of p(x|z1) for codes z1 (and c), as the decoder gives them (logits, or mean and log σ²). */
    public List<Tensor> decoderOutputs(Tensor z1, Tensor c) {
        requireMarkov("decoderOutputs");
        return decoderOutputs(Collections.singletonList(z1), c);
    }

    /** The parameters of p(x|z) for every layer's codes, bottom-up (and c), as {@link #decode(List, Tensor)} reads them. */
    public List<Tensor> decoderOutputs(List<Tensor> codes, Tensor c) {
        guard.enter();
        try {
            return decoderFromCodes(codes, c, "decoderOutputs");
        } finally {
            guard.exit();
        }
    }

    private void requireMarkov(String op) {
        if (state) {
            throw new IllegalArgumentException(op + ": this model's decoder reads the top-down state as well as z1 "
                    + "(topDownState): give every layer's codes, bottom-up, to " + op + "(List<Tensor> codes, c)");
        }
    }

    /**
     * The likelihood's parameters for codes (z1 alone for a model without a state, else one per layer, bottom-up),
     * checked; with a top-down state the prior networks run on them from the top down.
     */
    private List<Tensor> decoderFromCodes(List<Tensor> codes, Tensor c, String op) {
        if (codes == null || codes.isEmpty() || codes.size() != depth && (state || codes.size() != 1)) {
            throw new IllegalArgumentException(op + ": give " + (state ? "" : "z1 alone or ") + "the codes of all "
                    + depth + " layers, bottom-up, got " + (codes == null ? "null" : codes.size() + " tensors"));
        }
        for (int l = 0; l < codes.size(); l++) {
            checkCode(codes.get(l), l, op);
            if (codes.get(l).rows() != codes.get(0).rows()) {
                throw new IllegalArgumentException(op + ": the codes of layer " + (l + 1) + " have "
                        + codes.get(l).rows() + " rows, those of layer 1 " + codes.get(0).rows());
            }
        }
        checkCondition(c, codes.get(0).rows(), op);
        Net.Out above = null;
        if (state) {
            above = prior[depth - 1] == null ? null : prior[depth - 1].forward(List.of(c));
            for (int l = depth - 2; l >= 0; l--) {
                above = prior[l].forward(generativeInputs(codes.get(l + 1), c, above));
            }
        }
        return likelihoodParams(decoder.forward(generativeInputs(codes.get(0), c, above)).heads());
    }

    private void checkCode(Tensor z, int l, String op) {
        if (z == null || z.backend() != be || z.cols() != lat[l].size()) {
            throw new IllegalArgumentException(op + ": codes of layer " + (l + 1) + " must be [rows, "
                    + lat[l].size() + "] on " + be.device() + (z == null ? ", got null" : ", got " + z.shape()
                    + " on " + z.device()));
        }
    }

    /** The mean of the likelihood with these parameters: sigmoid of the logits, or the Gaussian's mean. */
    Tensor likelihoodMean(List<Tensor> heads) {
        return spec.likelihood().mean(heads);
    }

    /**
     * n samples of the generative model by ancestral sampling at a temperature (see {@link LatentLayer#samplePrior}:
     * 1 is the model itself, 0 each layer's mode given its parents), returning the decoder's mean of p(x|z); c gives
     * each sample's condition (null for an unconditional model). The tensor belongs to the caller's memory scope.
     */
    public Tensor sample(int n, Tensor c, double temperature, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("number of samples must be >= 1, got " + n);
        }
        checkCondition(c, n, "sample");
        return generateFrom(depth - 1, null, n, c, temperature, seed);
    }

    /**
     * The decoder's mean for top-layer codes {@code zTop} ([rows, size of the top layer]), the layers below drawn
     * from their priors at {@code temperature} (0: each one's mode: a deterministic decoding of the code).
     */
    public Tensor generate(Tensor zTop, Tensor c, double temperature, long seed) {
        checkCode(zTop, depth - 1, "generate");
        checkCondition(c, zTop.rows(), "generate");
        return generateFrom(depth - 1, zTop, zTop.rows(), c, temperature, seed);
    }

    /**
     * {@code steps} points on the line from top-layer code a to code b (both [1, size of the top layer]; ends
     * included), each decoded by {@link #generate} at temperature 0: a [steps, input] tensor of decoder means. For a
     * conditional model, c is one condition ([1, dim]) shared by every point.
     */
    public Tensor interpolate(Tensor a, Tensor b, int steps, Tensor c) {
        guard.enter();
        try {
            checkCode(a, depth - 1, "interpolate");
            checkCode(b, depth - 1, "interpolate");
            if (a.rows() != 1 || b.rows() != 1 || steps < 2) {
                throw new IllegalArgumentException("interpolate: give two single codes ([1, size]) and steps >= 2");
            }
            checkCondition(c, 1, "interpolate");
            Tensor out;
            try (MemoryScope scope = MemoryScope.open()) {
                Tensor codes = be.empty(steps, lat[depth - 1].size());
                for (int i = 0; i < steps; i++) {
                    float t = (float) i / (steps - 1);
                    Tensor row = codes.rowsView(i, i + 1);
                    be.axpby(1 - t, a, 0f, row);
                    be.axpby(t, b, 1f, row);
                }
                out = generate(codes, c == null ? null : repeat(c, steps), 0, 0);
                scope.escape(out);
            }
            return out;
        } finally {
            guard.exit();
        }
    }

    /** Ancestral sampling from layer {@code from} (its code given, or drawn when null) down to x's mean. */
    private Tensor generateFrom(int from, Tensor code, int n, Tensor c, double temperature, long seed) {
        guard.enter();
        try {
            Tensor mean;
            try (MemoryScope scope = MemoryScope.open()) {
                mean = likelihoodMean(likelihoodFrom(from, code, n, c, temperature, seed));
                scope.escape(mean);
            }
            return mean;
        } finally {
            guard.exit();
        }
    }

    /**
     * The parameters of p(x|z) for z drawn by ancestral sampling from layer {@code from} (its code given, or drawn
     * when null); in the caller's memory scope.
     */
    List<Tensor> likelihoodFrom(int from, Tensor code, int n, Tensor c, double temperature, long seed) {
        Tensor z = code;
        Net.Out above = null;   // the prior network of the layer last drawn (its features: the top-down state)
        if (code != null && state && prior[from] != null) {
            above = prior[from].forward(List.of(c));
        }
        for (int l = from; l >= 0; l--) {
            if (l == from && code != null) {
                continue;
            }
            Net.Out pr = l == depth - 1 ? (prior[l] == null ? null : prior[l].forward(List.of(c)))
                    : prior[l].forward(generativeInputs(z, c, above));
            z = layers[l].samplePrior(be, pr == null ? null : pr.heads(), n, temperature,
                    Noise.of(seed, SAMPLE_STEP, l));
            above = pr;
        }
        return likelihoodParams(decoder.forward(generativeInputs(z, c, above)).heads());
    }

    /** The noise step of prior sampling (evaluation's streams keep away from training's). */
    static final long SAMPLE_STEP = (1L << 40) / 32;

    @Override
    public void close() {
        params.forEach(Param::close);
        buffers.forEach(Param::close);
    }
}
