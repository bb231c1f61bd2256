package org.hvae4j.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How to train: epochs, batch size, Adam's learning rate and its schedule ("constant", "cosine", or
 * "exponential:GAMMA" per epoch), the seed (on the CPU backend the same seed gives the same run), the objective,
 * KL warm-up (β rises linearly from 0 to 1 over {@code klWarmupSteps}), weight decay, global-norm clipping, and how
 * many consecutive non-finite steps stop training.
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, String schedule, long seed,
        Objective objective, long klWarmupSteps, double weightDecay, double clipNorm, int maxBadSteps) {
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
        if (klWarmupSteps < 0 || !(weightDecay >= 0) || !(clipNorm > 0) || maxBadSteps < 1) {
            throw new IllegalArgumentException("need klWarmupSteps >= 0, weightDecay >= 0, clipNorm > 0 and "
                    + "maxBadSteps >= 1");
        }
        scheduleFactor(schedule == null ? "constant" : schedule, 0, 1);  // validates the name
        schedule = schedule == null ? "constant" : schedule;
    }

    /** Burda et al.'s setting: Adam 1e-3, batch 100, ELBO, no warm-up, no clipping. */
    public static TrainConfig defaults(int epochs) {
        return new TrainConfig(epochs, 100, 1e-3, "constant", 0, Objective.elbo(), 0, 0, Double.POSITIVE_INFINITY, 20);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps);
    }

    public TrainConfig withBatchSize(int b) {
        return new TrainConfig(epochs, b, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps);
    }

    public TrainConfig withLearningRate(double lr) {
        return new TrainConfig(epochs, batchSize, lr, schedule, seed, objective, klWarmupSteps, weightDecay, clipNorm,
                maxBadSteps);
    }

    public TrainConfig withSchedule(String s) {
        return new TrainConfig(epochs, batchSize, learningRate, s, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, s, objective, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps);
    }

    public TrainConfig withObjective(Objective o) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, o, klWarmupSteps, weightDecay,
                clipNorm, maxBadSteps);
    }

    public TrainConfig withKlWarmupSteps(long s) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, s, weightDecay, clipNorm,
                maxBadSteps);
    }

    public TrainConfig withWeightDecay(double w) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, w, clipNorm,
                maxBadSteps);
    }

    public TrainConfig withClipNorm(double c) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                c, maxBadSteps);
    }

    public TrainConfig withMaxBadSteps(int n) {
        return new TrainConfig(epochs, batchSize, learningRate, schedule, seed, objective, klWarmupSteps, weightDecay,
                clipNorm, n);
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
        return m;
    }

    public static TrainConfig fromMap(Map<String, Object> m) {
        Objective o = Objective.parse(String.valueOf(m.getOrDefault("objective", "elbo")));
        double fb = num(m, "freeBits", 0);
        if (fb > 0) {
            o = o.withFreeBits(fb);
        }
        Object clip = m.getOrDefault("clipNorm", "inf");
        double c = "inf".equals(String.valueOf(clip)) ? Double.POSITIVE_INFINITY : num(m, "clipNorm", 0);
        return new TrainConfig((int) num(m, "epochs", 10), (int) num(m, "batchSize", 100), num(m, "learningRate", 1e-3),
                String.valueOf(m.getOrDefault("schedule", "constant")), (long) num(m, "seed", 0), o,
                (long) num(m, "klWarmupSteps", 0), num(m, "weightDecay", 0), c, (int) num(m, "maxBadSteps", 20));
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
}
