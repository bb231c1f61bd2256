package org.hvae4j.cli;

import java.util.Locale;
import org.hvae4j.data.Dataset;
import org.hvae4j.data.Datasets;

/**
 * The training data and, when there is one, a test split: {@code --test-data}, else Fashion-MNIST's own test
 * split, else the last {@code --holdout} fraction of the data.
 */
record Splits(Dataset train, Dataset test, String testSource) {
    static Splits of(DataOptions data, String testSpec, double holdout) {
        Dataset all = data.load();
        String lower = data.spec.trim().toLowerCase(Locale.ROOT);
        if (testSpec == null && lower.startsWith("fashion-mnist") && !lower.startsWith("fashion-mnist-test")) {
            String dir = data.spec.trim().substring(lower.startsWith("fashion-mnist-train") ? 19 : 13);
            testSpec = "fashion-mnist-test" + dir;
        }
        if (testSpec != null) {
            return new Splits(all, Datasets.byName(testSpec), testSpec);
        }
        int n = (int) Math.round(all.rows() * holdout);
        if (n == 0) {
            return new Splits(all, null, null);
        }
        return new Splits(all.subset(0, all.rows() - n), all.subset(all.rows() - n, all.rows()),
                "the last " + n + " rows of " + all.name() + " (--holdout " + holdout + ")");
    }

    /** Where final metrics are measured: the first {@code n} test rows, or training rows without a test split. */
    Dataset evaluation(int n) {
        return (test != null ? test : train).head(n);
    }
}
