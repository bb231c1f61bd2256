package org.hvae4j.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hvae4j.latent.Estimator;
import org.hvae4j.latent.Likelihood;
import org.hvae4j.nn.CellSpec;
import org.hvae4j.nn.MlpCellSpec;
import org.hvae4j.tensor.Activation;

/**
 * An immutable description of a hierarchical VAE, written top-down like its generative story:
 * <pre>{@code
 * ModelSpec spec = ModelSpec.builder()
 *     .latent(LatentSpec.gaussian(50))      // z2 ~ p(z2 | c)
 *     .hidden(100, 100)                     // deterministic block z2 -> z1
 *     .latent(LatentSpec.gaussian(100))     // z1 ~ p(z1 | z2, c)
 *     .hidden(200, 200)                     // deterministic block z1 -> x
 *     .observed(784, Likelihood.parse("bernoulli-binarized"))
 *     .activation(Activation.TANH)
 *     .inference(Inference.BOTTOM_UP)
 *     .build();
 * }</pre>
 * The inference network mirrors the blocks (the block under a latent computes its posterior from what lies below
 * it). An optional conditioning input c (a one-hot class or a vector) feeds every prior, posterior and decoder
 * network. {@link #build()} rejects invalid descriptions with a message naming the problem.
 */
public final class ModelSpec {
    private final int inputDim;
    private final Likelihood likelihood;
    private final int conditioningDim;
    private final boolean conditioningOneHot;
    private final List<LatentSpec> latents;   // top-down
    private final List<CellSpec> blocks;      // top-down: blocks.get(i) lies below latents.get(i)
    private final Activation activation;
    private final boolean residualBlocks;
    private final Inference inference;
    private final boolean topDownState;

    private ModelSpec(Builder b) {
        this.inputDim = b.inputDim;
        this.likelihood = b.likelihood;
        this.conditioningDim = b.conditioningDim;
        this.conditioningOneHot = b.conditioningOneHot;
        this.latents = List.copyOf(b.latents);
        this.blocks = b.blocks.stream()
                .map(c -> c instanceof MlpCellSpec mlp ? mlp.withResidual(b.residualBlocks) : c).toList();
        this.activation = b.activation;
        this.residualBlocks = b.residualBlocks;
        this.inference = b.inference;
        this.topDownState = b.topDownState;
    }

    private ModelSpec(ModelSpec base, List<LatentSpec> latents) {
        this.inputDim = base.inputDim;
        this.likelihood = base.likelihood;
        this.conditioningDim = base.conditioningDim;
        this.conditioningOneHot = base.conditioningOneHot;
        this.latents = List.copyOf(latents);
        this.blocks = base.blocks;
        this.activation = base.activation;
        this.residualBlocks = base.residualBlocks;
        this.inference = base.inference;
        this.topDownState = base.topDownState;
    }

    /**
     * This model with every Bernoulli latent's gradient estimator replaced by {@code estimator} (the same
     * distributions and parameters; only the gradients differ).
     */
    public ModelSpec withBernoulliEstimator(org.hvae4j.latent.Estimator estimator) {
        return new ModelSpec(this, latents.stream()
                .map(l -> l.isGaussian() ? l : LatentSpec.bernoulli(l.size(), estimator)).toList());
    }

    public static Builder builder() {
        return new Builder();
    }

    public int inputDim() {
        return inputDim;
    }

    public Likelihood likelihood() {
        return likelihood;
    }

    public int conditioningDim() {
        return conditioningDim;
    }

    public boolean conditional() {
        return conditioningDim > 0;
    }

    /** True when c is a class label given as an integer and fed one-hot. */
    public boolean conditioningOneHot() {
        return conditioningOneHot;
    }

    /** Latent layers, top first. */
    public List<LatentSpec> latents() {
        return latents;
    }

    /** Whether some latent layer is trained with REINFORCE (its running baseline lives on the host). */
    public boolean usesReinforce() {
        return latents.stream().anyMatch(LatentSpec::usesReinforce);
    }

    /** The cell below latent {@code i} (top-down index): the block between it and the next latent, or x. */
    public CellSpec cellBelow(int i) {
        return blocks.get(i);
    }

    /** Widths of the MLP block below latent {@code i} (top-down index). */
    public int[] blockBelow(int i) {
        if (!(blocks.get(i) instanceof MlpCellSpec mlp)) {
            throw new IllegalStateException("the block below latent " + i + " is " + blocks.get(i) + ", not an MLP");
        }
        return mlp.widths();
    }

