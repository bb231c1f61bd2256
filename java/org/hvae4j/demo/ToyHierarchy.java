package org.hvae4j.demo;

import java.util.Objects;
import java.util.SplittableRandom;
import org.hvae4j.data.Dataset;

/**
 * Two-dimensional toy data from a latent hierarchy {@code c → z2 → z1 → x}, for showing what a hierarchical
 * VAE gains over a one-level one.
 *
 * <p>The generative story, with the {@linkplain Params#DEFAULT default parameters} in brackets:
 * <ol>
 *   <li>{@code c ~ Uniform{0, ..., K−1}} [K = 3] picks a cluster whose centre lies on a circle of radius
 *       {@code R} [4]: {@code μ_c = R·(cos φ_c, sin φ_c)}, {@code φ_c = π/2 + 2πc/K}.</li>
 *   <li>{@code z2 | c ~ N(μ_c, σ2²·I)} [σ2 = 0.35]: where, around its cluster centre, the point's group
 *       sits.</li>
 *   <li>{@code j ~ Uniform{0, ..., M−1}} [M = 4] picks a sub-mode direction {@code u_j = (cos θ_j, sin θ_j)},
 *       {@code θ_j = π/4 + 2πj/M}, and {@code z1 | z2, j ~ N(z2 + d·u_j, σ1²·I)} [d = 1.5, σ1 = 0.12]: M
 *       sub-modes in a fixed pattern (a square, for M = 4) around {@code z2}.</li>
 *   <li>{@code x | z1 ~ N(z1, σx²·I)} [σx = 0.05]: observation noise.</li>
 * </ol>
 * So the marginal of {@code x} is K clusters, each a square of M blobs. With the defaults a blob has a
 * standard deviation of about 0.37 per coordinate, neighbouring blobs are 2.1 apart and cluster centres 6.9
 * apart, so all K·M = 12 blobs are plainly visible in a scatter plot. Coarse (which cluster, where) and fine
 * (which sub-mode) variation come from different levels, which a two-level latent hierarchy can mirror; a
 * single Gaussian latent layer with a Gaussian decoder has to fold one Gaussian onto 12 separated blobs, and
 * tends to blur each square into one round blob or put mass on bridges between blobs.
 *
 * <p>Since every step is linear-Gaussian given the discrete choices, {@code x | c, j} is exactly
 * {@code N(μ_c + d·u_j, (σ2² + σ1² + σx²)·I)}, and {@link Params#logDensity} gives the true {@code log p(x)}:
 * the mean true log density of a data set bounds (up to sampling noise) the mean ELBO, indeed the mean
 * log-likelihood, any model can reach on it.
 *
 * <p>{@link #sample} is deterministic: the same {@code (n, seed, params)} give the same arrays, on any JVM
 * (uniforms from {@link SplittableRandom}, Gaussians by Box–Muller on them).
 */
public final class ToyHierarchy {
    private ToyHierarchy() {
    }

