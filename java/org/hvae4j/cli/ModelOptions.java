package org.hvae4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hvae4j.data.DataException;
import org.hvae4j.data.Dataset;
import org.hvae4j.experiments.BurdaModels;
import org.hvae4j.latent.BernoulliLikelihood;
import org.hvae4j.model.ModelSpec;
import picocli.CommandLine.Option;

/**
 * The model of a run: a preset ({@code --model}), a configuration file ({@code --config}), then flags, each
 * overriding the one before; the input dimension and the class count come from the data.
 */
final class ModelOptions {
    static final String DEFAULT_PRESET = "g2-relu";
    static final List<Integer> DEFAULT_HIDDEN = List.of(200, 200);

    @Option(names = "--model", paramLabel = "NAME",
            description = "preset architecture: g2-relu (the default: two Gaussian layers 100 and 50, hidden "
                    + "layers [200,200] and [100,100], ReLU), or after Burda et al. (tanh): g1 (784-200-200-z50), g2 "
                    + "(g2-relu's layers with tanh), b2 (two Bernoulli layers), l2 and r2 (g2 with ladder and "
                    + "residual inference); conv (a convolutional hierarchy in NVAE's shape for 28x28 images: "
                    + "Gaussian groups of 4x14x14 and 4x7x7, two per resolution, residual cells, Swish), conv-state "
                    + "(conv with NVAE's top-down state, as --top-down-state)")
    String preset;

    @Option(names = "--config", paramLabel = "FILE",
            description = "JSON or YAML file with sections model: and training: (flags override it)")
    Path config;

    @Option(names = "--latents", paramLabel = "SIZES", split = ",",
            description = "Gaussian latent layers, top-down, e.g. 50,100")
    List<Integer> latentSizes;

    @Option(names = "--latent", paramLabel = "TYPE:SIZE[:ESTIMATOR]",
            description = "one latent layer (repeat, top-down): gaussian:50, bernoulli:100, bernoulli:100:reinforce")
    List<String> latents;

    @Option(names = "--hidden", paramLabel = "WIDTHS",
            description = "hidden widths of the block below each latent, e.g. 200,200: once for every block, or "
                    + "once per latent (top-down); 'none' for no hidden layer")
    List<String> hidden;

    @Option(names = "--likelihood", paramLabel = "NAME",
            description = "bernoulli-binarized (default for data in [0,1]), bernoulli, gaussian (learned variance; "
                    + "default otherwise) or gaussian:SIGMA")
    String likelihood;

    @Option(names = "--activation", paramLabel = "NAME", description = "relu (the default preset's; the Burda presets use tanh), tanh, softplus, silu, "
            + "elu...")
    String activation;

    @Option(names = "--inference", paramLabel = "KIND", description = "bottom-up (default), ladder or residual")
    String inference;

    @Option(names = "--residual-blocks", description = "residual connections inside the hidden blocks")
    Boolean residualBlocks;

    @Option(names = "--top-down-state", negatable = true, description = "a deterministic top-down state in the "
            + "generative path (NVAE's): each prior network and the decoder also read the features of the prior "
            + "network above, so p(z_l | z_>l) depends on every layer above (--no-top-down-state: Markov in z)")
    Boolean topDownState;

    @Option(names = "--batch-norm", negatable = true, description = "batch normalization (as NVAE) before every "
            + "activation of a convolutional model's residual cells (running statistics in evaluation, sampling and "
            + "encoding); --no-batch-norm: weight normalization alone (the default)")
    Boolean batchNorm;

    @Option(names = "--conditional", description = "condition every network on the data's condition vectors "
            + "(SPEC#conditions=N), else on its class label (one-hot)")
    boolean conditional;

    /** The configuration file (read once per call). */
    ConfigFile configFile() {
        return ConfigFile.read(config);
    }

    /** A short name for run directories: the configuration file, the preset or the latent sizes. */
    String name() {
        if (latentSizes == null && latents == null) {
            return config != null ? configFile().stem() : preset != null ? preset : DEFAULT_PRESET;
        }
        List<String> sizes = new ArrayList<>();
        for (Map<String, Object> l : latentFlags()) {
            sizes.add(String.valueOf(l.get("size")));
        }
        return "z" + String.join("-", sizes);
    }

