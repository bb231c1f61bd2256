package org.hvae4j.latent;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.SplittableRandom;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;
import org.hvae4j.tensor.TestSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every fused operation on CUDA against the CPU backend: ‖Δ‖/‖ref‖ < 1e-5, identical hard Bernoulli samples. */
@Tag("gpu")
class LatentCudaParityTest {
    static final int ROWS = 3000, COLS = 77;
    private final Backend cpu = Backend.cpu();

    static void close(String what, Tensor gpu, Tensor ref) {
        double e = TestSupport.relativeError(gpu.toArray(), ref.toArray());
        assertTrue(e < 1e-5, what + ": relative error " + e);
    }

    static float[] rand(long seed, int n, double scale) {
        return TestSupport.randn(new SplittableRandom(seed), n, scale);
    }

    @Test
    void gaussianLatentMatchesCpu() {
        Backend gpu = TestSupport.cudaOrSkip();
        int n = ROWS * COLS;
        float[] qm = rand(1, n, 1), ql = rand(2, n, 1), pm = rand(3, n, 1), pl = rand(4, n, 1), dz = rand(5, n, 1);
        float[] w = rand(6, ROWS, 1);
        for (int flags : new int[] {0, 1, 2, 4, 6}) {
            boolean standard = (flags & 1) != 0;
            GaussianLatent g = (flags & 2) != 0 ? GaussianLatent.of(COLS).residual() : GaussianLatent.of(COLS);
            Tensor[][] res = new Tensor[2][];
            try (MemoryScope s = MemoryScope.open()) {
                for (int b = 0; b < 2; b++) {
                    Backend be = b == 0 ? cpu : gpu;
                    Tensor tqm = be.fromArray(qm, ROWS, COLS), tql = be.fromArray(ql, ROWS, COLS);
                    Tensor tpm = standard ? null : be.fromArray(pm, ROWS, COLS);
                    Tensor tpl = standard ? null : be.fromArray(pl, ROWS, COLS);
                    Tensor tw = be.fromArray(w, ROWS);
                    LatentSample o = g.rsample(tqm, tql, tpm, tpl, new Noise(11, 12));
                    Tensor[] d = {be.empty(ROWS, COLS), be.empty(ROWS, COLS), be.empty(ROWS, COLS), be.empty(ROWS, COLS)};
                    g.backward(tqm, tql, tpm, tpl, new Noise(11, 12), be.fromArray(dz, ROWS, COLS),
                            new RowWeights(tw, tw, tw), (flags & 4) != 0, d[0], d[1], standard ? null : d[2],
                            standard ? null : d[3]);
                    res[b] = new Tensor[] {o.z(), o.kl(), o.logq(), o.logp(), d[0], d[1], d[2], d[3]};
                }
                String[] names = {"z", "kl", "logq", "logp", "dqMu", "dqLogVar", "dpMu", "dpLogVar"};
                for (int i = 0; i < (standard ? 6 : 8); i++) {
                    close("flags " + flags + " " + names[i], res[1][i], res[0][i]);
                }
            }
        }
    }

    @Test
    void bernoulliLatentMatchesCpuWithIdenticalHardSamples() {
        Backend gpu = TestSupport.cudaOrSkip();
        int n = ROWS * COLS;
        float[] lq = rand(7, n, 3), lp = rand(8, n, 3), dz = rand(9, n, 1), w = rand(10, ROWS, 1);
        for (Estimator e : new Estimator[] {Estimator.straightThrough(), Estimator.straightThroughSigmoid(),
            Estimator.concrete(0.5f), Estimator.straightThroughGumbel(0.7f), Estimator.reinforce()}) {
            BernoulliLatent b = BernoulliLatent.of(COLS, e);
            try (MemoryScope s = MemoryScope.open()) {
                Tensor[][] res = new Tensor[2][];
                for (int k = 0; k < 2; k++) {
                    Backend be = k == 0 ? cpu : gpu;
                    Tensor tq = be.fromArray(lq, ROWS, COLS), tp = be.fromArray(lp, ROWS, COLS);
                    Tensor tw = be.fromArray(w, ROWS);
                    LatentSample o = b.sample(tq, tp, 0f, new Noise(21, 22));
                    Tensor dq = be.empty(ROWS, COLS), dp = be.empty(ROWS, COLS);
                    b.backward(tq, tp, 0f, new Noise(21, 22), be.fromArray(dz, ROWS, COLS), new RowWeights(tw, tw, tw),
                            tw, dq, dp);
                    res[k] = new Tensor[] {o.z(), o.kl(), o.logq(), o.logp(), dq, dp};
                }
                if (!e.relaxedSample()) {
                    assertArrayEquals(res[0][0].toArray(), res[1][0].toArray(), e + ": hard samples differ");
                }
                String[] names = {"z", "kl", "logq", "logp", "dqLogits", "dpLogits"};
                for (int i = 0; i < names.length; i++) {
                    close(e + " " + names[i], res[1][i], res[0][i]);
                }
            }
        }
    }

    @Test
    void likelihoodsIwaeAndRepeatsMatchCpu() {
        Backend gpu = TestSupport.cudaOrSkip();
        int k = 5, batch = ROWS / k, n = ROWS * COLS;
        float[] logits = rand(31, n, 3), x = new float[batch * COLS], lv = rand(32, n, 1), w = rand(33, ROWS, 1);
        SplittableRandom r = new SplittableRandom(34);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        try (MemoryScope s = MemoryScope.open()) {
            Tensor[][] res = new Tensor[2][];
            for (int b = 0; b < 2; b++) {
                Backend be = b == 0 ? cpu : gpu;
                Tensor tl = be.fromArray(logits, ROWS, COLS), tx = be.fromArray(x, batch, COLS);
                Tensor tv = be.fromArray(lv, ROWS, COLS), tw = be.fromArray(w, ROWS);
                Noise noise = new Noise(41, 42);
                Tensor lpb = BernoulliLikelihood.of(true).logProb(List.of(tl), tx, noise);
                Tensor db = be.empty(ROWS, COLS);
                BernoulliLikelihood.of(true).backward(List.of(tl), tx, noise, tw, List.of(db));
                Tensor lpg = GaussianLikelihood.learned().logProb(List.of(tl, tv), tx, noise);
                Tensor dm = be.empty(ROWS, COLS), dv = be.empty(ROWS, COLS);
                GaussianLikelihood.learned().backward(List.of(tl, tv), tx, noise, tw, List.of(dm, dv));
                Tensor bound = be.empty(batch), wn = be.empty(ROWS), ws = be.empty(ROWS);
                ImportanceWeights.compute(lpb, k, bound, wn, ws);
                Tensor rep = be.empty(ROWS, COLS);
                be.repeatRows(tx, k, rep);
                Tensor back = be.full(1f, batch, COLS);
                be.sumRepeats(rep, k, back, 0.5f);
                res[b] = new Tensor[] {lpb, db, lpg, dm, dv, bound, wn, ws, rep, back};
            }
            String[] names = {"bernoulli logp", "bernoulli dlogits", "gaussian logp", "gaussian dmu", "gaussian dlv",
                "iwae bound", "wnorm", "wsq", "repeatRows", "sumRepeats"};
            for (int i = 0; i < names.length; i++) {
                close(names[i], res[1][i], res[0][i]);
            }
        }
    }
}
