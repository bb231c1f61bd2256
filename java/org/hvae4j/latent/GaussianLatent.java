package org.hvae4j.latent;

import static org.hvae4j.latent.Checks.*;

import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * A diagonal Gaussian latent layer: q(z|·) = N(μq, σq²), prior p(z|·) = N(μp, σp²) or the standard normal.
 * {@link #rsample} draws the reparameterized z = μq + σq·ε and writes, per row, the analytic KL(q‖p), log q(z) and
 * log p(z) in one pass; {@link #backward} returns the gradients for every posterior and prior input in one pass,
 * regenerating ε from the {@link Noise} instead of storing it. Parameters are given as means and log-variances;
 * with {@link #residual()} the posterior inputs are residuals on the prior (NVAE: μq = μp + Δμ, log σq² = log σp²
 * + Δ). Rows are batch × samples; a null prior means the standard normal.
 */
public final class GaussianLatent {
    static final int PRIOR_STANDARD = NativeCodes.GAUSSIAN_PRIOR_STANDARD;
    static final int POSTERIOR_RESIDUAL = NativeCodes.GAUSSIAN_POSTERIOR_RESIDUAL;
    static final int LOGQ_PATH_ONLY = NativeCodes.GAUSSIAN_LOGQ_PATH_ONLY;

    private final int size;
    private final boolean residual;

    private GaussianLatent(int size, boolean residual) {
        if (size <= 0) {
            throw new IllegalArgumentException("Gaussian latent size must be positive, got " + size);
        }
        this.size = size;
        this.residual = residual;
    }

    /** A latent of {@code size} dimensions whose posterior is given directly. */
    public static GaussianLatent of(int size) {
        return new GaussianLatent(size, false);
    }

    /** The same latent with the posterior given as residuals on the prior. */
    public GaussianLatent residual() {
        return new GaussianLatent(size, true);
    }

    public int size() {
        return size;
    }

    public boolean isResidual() {
        return residual;
    }

    private int flags(Tensor pMu, boolean pathOnly) {
        return (pMu == null ? PRIOR_STANDARD : 0) | (residual ? POSTERIOR_RESIDUAL : 0) | (pathOnly ? LOGQ_PATH_ONLY : 0);
    }

    private int checkInputs(Backend be, Tensor qMu, Tensor qLogVar, Tensor pMu, Tensor pLogVar, String op) {
        open(be, qMu, op, "qMu");
        int rows = qMu.rows();
        matrix(be, qMu, rows, size, op, "qMu");
        matrix(be, qLogVar, rows, size, op, "qLogVar");
        if ((pMu == null) != (pLogVar == null)) {
            throw new IllegalArgumentException(op + ": give both pMu and pLogVar, or neither for the standard normal");
        }
        if (residual && pMu == null) {
            throw new IllegalArgumentException(op + ": a residual posterior needs a prior (pMu, pLogVar)");
        }
        optionalMatrix(be, pMu, rows, size, op, "pMu");
        optionalMatrix(be, pLogVar, rows, size, op, "pLogVar");
        return rows;
    }

    /** Draws z and computes KL, log q, log p per row into new tensors. */
    public LatentSample rsample(Tensor qMu, Tensor qLogVar, Tensor pMu, Tensor pLogVar, Noise noise) {
        Backend be = qMu.backend();
        int rows = qMu.rows();
        LatentSample out = new LatentSample(be.empty(rows, size), be.empty(rows), be.empty(rows), be.empty(rows));
        try {
            rsample(qMu, qLogVar, pMu, pLogVar, noise, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Draws z and computes KL, log q, log p per row into {@code out}. */
    public void rsample(Tensor qMu, Tensor qLogVar, Tensor pMu, Tensor pLogVar, Noise noise, LatentSample out) {
        Backend be = qMu.backend();
        int rows = checkInputs(be, qMu, qLogVar, pMu, pLogVar, "GaussianLatent.rsample");
        matrix(be, out.z(), rows, size, "GaussianLatent.rsample", "z");
        optionalPerRow(be, out.kl(), rows, "GaussianLatent.rsample", "kl");
        optionalPerRow(be, out.logq(), rows, "GaussianLatent.rsample", "logq");
        optionalPerRow(be, out.logp(), rows, "GaussianLatent.rsample", "logp");
        be.kernels().gaussianForward(rows, size, flags(pMu, false), qMu.address(), qLogVar.address(), addr(pMu),
                addr(pLogVar), noise.seed(), noise.offset(), noise.offsetSource(), out.z().address(), addr(out.kl()), addr(out.logq()),
                addr(out.logp()));
    }

    private void optionalPair(Backend be, Tensor mu, Tensor logVar, int rows, String op, String muName,
            String lvName) {
        if ((mu == null) != (logVar == null)) {
            throw new IllegalArgumentException(op + ": " + muName + " and " + lvName
                    + " are given together or left out together");
        }
        optionalMatrix(be, mu, rows, size, op, muName);
        optionalMatrix(be, logVar, rows, size, op, lvName);
    }

    /** The analytic KL(q‖p) per row (a new [rows] tensor). */
    public Tensor kl(Tensor qMu, Tensor qLogVar, Tensor pMu, Tensor pLogVar) {
        try (LatentSample s = rsample(qMu, qLogVar, pMu, pLogVar, new Noise(0, 0))) {
            Tensor kl = qMu.backend().empty(qMu.rows());
            qMu.backend().copy(s.kl(), kl);
            return kl;
        }
    }

    /**
     * Writes into dqMu, dqLogVar (and dpMu, dpLogVar unless the prior is standard) the gradient of
     * Σ dz⊙z + Σ_r (w.kl·KL + w.logq·log q + w.logp·log p). With {@code logqPathOnly}, log q's gradient flows only
     * through z (the "sticking the landing" / DReG estimator), not through the density's own parameters.
     * {@code dz} may be null (no downstream use of z). Either gradient pair may be left out by passing both of its
     * tensors as null (dqMu and dqLogVar, or dpMu and dpLogVar): a bottom-up pass takes the prior's gradient before
     * dz is known and the posterior's after, and the kernel then skips the other pair's arithmetic.
     */
    public void backward(Tensor qMu, Tensor qLogVar, Tensor pMu, Tensor pLogVar, Noise noise, Tensor dz,
            RowWeights w, boolean logqPathOnly, Tensor dqMu, Tensor dqLogVar, Tensor dpMu, Tensor dpLogVar) {
        Backend be = qMu.backend();
        String op = "GaussianLatent.backward";
        int rows = checkInputs(be, qMu, qLogVar, pMu, pLogVar, op);
        optionalMatrix(be, dz, rows, size, op, "dz");
        optionalPerRow(be, w.kl(), rows, op, "w.kl");
        optionalPerRow(be, w.logq(), rows, op, "w.logq");
        optionalPerRow(be, w.logp(), rows, op, "w.logp");
        optionalPair(be, dqMu, dqLogVar, rows, op, "dqMu", "dqLogVar");
        if (pMu != null) {
            optionalPair(be, dpMu, dpLogVar, rows, op, "dpMu", "dpLogVar");
        }
        be.kernels().gaussianBackward(rows, size, flags(pMu, logqPathOnly), qMu.address(), qLogVar.address(),
                addr(pMu), addr(pLogVar), noise.seed(), noise.offset(), noise.offsetSource(), addr(dz), addr(w.kl()),
                addr(w.logq()), addr(w.logp()), addr(dqMu), addr(dqLogVar), pMu == null ? 0 : addr(dpMu),
                pMu == null ? 0 : addr(dpLogVar));
    }
}
