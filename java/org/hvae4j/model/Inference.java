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

    public boolean topDown() {
        return this != BOTTOM_UP;
    }
}
