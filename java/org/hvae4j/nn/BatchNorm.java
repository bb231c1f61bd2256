package org.hvae4j.nn;

import java.util.function.Supplier;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Tensor;

/**
 * Batch normalization of images per channel (Ioffe and Szegedy 2015; NVAE puts it before every activation of its
 * residual cells), y = γ (x − μ)/√(σ² + ε) + β, with the two statistics of what a pass computes.
 * <ul>
 * <li>In a <em>training</em> pass ({@link #training}: the training step runs its workers' passes so) μ and σ² are
 * the batch's: each channel's mean and biased variance over the pass's rows (all importance samples of its examples)
 * and positions, and the gradient flows through them. The layer's running statistics (buffers ".mean" and ".var",
 * starting at 0 and 1) move towards them by {@link #MOMENTUM}, the variance unbiased, as PyTorch's BatchNorm2d does
 * — in the model that owns them only: replicas of data-parallel training read the model's buffers and leave them as
 * they are, so the running statistics are worker 0's (its share of each batch).
 * <li>In every other pass (evaluation, sampling, encoding, scoring) μ and σ² are the running statistics, so each
 * example's result depends on it alone, whatever the batch and however many samples it is evaluated with.
 * </ul>
 * The switch belongs to the calling thread.
 */
public final class BatchNorm {
    /** NVAE's momentum of the running statistics (PyTorch's default is 0.1). */
    public static final float MOMENTUM = 0.05f;
    /** PyTorch's ε. */
    public static final float EPS = 1e-5f;

    private static final ThreadLocal<Boolean> TRAINING = new ThreadLocal<>();

    private final int channels;
    private final Param gamma;
    private final Param beta;
    private final Param runningMean;
    private final Param runningVar;

    private BatchNorm(CellContext ctx, String name, Param.Role role, int channels) {
        this.channels = channels;
        if (ctx.planning()) {
            for (String s : new String[] {".gamma", ".beta", ".mean", ".var"}) {
                ctx.plan().add(name + s, channels);
            }
            gamma = beta = runningMean = runningVar = null;
            return;
        }
        Backend be = ctx.backend();
        gamma = new Param(name + ".gamma", role, be.full(1f, channels));
        beta = new Param(name + ".beta", role, be.zeros(channels));
        runningMean = Param.buffer(name + ".mean", role, be.zeros(channels));
        runningVar = Param.buffer(name + ".var", role, be.full(1f, channels));
        for (Param p : new Param[] {gamma, beta, runningMean, runningVar}) {
            ctx.registry().add(p);
        }
    }

    /** A layer over images of {@code channels} channels, its parameters and buffers made in (or planned by) ctx. */
    static BatchNorm create(CellContext ctx, String name, Param.Role role, int channels) {
        return new BatchNorm(ctx, name, role, channels);
    }

    /** Runs {@code pass} as a training pass on this thread (batch statistics, running statistics updated). */
    public static <T> T training(Supplier<T> pass) {
        Boolean before = TRAINING.get();
        TRAINING.set(Boolean.TRUE);
        try {
            return pass.get();
        } finally {
            if (before == null) {
                TRAINING.remove();
            } else {
                TRAINING.set(before);
            }
        }
    }

    /** {@link #training(Supplier)} for a pass without a result. */
    public static void training(Runnable pass) {
        training(() -> {
            pass.run();
            return null;
        });
    }

    /** Whether passes on this thread are training passes. */
    public static boolean isTraining() {
        return Boolean.TRUE.equals(TRAINING.get());
    }

    /** y = BN(x) on the tape; x is [n, channels·H·W]. */
    Tensor forward(Tape tape, Tensor x) {
        Backend be = tape.backend();
        boolean batchStats = isTraining();
        Tensor mean, var;
        if (batchStats) {
            mean = be.empty(channels);
            var = be.empty(channels);
            be.channelMoments(x, channels, mean, var);
            long count = x.numel() / channels;
            if (runningMean.ownsValue()) {
                be.axpby(MOMENTUM, mean, 1 - MOMENTUM, runningMean.value());
                float unbiased = count > 1 ? (float) count / (count - 1) : 1f;
                be.axpby(MOMENTUM * unbiased, var, 1 - MOMENTUM, runningVar.value());
            }
        } else {
            mean = runningMean.value();
            var = runningVar.value();
        }
        Tensor y = be.empty(x.shape().dims());
        be.batchNorm(x, channels, mean, var, EPS, gamma.value(), beta.value(), y);
        tape.record(() -> {
            Tensor dy = tape.grad(y);
            if (dy == null) {
                return;
            }
            boolean params = tape.paramGrads();
            Tensor dg = params ? gamma.grad() : be.empty(channels);
            Tensor db = params ? beta.grad() : be.empty(channels);
            if (tape.needs(x)) {
                tape.accumulate(x, dx -> be.batchNormBackward(x, dy, channels, mean, var, EPS, gamma.value(),
                        batchStats, params, dx, dg, db));
            } else if (params) {
                be.batchNormBackward(x, dy, channels, mean, var, EPS, gamma.value(), batchStats, true, null, dg, db);
            }
        });
        return y;
    }
}
