package org.hvae4j.latent;

import static org.hvae4j.latent.Checks.*;

import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Importance weighting over k samples per example (Burda et al.): from log weights log w = log p(x, z) − log q(z|x)
 * laid out sample-major (row s·batch + b), the IWAE bound log (1/k) Σ_s w_s per example, the normalized weights
 * w̃_s = w_s / Σ w (the gradient of the bound with respect to each log w_s) and their squares (the DReG weights).
 * Log-sum-exp is computed stably in double.
 */
public final class ImportanceWeights {
    private ImportanceWeights() {}

    /** Writes bound [batch] and, when non-null, wnorm and wsq [k·batch]. */
    public static void compute(Tensor logw, int k, Tensor bound, Tensor wnorm, Tensor wsq) {
        Backend be = logw.backend();
        String op = "ImportanceWeights.compute";
        open(be, logw, op, "logw");
        if (k <= 0) {
            throw new IllegalArgumentException(op + ": k must be positive, got " + k);
        }
        if (logw.numel() % k != 0) {
            throw new IllegalArgumentException(op + ": logw " + logw.shape() + " does not hold k = " + k
                    + " samples per example");
        }
        int batch = Math.toIntExact(logw.numel() / k);
        optionalPerRow(be, bound, batch, op, "bound");
        optionalPerRow(be, wnorm, k * batch, op, "wnorm");
        optionalPerRow(be, wsq, k * batch, op, "wsq");
        be.kernels().iwae(k, batch, logw.address(), addr(bound), addr(wnorm), addr(wsq));
    }

    /** A new [batch] tensor holding the IWAE bound of each example. */
    public static Tensor bound(Tensor logw, int k) {
        Tensor b = logw.backend().empty(Math.toIntExact(logw.numel() / Math.max(k, 1)));
        try {
            compute(logw, k, b, null, null);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }
}
