package org.hvae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.ImageShape;
import org.hvae4j.model.Evaluator;
import org.hvae4j.model.ModelSpec;
import org.hvae4j.report.ImageGrid;

/** Image grids of a model's samples and reconstructions, for data whose rows are grey images. */
final class Images {
    static final int COLUMNS = 8;
    static final int SCALE = 2;

    private Images() {}

    /** The image layout of rows of {@code dim} values: the data's own, else a square when dim is one, else none. */
    static Optional<ImageShape> shape(int dim, Optional<ImageShape> fromData) {
        if (fromData.isPresent() && fromData.get().channels() == 1 && fromData.get().size() == dim) {
            return fromData;
        }
        int side = (int) Math.round(Math.sqrt(dim));
        return side * side == dim && side >= 4 ? Optional.of(ImageShape.grey(side, side)) : Optional.empty();
    }

    /**
     * {@code n} prior samples, {@link #COLUMNS} a row; for a model conditioned on a class one row of {@link #COLUMNS}
     * samples per class instead; for a model conditioned on vectors, one sample per vector of {@code conditions} (n
     * rows of the model's conditioning dimension). Returns the number of images drawn.
     */
    static int writeSamples(Path png, Evaluator ev, ModelSpec spec, int n, ImageShape shape, float[] conditions)
            throws IOException {
        if (spec.conditional() && !spec.conditioningOneHot()) {
            float[] x = ev.samplePriorGiven(n, conditions);
            ImageGrid.write(png, x, n, shape.height(), shape.width(), COLUMNS, SCALE);
            return n;
        }
        int[] classes = null;
        if (spec.conditional()) {
            n = spec.conditioningDim() * COLUMNS;
            classes = new int[n];
            for (int i = 0; i < n; i++) {
                classes[i] = i / COLUMNS;
            }
        }
        float[] x = ev.samplePrior(n, classes);
        ImageGrid.write(png, x, n, shape.height(), shape.width(), COLUMNS, SCALE);
        return n;
    }

    /** The condition vectors of the first n rows of {@code data} (cycled when it has fewer), or null without any. */
    static float[] conditionsOf(Dataset data, int n) {
        if (!data.hasConditions()) {
            return null;
        }
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i % data.rows();
        }
        float[] c = new float[n * data.conditionDim()];
        data.copyConditions(rows, 0, n, c);
        return c;
    }

    /** The first {@code n} rows of {@code data} beside their reconstructions; returns the number of pairs. */
    static int writeReconstructions(Path png, Evaluator ev, Dataset data, int n, ImageShape shape)
            throws IOException {
        Dataset head = data.head(n);
        float[] rec = ev.reconstruct(head, 100);
        ImageGrid.writePairs(png, head.features(), rec, head.rows(), shape.height(), shape.width(), COLUMNS / 2,
                SCALE);
        return head.rows();
    }
}
