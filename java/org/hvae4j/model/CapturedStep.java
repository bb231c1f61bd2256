package org.hvae4j.model;

import org.hvae4j.bridge.NativeCodes;
import org.hvae4j.nn.Adam;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.Kernels;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.StepGraph;
import org.hvae4j.tensor.Tensor;

/**
 * A whole training step (zero the gradients, forward, objective, backward, Adam) written so that it reads nothing on
 * the host, recorded once as a {@link StepGraph} — a CUDA graph on the GPU — and launched at every step. What changes
 * from step to step lives in device memory and is written before each launch by small kernels: the batch (copied
 * into the graph's input buffers), the learning rate and Adam's step counter (in the Adam state), and the step's
 * share of the Philox offsets. One read of the state and the statistics after the launch is the step's only
 * synchronization. The step computes what {@link Trainer}'s ordinary step computes, with the same noise.
 *
 * <p>It applies where nothing must be decided on the host during the step: one worker, β = 1 (after KL warm-up), no
 * free bits, no REINFORCE layer; {@link #supports} says which. On the CPU the recorded work simply runs again, which
 * is how the tests check it against the ordinary step.
 */
final class CapturedStep implements AutoCloseable {
    /** Floats of the Adam state (hvae4j_adam_state, adam_state.h) before the statistics, and its fields' float slots. */
    private static final int ADAM_FLOATS = NativeCodes.ADAM_STATE_BYTES / Float.BYTES;
    private static final int ADAM_LR = NativeCodes.ADAM_STATE_LR / Float.BYTES;
    private static final int ADAM_NORM = NativeCodes.ADAM_STATE_NORM / Float.BYTES;
    private static final int ADAM_SKIP = NativeCodes.ADAM_STATE_SKIP / Float.BYTES;
    private static final int ADAM_T = NativeCodes.ADAM_STATE_T / Float.BYTES;  // int64, two slots

    private final Hvae model;
    private final Adam adam;
    private final TrainConfig cfg;
    private final int batch;
    private final Tensor x;
    private final Tensor c;
    private final Tensor state;      // Adam state, then the objective's statistics
    private final Tensor noiseStep;  // one 64-bit word: step << 16, the step's share of every Philox offset
    private final StepGraph graph;

    CapturedStep(Hvae model, Adam adam, TrainConfig cfg, int batch) {
        this.model = model;
        this.adam = adam;
        this.cfg = cfg;
        this.batch = batch;
        Backend be = model.backend();
        ModelSpec spec = model.spec();
        Tensor xb = null, cb = null, st = null, ns = null;
        try {
            xb = be.zeros(batch, spec.inputDim());
            cb = spec.conditioningDim() > 0 ? be.zeros(batch, spec.conditioningDim()) : null;
            st = be.zeros(ADAM_FLOATS + Objectives.STAT_KL + model.depth());
            ns = be.zeros(2);
            this.x = xb;
            this.c = cb;
            this.state = st;
            this.noiseStep = ns;
            this.graph = StepGraph.capture(be, this::work);
        } catch (RuntimeException | Error e) {
            for (Tensor t : new Tensor[] {xb, cb, st, ns}) {
                if (t != null) {
                    t.close();
                }
            }
            throw e;
        }
    }

    /** Why a step of this configuration cannot be captured, or null when it can. */
    static String unsupported(Hvae model, TrainConfig cfg, int workers) {
        if (workers != 1) {
            return "captured steps run on one worker";
        }
        if (cfg.objective().freeBits() > 0) {
            return "free bits decide on the host which KL terms get gradients";
        }
        if (model.spec().usesReinforce()) {
            return "REINFORCE keeps its baseline on the host";
        }
        return null;
    }

    /** True when this step serves a batch of {@code rows} at this step (after KL warm-up). */
    boolean supports(int rows, long step) {
        return rows == batch && cfg.beta(step) == 1.0;
    }

    boolean isGraph() {
        return graph.isGraph();
    }

    /** The recorded work: everything reads its inputs from device memory. */
    private void work() {
        model.zeroGrad();
        long stats = state.address() + 4L * ADAM_FLOATS;
        try (MemoryScope scope = MemoryScope.open()) {
            Hvae.Pass ps = model.forward(x, c, cfg.objective().k(),
                    new Hvae.Streams(cfg.seed(), 0, noiseStep.address()));
            Objectives.runOnDevice(model, ps, cfg.objective(), stats);
        }
        adam.stepOnDevice(stats + 4L * Objectives.STAT_LOSS, state);
    }

    /** Runs step {@code step} on batch x (and c) at learning rate lr; updates Adam's counter from the device. */
    StepResult run(Tensor xb, Tensor cb, long step, double lr) {
        Backend be = model.backend();
        Kernels k = be.kernels();
        if (xb != x) {
            be.copy(xb, x);
        }
        if (c != null && cb != c) {
            be.copy(cb, c);
        }
        k.fill(state.address() + 4L * ADAM_LR, (float) lr, 1);
        k.u64Update(state.address() + 4L * ADAM_T, adam.steps(), false);
        k.u64Update(noiseStep.address(), step << 16, false);
        graph.launch();
        float[] s = state.toArray();
        boolean skipped = Float.floatToRawIntBits(s[ADAM_SKIP]) != 0;
        long t = (Float.floatToRawIntBits(s[ADAM_T]) & 0xFFFFFFFFL)
                | ((long) Float.floatToRawIntBits(s[ADAM_T + 1]) << 32);
        adam.setSteps(t);
        double[] kl = new double[model.depth()];
        for (int l = 0; l < kl.length; l++) {
            kl[l] = s[ADAM_FLOATS + Objectives.STAT_KL + l];
        }
        float norm = s[ADAM_NORM];
        return new StepResult(s[ADAM_FLOATS + Objectives.STAT_OBJECTIVE],
                s[ADAM_FLOATS + Objectives.STAT_RECONSTRUCTION], kl, s[ADAM_FLOATS + Objectives.STAT_LOSS],
                skipped && Float.isFinite(norm) ? Double.NaN : norm, skipped);
    }

    @Override
    public void close() {
        graph.close();
        x.close();
        if (c != null) {
            c.close();
        }
        state.close();
        noiseStep.close();
    }
}