    /**
     * Parameters of the generative story (see the class comment).
     *
     * @param clusters      K, the number of clusters, {@code >= 1}
     * @param radius        R, the radius of the circle of cluster centres, {@code >= 0}
     * @param z2Std         σ2, the spread of {@code z2} around its centre, {@code >= 0}
     * @param subModes      M, the number of sub-modes around {@code z2}, {@code >= 1}
     * @param subModeOffset d, the distance of a sub-mode from {@code z2}, {@code >= 0}
     * @param z1Std         σ1, the spread of {@code z1} around its sub-mode, {@code >= 0}
     * @param xStd          σx, the observation noise, {@code > 0}
     */
    public record Params(int clusters, double radius, double z2Std, int subModes, double subModeOffset,
                         double z1Std, double xStd) {
        /** The parameters of the class comment: K = 3, R = 4, σ2 = 0.35, M = 4, d = 1.5, σ1 = 0.12,
         * σx = 0.05. */
        public static final Params DEFAULT = new Params(3, 4.0, 0.35, 4, 1.5, 0.12, 0.05);

        /** Checks every parameter, naming a bad one. */
        public Params {
            if (clusters < 1) throw new IllegalArgumentException("clusters must be >= 1, got " + clusters);
            if (subModes < 1) throw new IllegalArgumentException("subModes must be >= 1, got " + subModes);
            nonNegative("radius", radius);
            nonNegative("z2Std", z2Std);
            nonNegative("subModeOffset", subModeOffset);
            nonNegative("z1Std", z1Std);
            if (!(xStd > 0) || !Double.isFinite(xStd)) {
                throw new IllegalArgumentException("xStd must be positive and finite, got " + xStd);
            }
        }

        private static void nonNegative(String name, double v) {
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " must be >= 0 and finite, got " + v);
            }
        }

        /** The centre {@code μ_c} of cluster {@code c}, as {@code {x, y}}. */
        public double[] centre(int c) {
            if (c < 0 || c >= clusters) throw new IllegalArgumentException("cluster must be in 0.." + (clusters - 1) + ", got " + c);
            double phi = Math.PI / 2 + 2 * Math.PI * c / clusters;
            return new double[] {radius * Math.cos(phi), radius * Math.sin(phi)};
        }

        /** The offset {@code d·(cos θ_j, sin θ_j)} of sub-mode {@code j}, as {@code {x, y}}. */
        public double[] subModeOffset(int j) {
            if (j < 0 || j >= subModes) throw new IllegalArgumentException("sub-mode must be in 0.." + (subModes - 1) + ", got " + j);
            double theta = Math.PI / 4 + 2 * Math.PI * j / subModes;
            return new double[] {subModeOffset * Math.cos(theta), subModeOffset * Math.sin(theta)};
        }

        /** The standard deviation of each coordinate of {@code x} given {@code (c, j)}: √(σ2² + σ1² + σx²). */
        public double xGivenModeStd() {
            return Math.sqrt(z2Std * z2Std + z1Std * z1Std + xStd * xStd);
        }

        /** The exact log density {@code log p(x)} of the point {@code (x1, x2)} under this model, in nats. */
        public double logDensity(double x1, double x2) {
            double s2 = z2Std * z2Std + z1Std * z1Std + xStd * xStd;
            double norm = -Math.log(2 * Math.PI * s2) - Math.log(clusters) - Math.log(subModes);
            double[] terms = new double[clusters * subModes];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < clusters; c++) {
                double[] mu = centre(c);
                for (int j = 0; j < subModes; j++) {
                    double[] off = subModeOffset(j);
                    double dx = x1 - mu[0] - off[0];
                    double dy = x2 - mu[1] - off[1];
                    double t = norm - (dx * dx + dy * dy) / (2 * s2);
                    terms[c * subModes + j] = t;
                    max = Math.max(max, t);
                }
            }
            double sum = 0;
            for (double t : terms) sum += Math.exp(t - max);
            return max + Math.log(sum);
        }

        /**
         * The exact conditional log density {@code log p(x | c)} of the point {@code (x1, x2)} given its cluster
         * {@code c}, in nats: the ceiling of a model conditioned on c, as {@link #logDensity} is of an unconditional
         * one.
         */
        public double logDensity(double x1, double x2, int c) {
            double[] mu = centre(c);
            double s2 = z2Std * z2Std + z1Std * z1Std + xStd * xStd;
            double norm = -Math.log(2 * Math.PI * s2) - Math.log(subModes);
            double max = Double.NEGATIVE_INFINITY;
            double[] terms = new double[subModes];
            for (int j = 0; j < subModes; j++) {
                double[] off = subModeOffset(j);
                double dx = x1 - mu[0] - off[0];
                double dy = x2 - mu[1] - off[1];
                terms[j] = norm - (dx * dx + dy * dy) / (2 * s2);
                max = Math.max(max, terms[j]);
            }
            double sum = 0;
            for (double t : terms) sum += Math.exp(t - max);
            return max + Math.log(sum);
        }

        /**
         * The mean of {@link #logDensity(double, double, int)} over the first {@code n} points of an n×2
         * row-major array and their clusters.
         */
        public double meanConditionalLogDensity(float[] xy, int[] clusters, int n) {
            Objects.requireNonNull(xy, "xy");
            Objects.requireNonNull(clusters, "clusters");
            if (n < 1 || 2L * n > xy.length || n > clusters.length) {
                throw new IllegalArgumentException("n must be in 1.." + Math.min(xy.length / 2, clusters.length)
                        + ", got " + n);
            }
            double s = 0;
            for (int i = 0; i < n; i++) s += logDensity(xy[2 * i], xy[2 * i + 1], clusters[i]);
            return s / n;
        }

        /** The mean of {@link #logDensity} over the first {@code n} points of an n×2 row-major array. */
        public double meanLogDensity(float[] xy, int n) {
            Objects.requireNonNull(xy, "xy");
            if (n < 1 || 2L * n > xy.length) {
                throw new IllegalArgumentException("n must be in 1.." + xy.length / 2 + ", got " + n);
            }
            double s = 0;
            for (int i = 0; i < n; i++) s += logDensity(xy[2 * i], xy[2 * i + 1]);
            return s / n;
        }
    }

    /**
     * {@code n} draws from the model: the observations and, for plotting and checks, every latent.
     * Arrays of points are n×2 row-major ({@code x0, y0, x1, y1, ...}).
     *
     * @param n       number of points
     * @param x       the observations {@code x}
     * @param cluster the cluster {@code c} of each point
     * @param subMode the sub-mode {@code j} of each point
     * @param z1      the latent {@code z1} of each point
     * @param z2      the latent {@code z2} of each point
     * @param params  the parameters drawn from
     */
    public record Sample(int n, float[] x, int[] cluster, int[] subMode, float[] z1, float[] z2, Params params) {
        /** A dataset of the observations (n rows of 2 features), labelled by cluster. */
        public Dataset dataset(String name) {
            return Dataset.of(name, x.clone(), n, 2, cluster.clone(), params.clusters());
        }
    }

    /** {@code n} draws with the {@linkplain Params#DEFAULT default parameters}. */
    public static Sample sample(int n, long seed) {
        return sample(n, seed, Params.DEFAULT);
    }

    /**
     * {@code n} draws, {@code n >= 1}, from the model with the given parameters; the same arguments give the
     * same sample.
     */
    public static Sample sample(int n, long seed, Params params) {
        Objects.requireNonNull(params, "params");
        if (n < 1 || n > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("n must be in 1.." + Integer.MAX_VALUE / 2 + ", got " + n);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[2 * n];
        float[] z1 = new float[2 * n];
        float[] z2 = new float[2 * n];
        int[] cs = new int[n];
        int[] js = new int[n];
        double[] g = new double[2];
        double[][] centres = new double[params.clusters()][];
        for (int c = 0; c < centres.length; c++) centres[c] = params.centre(c);
        double[][] offsets = new double[params.subModes()][];
        for (int j = 0; j < offsets.length; j++) offsets[j] = params.subModeOffset(j);
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(params.clusters());
            int j = rng.nextInt(params.subModes());
            gaussianPair(rng, g);
            double z2x = centres[c][0] + params.z2Std() * g[0];
            double z2y = centres[c][1] + params.z2Std() * g[1];
            gaussianPair(rng, g);
            double z1x = z2x + offsets[j][0] + params.z1Std() * g[0];
            double z1y = z2y + offsets[j][1] + params.z1Std() * g[1];
            gaussianPair(rng, g);
            cs[i] = c;
            js[i] = j;
            z2[2 * i] = (float) z2x;
            z2[2 * i + 1] = (float) z2y;
            z1[2 * i] = (float) z1x;
            z1[2 * i + 1] = (float) z1y;
            x[2 * i] = (float) (z1x + params.xStd() * g[0]);
            x[2 * i + 1] = (float) (z1y + params.xStd() * g[1]);
        }
        return new Sample(n, x, cs, js, z1, z2, params);
    }

    /** Two independent standard normals into {@code out} (Box–Muller). */
    private static void gaussianPair(SplittableRandom rng, double[] out) {
        double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log is finite
        double u2 = rng.nextDouble();
        double r = Math.sqrt(-2.0 * Math.log(u1));
        out[0] = r * Math.cos(2 * Math.PI * u2);
        out[1] = r * Math.sin(2 * Math.PI * u2);
    }
}