    public Activation activation() {
        return activation;
    }

    public boolean residualBlocks() {
        return residualBlocks;
    }

    /**
     * Whether the generative path carries a deterministic top-down state (NVAE's): each prior network reads, besides
     * z of the layer above, the features of the prior network above it, and the decoder reads the lowest prior
     * network's features beside z1; so p(z_l | z_{>l}) and p(x | z) depend on every layer above, not on the next one
     * alone. Off: the generative path is Markov in z.
     */
    public boolean topDownState() {
        return topDownState;
    }

    public Inference inference() {
        return inference;
    }

    /** A plain-map form (for JSON configuration files and checkpoints); {@link #fromMap} reads it back. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("input", inputDim);
        m.put("likelihood", likelihood.toString());
        if (conditional()) {
            m.put("conditioning", conditioningDim);
            m.put("conditioningOneHot", conditioningOneHot);
        }
        List<Object> layers = new ArrayList<>();
        for (int i = 0; i < latents.size(); i++) {
            LatentSpec l = latents.get(i);
            Map<String, Object> lm = new LinkedHashMap<>();
            lm.put("type", l.type().name().toLowerCase(Locale.ROOT));
            lm.put("size", l.size());
            if (!l.isGaussian()) {
                lm.put("estimator", l.estimator().toString());
            }
            if (blocks.get(i) instanceof MlpCellSpec mlp) {
                lm.put("hidden", Arrays.stream(mlp.widths()).boxed().toList());
            } else {
                lm.put("cell", blocks.get(i).toMap());
            }
            layers.add(lm);
        }
        m.put("latents", layers);
        m.put("activation", activation.toString());
        m.put("residualBlocks", residualBlocks);
        m.put("inference", inference.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (topDownState) {
            m.put("topDownState", true);
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    public static ModelSpec fromMap(Map<String, Object> m) {
        Builder b = builder();
        for (String key : m.keySet()) {
            if (!List.of("input", "likelihood", "conditioning", "conditioningOneHot", "latents", "activation",
                    "residualBlocks", "inference", "topDownState").contains(key)) {
                throw new IllegalArgumentException("unknown model field '" + key + "'");
            }
        }
        Object layers = m.get("latents");
        if (!(layers instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("model field 'latents' must be a non-empty list");
        }
        if (m.containsKey("conditioning")) {
            b.conditioning(intField(m, "conditioning"), !Boolean.FALSE.equals(m.get("conditioningOneHot")));
        }
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> lm)) {
                throw new IllegalArgumentException("each latent must be an object with type, size and hidden");
            }
            Map<String, Object> l = (Map<String, Object>) lm;
            String type = String.valueOf(l.getOrDefault("type", "gaussian")).toLowerCase(Locale.ROOT);
            for (String key : l.keySet()) {
                if (!List.of("type", "size", "hidden", "cell", "estimator").contains(key)) {
                    throw new IllegalArgumentException("unknown field '" + key + "' in latent " + (b.latents.size() + 1)
                            + " (expected type, size, hidden or cell and, for a Bernoulli latent, estimator)");
                }
            }
            if (l.containsKey("cell") && l.containsKey("hidden")) {
                throw new IllegalArgumentException("latent " + (b.latents.size() + 1) + " gives both 'hidden' and "
                        + "'cell': one block lies below a latent");
            }
            if (l.containsKey("estimator") && !type.equals("bernoulli")) {
                throw new IllegalArgumentException("latent " + (b.latents.size() + 1) + " is " + type
                        + ": an estimator is chosen for Bernoulli latents only (Gaussian ones are reparameterized)");
            }
            int size = intField(l, "size");
            b.latent(switch (type) {
                case "gaussian" -> LatentSpec.gaussian(size);
                case "bernoulli" -> LatentSpec.bernoulli(size,
                        Estimator.parse(String.valueOf(l.getOrDefault("estimator", "st"))));
                default -> throw new IllegalArgumentException("unknown latent type '" + type
                        + "' (expected gaussian or bernoulli)");
            });
            if (l.containsKey("cell")) {
                b.cell(cellFromMap(l.get("cell"), b.latents.size()));
                continue;
            }
            Object hidden = l.getOrDefault("hidden", List.of());
            if (!(hidden instanceof List<?> hl)) {
                throw new IllegalArgumentException("latent field 'hidden' must be a list of widths");
            }
            b.hidden(hl.stream().mapToInt(h -> {
                if (!isInt(h)) {
                    throw new IllegalArgumentException("hidden width '" + h + "' is not an integer");
                }
                return ((Number) h).intValue();
            }).toArray());
        }
        b.observed(intField(m, "input"), Likelihood.parse(String.valueOf(m.getOrDefault("likelihood", "bernoulli"))));
        b.activation(Activation.parse(String.valueOf(m.getOrDefault("activation", "tanh"))));
        b.residualBlocks(Boolean.TRUE.equals(m.get("residualBlocks")));
        b.inference(Inference.parse(String.valueOf(m.getOrDefault("inference", "bottom-up"))));
        Object state = m.getOrDefault("topDownState", false);
        if (!(state instanceof Boolean on)) {
            throw new IllegalArgumentException("model field 'topDownState' must be true or false, got " + state);
        }
        b.topDownState(on);
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static CellSpec cellFromMap(Object o, int latent) {
        if (!(o instanceof Map<?, ?> cm)) {
            throw new IllegalArgumentException("the cell below latent " + latent + " must be an object with a type");
        }
        Map<String, Object> c = (Map<String, Object>) cm;
        String type = String.valueOf(c.get("type"));
        if (!type.equals("conv")) {
            throw new IllegalArgumentException("unknown cell type '" + type + "' below latent " + latent
                    + " (files describe conv cells; an MLP block is given as 'hidden', and residualBlocks makes it "
                    + "residual; a cell of another kind is built in Java)");
        }
        return org.hvae4j.nn.ConvCellSpec.fromMap(c);
    }

    /** Whether {@code v} is a number with an integer value in int's range (8.0 is, 8.5 and 1e12 are not). */
    private static boolean isInt(Object v) {
        return v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE;
    }

