package org.hvae4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hvae4j.model.TrainConfig;
import picocli.CommandLine.Option;

/** How to train: defaults, then the configuration file's {@code training:} section, then these flags. */
final class TrainingOptions {
    static final int DEFAULT_EPOCHS = 100;
    /**
     * KL warm-up unless given: 4,500 steps (50 epochs of the embedded digits, 7.5 of Fashion-MNIST), except for ladder
     * inference, which warm-up from 0 collapses (docs/RESULTS.md), and for single-layer models, which do not need it.
     */
    static final long DEFAULT_KL_WARMUP = 4500;

    @Option(names = "--epochs", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "epochs in total (default " + DEFAULT_EPOCHS + "; with --resume: train until N)")
    Integer epochs;

    @Option(names = "--batch", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "batch size (default 100)")
    Integer batch;

    @Option(names = "--lr", paramLabel = "RATE", converter = Converters.PositiveDouble.class,
            description = "Adam learning rate (default 1e-3)")
    Double learningRate;

    @Option(names = "--schedule", paramLabel = "NAME",
            description = "learning-rate schedule: constant (default), cosine or exponential:GAMMA (per epoch)")
    String schedule;

    @Option(names = "--seed", paramLabel = "N", description = "random seed (default 0)")
    Long seed;

    @Option(names = "--objective", paramLabel = "NAME",
            description = "elbo (default), iwae:K or iwae-dreg:K")
    String objective;

    @Option(names = "--free-bits", paramLabel = "NATS", converter = Converters.NonNegativeDouble.class,
            description = "free-bits floor per layer for the ELBO (default 0)")
    Double freeBits;

    @Option(names = "--kl-warmup", paramLabel = "STEPS", converter = Converters.NonNegativeInt.class,
            description = "steps over which the KL weight rises from 0 to 1 (default " + DEFAULT_KL_WARMUP
                    + " for hierarchies with bottom-up or residual inference, else 0: none)")
    Integer klWarmup;

    @Option(names = "--weight-decay", paramLabel = "W", converter = Converters.NonNegativeDouble.class,
            description = "decoupled weight decay (default 0)")
    Double weightDecay;

    @Option(names = "--clip-norm", paramLabel = "NORM", converter = Converters.PositiveOrInf.class,
            description = "global gradient-norm clipping (default inf: none)")
    Double clipNorm;

    @Option(names = "--workers", paramLabel = "N",
            description = "threads splitting each training batch, 1 or 2 (default: 2 on a CPU with two or more "
                    + "cores, 1 on a GPU)")
    Integer workers;

    @Option(names = "--data-init",
            description = "before the first step, initialize the convolutional cells' weight-normalized convolutions "
                    + "from the data (Salimans and Kingma 2016, as NVAE): on the first batch of training examples each "
                    + "one's outputs get mean 0 and variance 1 per channel. New runs only; models without "
                    + "convolutional cells are unchanged")
    boolean dataInit;

    @Option(names = "--graph",
            description = "capture each training step once as a CUDA graph and replay it (GPU; one worker). On the "
                    + "CPU the same step runs uncaptured.")
    boolean graph;

    /** Training workers for {@code backend}: the flag, or 2 on a multi-core CPU and 1 on a GPU (1 with --graph). */
    int workers(org.hvae4j.tensor.Backend backend) {
        if (graph && workers != null && workers != 1) {
            throw new ConfigException("--graph runs each step on one worker; drop --workers " + workers);
        }
        if (graph) {
            return 1;
        }
        if (workers != null) {
            if (workers != 1 && workers != 2) {
                throw new ConfigException("--workers must be 1 or 2, got " + workers);
            }
            return workers;
        }
        return !backend.device().isCuda() && Runtime.getRuntime().availableProcessors() >= 2 ? 2 : 1;
    }

    /** The training configuration of a new run of {@code spec}: defaults, then the file, then the flags. */
    TrainConfig config(ConfigFile file, org.hvae4j.model.ModelSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>(TrainConfig.defaults(DEFAULT_EPOCHS).toMap());
        if (spec.latents().size() > 1 && spec.inference() != org.hvae4j.model.Inference.LADDER) {
            m.put("klWarmupSteps", DEFAULT_KL_WARMUP);
        }
        m.putAll(file.training());
        put(m, "epochs", epochs);
        put(m, "batchSize", batch);
        put(m, "learningRate", learningRate);
        put(m, "schedule", schedule);
        put(m, "seed", seed);
        put(m, "objective", objective);
        put(m, "freeBits", freeBits);
        put(m, "klWarmupSteps", klWarmup);
        put(m, "weightDecay", weightDecay);
        put(m, "clipNorm", clipNorm != null && clipNorm.isInfinite() ? "inf" : clipNorm);
        if (dataInit) {
            m.put("dataInit", true);
        }
        try {
            return TrainConfig.fromMap(m);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("bad training configuration: " + e.getMessage(), e);
        }
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
