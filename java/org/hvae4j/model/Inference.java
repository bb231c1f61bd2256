package org.hvae4j.model;

/**
 * How q(z|x) is factorized.
 * <ul>
 *   <li>{@link #BOTTOM_UP}: q(z1|x) q(z2|z1) … as in the IWAE paper; the top layer's KL is analytic, the others are
 *       Monte-Carlo (log q − log p), because their prior's parent is sampled after them.</li>
 *   <li>{@link #LADDER}: top-down in the prior's order; each posterior is the precision-weighted merge of a
 *       bottom-up estimate and the prior (Ladder VAE). Gaussian latents only. Every KL is analytic given its
 *       parents.</li>
 *   <li>{@link #RESIDUAL}: top-down; each posterior is a residual on the prior computed from the bottom-up
 *       features and the top-down state (NVAE). Every KL is analytic given its parents.</li>
 * </ul>
 */
public enum Inference {
    BOTTOM_UP, LADDER, RESIDUAL;

    /** Parses "bottom-up", "ladder" or "residual" (case and '-'/'_' do not matter). */
    public static Inference parse(String s) {
        String n = s == null ? "" : s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (Inference i : values()) {
            if (i.name().equals(n)) {
                return i;
            }
        }
        throw new IllegalArgumentException("unknown inference '" + s + "' (expected bottom-up, ladder or residual)");
    }

    public boolean topDown() {
        return this != BOTTOM_UP;
    }
}