    private static int intField(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!isInt(v)) {
            throw new IllegalArgumentException("model field '" + key + "' must be an integer, got " + v);
        }
        return ((Number) v).intValue();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < latents.size(); i++) {
            s.append(latents.get(i)).append(" -> ").append(blocks.get(i) instanceof MlpCellSpec mlp
                    ? Arrays.toString(mlp.widths()) : blocks.get(i).toString()).append(" -> ");
        }
        return s.append("x(").append(inputDim).append(", ").append(likelihood).append(") ").append(activation)
                .append(' ').append(inference).append(topDownState ? " top-down-state" : "").append(conditional() ? " | c(" + conditioningDim + ")" : "").toString();
    }

    /** Collects the description; {@link #build()} validates it. */
    public static final class Builder {
        private int inputDim;
        private Likelihood likelihood;
        private int conditioningDim;
        private boolean conditioningOneHot = true;
        private final List<LatentSpec> latents = new ArrayList<>();
        private final List<CellSpec> blocks = new ArrayList<>();
        private Activation activation = Activation.TANH;
        private boolean residualBlocks;
        private Inference inference = Inference.BOTTOM_UP;
        private boolean topDownState;
        private String error;

        private void fail(String message) {
            if (error == null) {
                error = message;
            }
        }

        /** The next latent layer down (the first call is the top). */
        public Builder latent(LatentSpec l) {
            if (l == null) {
                fail("latent must not be null");
                return this;
            }
            if (blocks.size() < latents.size()) {
                blocks.add(MlpCellSpec.of());  // no hidden layers between the previous latent and this one
            }
            latents.add(l);
            return this;
        }

        /** Widths of the deterministic MLP block below the latent just added. */
        public Builder hidden(int... widths) {
            for (int w : widths) {
                if (w <= 0) {
                    fail("hidden width must be positive, got " + w + " in " + Arrays.toString(widths));
                    return this;
                }
            }
            return block(MlpCellSpec.of(widths), "hidden(...)");
        }

        /** The deterministic block (a {@link CellSpec}) below the latent just added. */
        public Builder cell(CellSpec cell) {
            if (cell == null) {
                fail("cell must not be null");
                return this;
            }
            return block(cell, "cell(...)");
        }

        private Builder block(CellSpec cell, String call) {
            if (latents.isEmpty()) {
                fail(call + " must follow a latent(...): blocks lie between layers");
                return this;
            }
            if (blocks.size() == latents.size()) {
                fail("two blocks in a row below " + latents.get(latents.size() - 1)
                        + ": give all of one block in one call");
                return this;
            }
            blocks.add(cell);
            return this;
        }

        /** The observed x: its dimension and likelihood. */
        public Builder observed(int dim, Likelihood likelihood) {
            if (dim <= 0) {
                fail("observed dimension must be positive, got " + dim);
            }
            if (likelihood == null) {
                fail("likelihood must not be null");
            }
            this.inputDim = dim;
            this.likelihood = likelihood;
            return this;
        }

        /** Conditioning input c of {@code dim} values (one-hot classes when {@code oneHot}). */
        public Builder conditioning(int dim, boolean oneHot) {
            if (dim <= 0) {
                fail("conditioning dimension must be positive, got " + dim);
            }
            this.conditioningDim = dim;
            this.conditioningOneHot = oneHot;
            return this;
        }

        public Builder activation(Activation a) {
            if (a == null) {
                fail("activation must not be null");
            }
            this.activation = a;
            return this;
        }

        public Builder residualBlocks(boolean on) {
            this.residualBlocks = on;
            return this;
        }

        /** A deterministic top-down state in the generative path (see {@link ModelSpec#topDownState()}). */
        public Builder topDownState(boolean on) {
            this.topDownState = on;
            return this;
        }

        public Builder inference(Inference i) {
            if (i == null) {
                fail("inference must not be null");
            }
            this.inference = i;
            return this;
        }

        /**
         * Convolutional blocks read and give images: the block below latent i gives latent i's resolution and reads
         * that of what lies below it (latent i + 1, or x), so every size there must be whole channels of it, and a
         * convolutional block below must give the resolution this one reads.
         */
        private void checkImageBlocks() {
            for (int i = 0; i < blocks.size(); i++) {
                if (!(blocks.get(i) instanceof org.hvae4j.nn.ConvCellSpec c)) {
                    continue;
                }
                String where = "the convolutional block below latent " + (i + 1) + " (" + c + ")";
                int out = c.outHeight() * c.outWidth(), in = c.height() * c.width();
                if (latents.get(i).size() % out != 0) {
                    throw new IllegalArgumentException("latent " + (i + 1) + " (" + latents.get(i) + ") is not whole "
                            + "channels of " + c.outHeight() + "x" + c.outWidth() + ", the resolution " + where
                            + " gives it");
                }
                boolean last = i == blocks.size() - 1;
                int below = last ? inputDim : latents.get(i + 1).size();
                if (below % in != 0) {
                    throw new IllegalArgumentException((last ? "the observed x (" + inputDim + " values) is not an "
                            + "image" : "latent " + (i + 2) + " (" + latents.get(i + 1) + ") is not whole channels")
                            + " of " + c.height() + "x" + c.width() + ", the resolution " + where + " reads");
                }
                if (!last && blocks.get(i + 1) instanceof org.hvae4j.nn.ConvCellSpec lower
                        && (lower.outHeight() != c.height() || lower.outWidth() != c.width())) {
                    throw new IllegalArgumentException(where + " reads " + c.height() + "x" + c.width() + " images, but "
                            + "the block below latent " + (i + 2) + " gives " + lower.outHeight() + "x"
                            + lower.outWidth());
                }
            }
        }

        public ModelSpec build() {
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
            if (latents.isEmpty()) {
                throw new IllegalArgumentException("a model needs at least one latent layer");
            }
            if (likelihood == null) {
                throw new IllegalArgumentException("the observed x is missing: call observed(dim, likelihood)");
            }
            while (blocks.size() < latents.size()) {
                blocks.add(MlpCellSpec.of());
            }
            checkImageBlocks();
            if (topDownState && latents.size() < 2) {
                throw new IllegalArgumentException("a top-down state runs between latent layers: a model with one "
                        + "latent layer has none (give two or more latents, or leave topDownState off)");
            }
            if (inference == Inference.LADDER) {
                for (LatentSpec l : latents) {
                    if (!l.isGaussian()) {
                        throw new IllegalArgumentException("ladder inference merges Gaussian precisions: latent " + l
                                + " is not Gaussian (use residual or bottom-up inference)");
                    }
                }
            }
            return new ModelSpec(this);
        }
    }
}
