package org.hvae4j.train;

import java.util.List;
import java.util.function.IntConsumer;
import org.hvae4j.tensor.Tensor;

/** The reducer of one worker: nothing to combine. */
final class SingleWorker implements GradientReducer {
    @Override
    public int workers() {
        return 1;
    }

    @Override
    public void forEachWorker(IntConsumer work) {
        work.accept(0);
    }

    @Override
    public void reduce(List<List<Tensor>> gradients, List<Tensor> statistics, Tensor normSq) {
        normSq.backend().sumSquares(gradients.get(0), normSq);
    }

    @Override
    public void close() {}
}
