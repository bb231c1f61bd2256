package org.hvae4j.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How to train: epochs, batch size, Adam's learning rate and its schedule ("constant", "cosine", or
 * "exponential:GAMMA" per epoch), the seed (on the CPU backend the same seed gives the same run), the objective,
 * KL warm-up (β rises linearly from 0 to 1 over {@code klWarmupSteps}), weight decay, global-norm clipping, how
 * many consecutive non-finite steps stop training, and whether a fresh model's convolutions are initialized from the
 * data before the first step ({@code dataInit}, see {@link Trainer#initializeFromData}).
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, String schedule, long seed,
        Objective objective, long klWarmupSteps, double weightDecay, double clipNorm, int maxBadSteps,
        boolean dataInit) {
    public TrainConfig {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        if (objective == null) {
            throw new IllegalArgumentException("objective must not be null");
        }
        if (klWarmupSteps < 0) {
            throw new IllegalArgumentException("klWarmupSteps must be >= 0, got " + klWarmupSteps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be >= 0 and finite, got " + weightDecay);
        }
        if (!(clipNorm > 0)) {
            throw new IllegalArgumentException("clipNorm must be > 0 (or infinite: no clipping), got " + clipNorm);
        }
        if (maxBadSteps < 1) {
            throw new IllegalArgumentException("maxBadSteps must be >= 1, got " + maxBadSteps);
        }
        scheduleFactor(schedule == null ? "constant" : schedule, 0, 1);  // validates the name
        schedule = schedule == null ? "constant" : schedule;
    }

    /** A configuration without data-dependent initialization (the form before {@code dataInit} existed). */
    public TrainConfig(int epochs, int batchSize, double learningRate, String schedule, long seed, Objective objective,
            long klWarmupSteps, double weightDecay, double clipNorm, int maxBadSteps) {
        this(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay, clipNorm,
                maxBadSteps, false);
    }

    /** Burda et al.'s setting: Adam 1e-3, batch 100, ELBO, no warm-up, no clipping. */
    public static TrainConfig defaults(int epochs) {
        return new TrainConfig(epochs, 100, 1e-3, "constant", 0, Objective.elbo(), 0, 0, Double.POSITIVE_INFINITY, 20);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, dataInit);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(epochs, b, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, dataInit);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(epochs, batchSize, lr, schedule, seed, objective, klWarmupSteps, weightDecay, clipNorm,
                maxBadSteps, dataInit);
    }

    public TrainConfig withSchedule(String s) {
        return new TrainConfig(epochs, batchSize, learningRate, s, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, dataInit);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, s, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, dataInit);
    }

    public TrainConfig withObjective(Objective o) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, o, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, dataInit);
    }

    public TrainConfig withKlWarmupSteps(long s) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, s, weightDecay, clipNorm,
                maxBadSteps, dataInit);
    }

    public TrainConfig withWeightDecay(double w) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, w, clipNorm,
                maxBadSteps, dataInit);
    }

    public TrainConfig withClipNorm(double c) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                c, maxBadSteps, dataInit);
    }

    public TrainConfig withMaxBadSteps(int n) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, n, dataInit);
    }

    /** With (or without) data-dependent initialization of a fresh model's convolutions before the first step. */
    public TrainConfig withDataInit(boolean on) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps, on);
    }

    /** The learning-rate multiplier at {@code epochFraction} (epochs done, fractional) of {@code totalEpochs}. */
    public static double scheduleFactor(String schedule, double epochFraction, int totalEpochs) {
        String s = schedule.trim().toLowerCase(Locale.ROOT);
        if (s.equals("constant")) {
            return 1;
        }
        if (s.equals("cosine")) {
            return 0.5 * (1 + Math.cos(Math.PI * Math.min(1, epochFraction / Math.max(1, totalEpochs))));
        }
        if (s.startsWith("exponential:")) {
            double gamma;
            try {
                gamma = Double.parseDouble(s.substring(12));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad gamma in schedule '" + schedule + "'");
            }
            if (!(gamma > 0 && gamma <= 1)) {
                throw new IllegalArgumentException("exponential schedule gamma must be in (0, 1], got " + gamma);
            }
            return Math.pow(gamma, Math.floor(epochFraction));
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + schedule
                + "' (expected constant, cosine or exponential:GAMMA)");
    }

    /** KL warm-up factor β at a step. */
    public double beta(long step) {
        return klWarmupSteps == 0 ? 1 : Math.min(1, (double) step / klWarmupSteps);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", epochs);
        m.put("batchSize", batchSize);
        m.put("learningRate", learningRate);
        m.put("schedule", schedule);
        m.put("seed", seed);
        m.put("objective", objective.toString().split(" ")[0]);
        m.put("freeBits", objective.freeBits());
        m.put("klWarmupSteps", klWarmupSteps);
        m.put("weightDecay", weightDecay);
        m.put("clipNorm", Double.isInfinite(clipNorm) ? "inf" : clipNorm);
        m.put("maxBadSteps", maxBadSteps);
        m.put("dataInit", dataInit);
        return m;
    }

    /**
     * Reads {@link #toMap}'s form (configuration files, checkpoints): every field optional (the defaults of
     * {@link #defaults}), counts integers in range ({@code epochs} and {@code batchSize} >= 1), rates numbers.
     */
    public static TrainConfig fromMap(Map<String, Object> m) {
        Objective o = Objective.parse(String.valueOf(m.getOrDefault("objective", "elbo")));
        double fb = num(m, "freeBits", 0);
        if (fb > 0) {
            o = o.withFreeBits(fb);
        } else if (fb < 0 || Double.isNaN(fb)) {
            throw new IllegalArgumentException("training field 'freeBits' must be >= 0, got " + m.get("freeBits"));
        }
        Object clip = m.getOrDefault("clipNorm", "inf");
        double c = "inf".equals(String.valueOf(clip)) ? Double.POSITIVE_INFINITY : num(m, "clipNorm", 0);
        if (!(c > 0)) {
            throw new IllegalArgumentException("training field 'clipNorm' must be > 0 (or inf: no clipping), got "
                    + clip);
        }
        return new TrainConfig((int) integer(m, "epochs", 10, 1, Integer.MAX_VALUE),
                (int) integer(m, "batchSize", 100, 1, Integer.MAX_VALUE), num(m, "learningRate", 1e-3),
                String.valueOf(m.getOrDefault("schedule", "constant")),
                integer(m, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE), o,
                integer(m, "klWarmupSteps", 0, 0, Long.MAX_VALUE), num(m, "weightDecay", 0), c,
                (int) integer(m, "maxBadSteps", 20, 1, Integer.MAX_VALUE), bool(m, "dataInit"));
    }

    private static boolean bool(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null || v instanceof Boolean) {
            return Boolean.TRUE.equals(v);
        }
        String t = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
        if (t.equals("true") || t.equals("false")) {
            return t.equals("true");
        }
        throw new IllegalArgumentException("training field '" + key + "' must be true or false, got " + v);
    }

    private static double num(Map<String, Object> m, String key, double dflt) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("training field '" + key + "' must be a number, got " + v);
        }
    }

    /** An integer field in {@code [min, max]}: 1.7 or 1e12 epochs are refused, not rounded or clamped. */
    private static long integer(Map<String, Object> m, String key, long dflt, long min, long max) {
        Object v = m.get(key);
        if (v == null) {
            return dflt;
        }
        String range = min == Long.MIN_VALUE ? "" : max == Long.MAX_VALUE ? " >= " + min
                : " in [" + min + ", " + max + "]";
        String bad = "training field '" + key + "' must be an integer" + range + ", got " + v;
        java.math.BigInteger i;
        try {
            i = new java.math.BigDecimal(String.valueOf(v).trim()).toBigIntegerExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(bad);
        }
        if (i.compareTo(java.math.BigInteger.valueOf(min)) < 0 || i.compareTo(java.math.BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException(bad);
        }
        return i.longValue();
    }
}
