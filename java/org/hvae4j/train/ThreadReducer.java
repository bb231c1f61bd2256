package org.hvae4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.hvae4j.tensor.Backend;
import org.hvae4j.tensor.MemoryScope;
import org.hvae4j.tensor.Tensor;

/**
 * Two workers on two threads of this process (the CPU's two cores): worker 1 runs on a {@link HelperThread}. The
 * mean gradient is formed in halves, each thread averaging about half of the parameters (by elements) and summing the
 * squares of its half, so that the global norm costs no third pass.
 */
final class ThreadReducer implements GradientReducer {
    private final HelperThread helper = new HelperThread("hvae4j-worker");
    private final Tensor[] partial = new Tensor[2];
    private int[] bounds;

    ThreadReducer(int n) {
        if (n != 2) {
            throw new IllegalArgumentException("thread workers must be 1 or 2, got " + n);
        }
    }

    @Override
    public int workers() {
        return 2;
    }

    @Override
    public void forEachWorker(IntConsumer work) {
        helper.alongside(() -> work.accept(1), () -> work.accept(0));
    }

    @Override
    public void reduce(List<List<Tensor>> gradients, List<Tensor> statistics, Tensor normSq) {
        Backend be = normSq.backend();
        List<Tensor> mine = gradients.get(0), theirs = gradients.get(1);
        if (bounds == null) {
            bounds = halves(mine);
            try (MemoryScope own = MemoryScope.open()) {  // the reducer's, not the step's
                partial[0] = be.empty(1);
                partial[1] = be.empty(1);
                own.detachAll();
            }
        }
        forEachWorker(w -> {
            List<Tensor> done = new ArrayList<>();
            for (int i = bounds[w]; i < bounds[w + 1]; i++) {
                be.axpby(0.5f, theirs.get(i), 0.5f, mine.get(i));
                done.add(mine.get(i));
            }
            be.sumSquares(done, partial[w]);
        });
        be.axpby(1f, partial[0], 0f, normSq);
        be.axpby(1f, partial[1], 1f, normSq);
        be.axpby(0.5f, statistics.get(1), 0.5f, statistics.get(0));
    }

    /** The two runs of about equal element counts. */
    static int[] halves(List<Tensor> ts) {
        long total = ts.stream().mapToLong(Tensor::numel).sum();
        long acc = 0;
        for (int i = 0; i < ts.size(); i++) {
            acc += ts.get(i).numel();
            if (2 * acc >= total) {
                return new int[] {0, i + 1, ts.size()};
            }
        }
        return new int[] {0, ts.size(), ts.size()};
    }

    @Override
    public void close() {
        helper.close();  // waits for work in progress
        for (Tensor t : partial) {
            if (t != null) {
                t.close();
            }
        }
    }
}