    /** The model for {@code data}, described by the preset, {@code file} and the flags. */
    ModelSpec spec(Dataset data, ConfigFile file) {
        Map<String, Object> m = presetMap(preset == null ? DEFAULT_PRESET : preset);
        m.remove("input");
        m.remove("likelihood");
        m.putAll(file.model());
        List<Map<String, Object>> layers = latentFlags();
        if (layers != null) {
            m.put("latents", layers);
        }
        if (hidden != null) {
            applyHidden(m);
        }
        if (file.model().containsKey("input")
                && !Integer.valueOf(data.cols()).equals(asInt(file.model().get("input")))) {
            throw new ConfigException("the configuration says input " + file.model().get("input") + " but dataset '"
                    + data.name() + "' has " + data.cols() + " columns");
        }
        m.put("input", data.cols());
        if (likelihood != null) {
            m.put("likelihood", likelihood);
        } else if (!m.containsKey("likelihood")) {
            m.put("likelihood", inUnitInterval(data) ? "bernoulli-binarized" : "gaussian");
        }
        putIfGiven(m, "activation", activation);
        putIfGiven(m, "inference", inference);
        putIfGiven(m, "residualBlocks", residualBlocks);
        putIfGiven(m, "topDownState", topDownState);
        if (batchNorm != null) {
            applyBatchNorm(m, batchNorm);
        }
        if (conditional) {
            if (data.hasConditions()) {
                m.put("conditioning", data.conditionDim());
                m.put("conditioningOneHot", false);
            } else if (data.hasLabels()) {
                m.put("conditioning", data.numClasses());
                m.put("conditioningOneHot", true);
            } else {
                throw new DataException(data.name(), "--conditional needs class labels or condition vectors "
                        + "(SPEC#conditions=N) and this dataset has neither");
            }
        }
        ModelSpec spec = build(m);
        if (spec.likelihood() instanceof BernoulliLikelihood && !inUnitInterval(data)) {
            throw new ConfigException("a Bernoulli likelihood needs data in [0, 1] and dataset '" + data.name()
                    + "' has values outside it: use --likelihood gaussian");
        }
        return spec;
    }

    /** {@link ModelSpec#fromMap}, its complaints as {@link ConfigException}s. */
    static ModelSpec build(Map<String, Object> m) {
        try {
            return ModelSpec.fromMap(m);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("bad model: " + e.getMessage(), e);
        }
    }

    /** A preset's map form (mutable). */
    static Map<String, Object> presetMap(String name) {
        try {
            return new LinkedHashMap<>(BurdaModels.byName(name).toMap());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    private List<Map<String, Object>> latentFlags() {
        if (latentSizes != null && latents != null) {
            throw new ConfigException("give --latents or --latent, not both");
        }
        List<Map<String, Object>> out = new ArrayList<>();
        if (latentSizes != null) {
            for (int size : latentSizes) {
                out.add(layer("gaussian", size, null));
            }
            return out;
        }
        if (latents == null) {
            return null;
        }
        for (String l : latents) {
            String[] p = l.split(":", 3);
            if (p.length < 2) {
                throw new ConfigException("bad --latent '" + l + "': expected TYPE:SIZE[:ESTIMATOR], e.g. gaussian:50");
            }
            Integer size = asInt(p[1]);
            if (size == null) {
                throw new ConfigException("bad --latent '" + l + "': size '" + p[1] + "' is not an integer");
            }
            out.add(layer(p[0], size, p.length == 3 ? p[2] : null));
        }
        return out;
    }

    private static Map<String, Object> layer(String type, int size, String estimator) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("type", type);
        l.put("size", size);
        if (estimator != null) {
            l.put("estimator", estimator);
        }
        l.put("hidden", DEFAULT_HIDDEN);
        return l;
    }

    @SuppressWarnings("unchecked")
    private void applyHidden(Map<String, Object> m) {
        List<Map<String, Object>> layers = new ArrayList<>();
        for (Object o : (List<Object>) m.get("latents")) {
            layers.add(new LinkedHashMap<>((Map<String, Object>) o));
        }
        if (hidden.size() != 1 && hidden.size() != layers.size()) {
            throw new ConfigException(hidden.size() + " --hidden blocks for " + layers.size()
                    + " latent layers: give one for all or one per layer");
        }
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).put("hidden", widths(hidden.get(hidden.size() == 1 ? 0 : i)));
        }
        m.put("latents", layers);
    }

    private static List<Integer> widths(String s) {
        if (s.isBlank() || s.trim().equalsIgnoreCase("none")) {
            return List.of();
        }
        List<Integer> w = new ArrayList<>();
        for (String p : s.split(",")) {
            Integer v = asInt(p);
            if (v == null || v < 1) {
                throw new ConfigException("bad --hidden '" + s + "': widths must be positive integers");
            }
            w.add(v);
        }
        return w;
    }

    /** Sets the normalization of every convolutional block of the model map; a model without one is refused. */
    @SuppressWarnings("unchecked")
    private static void applyBatchNorm(Map<String, Object> m, boolean on) {
        int conv = 0;
        if (m.get("latents") instanceof List<?> ls) {
            List<Object> copy = new ArrayList<>();
            for (Object l : ls) {
                if (l instanceof Map<?, ?> lm && lm.get("cell") instanceof Map<?, ?> cm
                        && "conv".equals(cm.get("type"))) {
                    Map<String, Object> cell = new LinkedHashMap<>((Map<String, Object>) cm);
                    cell.put("norm", on ? "batch" : "weight");
                    Map<String, Object> latent = new LinkedHashMap<>((Map<String, Object>) lm);
                    latent.put("cell", cell);
                    copy.add(latent);
                    conv++;
                } else {
                    copy.add(l);
                }
            }
            m.put("latents", copy);
        }
        if (conv == 0) {
            throw new ConfigException("--batch-norm applies to convolutional models (--model conv, or conv cells in "
                    + "the configuration) and this model has none");
        }
    }

    private static void putIfGiven(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static Integer asInt(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue() == n.intValue() ? n.intValue() : null;
        }
        try {
            return Integer.valueOf(String.valueOf(o).trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether every value lies in [0, 1] (images scaled to grey levels). */
    static boolean inUnitInterval(Dataset data) {
        return data.firstOutsideUnitInterval() < 0;
    }
}
